"""History is not shipped: only invoices dated on or after a cutoff become orders.

A company connecting ShipStation has years of paid invoices fulfilled long ago. The cutoff
defaults to the day ShipStation was connected for the tenant; an earlier date is a deliberate
setting (run it with dry_run first). Invoices before the cutoff are counted and reported, never
sent. The invoice date is ``TxnDate`` (the company's calendar day); an invoice without one is
dated by its creation time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from target_shipstation.errors import InvoiceError, SettingError

T = TypeVar("T", bound=Mapping[str, Any])


def invoice_date(invoice: Mapping[str, Any]) -> date:
    raw = invoice.get("TxnDate")
    if isinstance(raw, date):
        return raw if not isinstance(raw, datetime) else raw.date()
    if isinstance(raw, str) and raw.strip():
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError:
            raise InvoiceError(invoice, f"its date {raw!r} is not a date") from None
    meta = invoice.get("MetaData")
    created = meta.get("CreateTime") if isinstance(meta, Mapping) else None
    if isinstance(created, str) and len(created) >= 10:
        return date.fromisoformat(created[:10])
    raise InvoiceError(invoice, "it has no date (TxnDate); set one in QuickBooks")


@dataclass(frozen=True)
class HistoryCutoff:
    since: date

    @classmethod
    def from_setting(cls, value: Any, connected_at: datetime) -> HistoryCutoff:
        """The ``history_cutoff`` setting (an ISO date), defaulting to the connection day."""
        if value in (None, ""):
            return cls(connected_at.date())
        if isinstance(value, date):
            return cls(value if not isinstance(value, datetime) else value.date())
        try:
            return cls(date.fromisoformat(str(value)))
        except ValueError:
            raise SettingError(
                f"Setting history_cutoff is {value!r}; use a date such as 2026-01-31"
            ) from None

    def admits(self, invoice: Mapping[str, Any]) -> bool:
        return invoice_date(invoice) >= self.since

    def split(self, invoices: Iterable[T]) -> tuple[list[T], int]:
        """The invoices on or after the cutoff, and how many were held back."""
        admitted: list[T] = []
        held = 0
        for invoice in invoices:
            if self.admits(invoice):
                admitted.append(invoice)
            else:
                held += 1
        return admitted, held
