"""When an invoice becomes a ShipStation order: the one shared rule.

Each QuickBooks term has a setting ``ship_on``: ``paid`` (the order is created once the invoice
is paid) or ``created`` (the order is created right away, ``awaiting_payment`` until paid). The
defaults are those of the application ledgerlink replaces: Due on Receipt → paid, Net 30 and
Net 60 → created; any other term uses ``ship_on_default`` (paid unless configured: shipping
before payment is the riskier mistake). Term names match case- and space-insensitively
("Due on receipt" = "Due on Receipt").

Shared by target-shipstation (which orders) and the orchestration's paid-invoice sensor (which
decides whether a change is worth a run), so it lives in the core, with the history cutoff: only
invoices dated on or after it become orders (``history_cutoff``, by default the day ShipStation
was connected for the tenant).

"Paid" means balance 0 with a total above 0 and not voided: a voided invoice also has balance 0
(and total 0), and a zero-total invoice is never "paid" (it ships only under ``created``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Self, TypeVar, cast

from ledgerlink.errors import LedgerlinkError
from ledgerlink.money import ZERO, decimal

ShipOn = Literal["paid", "created"]
SHIP_ON_VALUES: tuple[ShipOn, ...] = ("paid", "created")
DEFAULT_SHIP_ON: Mapping[str, ShipOn] = {
    "due on receipt": "paid",
    "net 30": "created",
    "net 60": "created",
}
DEFAULT_UNKNOWN: ShipOn = "paid"


class SettingError(LedgerlinkError):
    """A setting has a value the rules cannot use."""


def term_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class InvoiceStatus(enum.Enum):
    OPEN = "open"  # nothing paid
    PARTIAL = "partial"  # 0 < balance < total
    PAID = "paid"  # balance 0, total > 0, not voided
    ZERO = "zero"  # total 0 (or below), not voided: never counts as paid
    VOIDED = "voided"
    DELETED = "deleted"


def is_voided(invoice: Mapping[str, Any]) -> bool:
    """QuickBooks voids keep the invoice with total 0, balance 0 and a "Voided" note; the tap
    also marks them with ``_sdc_deleted_at`` (a CDC tombstone instead says status Deleted)."""
    if invoice.get("_sdc_deleted_at") and invoice.get("status") != "Deleted":
        return True
    note = invoice.get("PrivateNote")
    total = decimal(invoice.get("TotalAmt"))
    return isinstance(note, str) and note.startswith("Voided") and total == ZERO


def invoice_status(invoice: Mapping[str, Any]) -> InvoiceStatus:
    if invoice.get("status") == "Deleted":
        return InvoiceStatus.DELETED
    if is_voided(invoice):
        return InvoiceStatus.VOIDED
    total = decimal(invoice.get("TotalAmt"))
    balance = decimal(invoice.get("Balance"), default=total)
    if total <= ZERO:
        return InvoiceStatus.ZERO
    if balance <= ZERO:
        return InvoiceStatus.PAID
    if balance < total:
        return InvoiceStatus.PARTIAL
    return InvoiceStatus.OPEN


class Release(enum.Enum):
    """What to do with an invoice now (given no history cutoff holds it back)."""

    SHIP = "ship"  # order it, status awaiting_shipment
    ORDER_UNPAID = "order_unpaid"  # order it before payment (status per ``unpaid_status``)
    WAIT = "wait"  # keep in pending_invoices until paid, voided or deleted
    CANCEL = "cancel"  # voided or deleted: cancel its order if one exists, resolve pending
    SKIP = "skip"  # never ships under its term (zero total under ship_on: paid)


@dataclass(frozen=True)
class ShipPolicy:
    """``ship_on`` per term name, and for terms not listed (or invoices without a term)."""

    per_term: Mapping[str, ShipOn] = field(default_factory=lambda: dict(DEFAULT_SHIP_ON))
    unknown: ShipOn = DEFAULT_UNKNOWN

    @classmethod
    def from_settings(
        cls, ship_on: Mapping[str, Any] | None = None, default: Any = None
    ) -> ShipPolicy:
        """The defaults overridden by the ``ship_on`` setting (term name → paid | created)."""
        per_term: dict[str, ShipOn] = dict(DEFAULT_SHIP_ON)
        for name, value in (ship_on or {}).items():
            per_term[term_key(str(name))] = _ship_on(value, f"ship_on['{name}']")
        unknown = DEFAULT_UNKNOWN if default is None else _ship_on(default, "ship_on_default")
        return cls(per_term, unknown)

    def ship_on(self, term_name: str | None) -> ShipOn:
        if not term_name:
            return self.unknown
        return self.per_term.get(term_key(term_name), self.unknown)

    def release(self, invoice: Mapping[str, Any], term_name: str | None) -> Release:
        return release(invoice_status(invoice), self.ship_on(term_name))


def _ship_on(value: Any, setting: str) -> ShipOn:
    if value not in SHIP_ON_VALUES:
        raise SettingError(
            f"Setting {setting} is {value!r}; use one of: {', '.join(SHIP_ON_VALUES)}"
        )
    return cast(ShipOn, value)


def release(status: InvoiceStatus, ship_on: ShipOn) -> Release:
    if status in (InvoiceStatus.VOIDED, InvoiceStatus.DELETED):
        return Release.CANCEL
    if status is InvoiceStatus.PAID:
        return Release.SHIP
    if ship_on == "created":
        # Nothing is owed on a zero-total invoice, so it is not waiting for a payment.
        return Release.SHIP if status is InvoiceStatus.ZERO else Release.ORDER_UNPAID
    return Release.SKIP if status is InvoiceStatus.ZERO else Release.WAIT


def term_name(
    invoice: Mapping[str, Any], terms: Mapping[str, Mapping[str, Any]] | None = None
) -> str | None:
    """The invoice's term name: from ``SalesTermRef.name``, else the term record by id (the
    tap's ``terms`` stream, kept by the target between runs)."""
    ref = invoice.get("SalesTermRef")
    if not isinstance(ref, Mapping):
        return None
    name = ref.get("name")
    if isinstance(name, str) and name.strip():
        return name
    record = (terms or {}).get(str(ref.get("value")))
    found = record.get("Name") if record else None
    return found if isinstance(found, str) else None


# -- the history cutoff ----------------------------------------------------------------------------

# target-shipstation's setting (meltano.yml or its variable TARGET_SHIPSTATION_HISTORY_CUTOFF).
HISTORY_CUTOFF_SETTING = "history_cutoff"
T = TypeVar("T", bound=Mapping[str, Any])


class UndatedInvoice(LedgerlinkError):
    """An invoice without a usable date: the cutoff cannot judge it (``problem`` says why)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def invoice_date(invoice: Mapping[str, Any]) -> date:
    """The invoice's day: ``TxnDate`` (the company's calendar day), else its creation time."""
    raw = invoice.get("TxnDate")
    if isinstance(raw, date):
        return raw if not isinstance(raw, datetime) else raw.date()
    if isinstance(raw, str) and raw.strip():
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError:
            raise UndatedInvoice(f"its date {raw!r} is not a date") from None
    meta = invoice.get("MetaData")
    created = meta.get("CreateTime") if isinstance(meta, Mapping) else None
    if isinstance(created, str) and len(created) >= 10:
        return date.fromisoformat(created[:10])
    raise UndatedInvoice("it has no date (TxnDate); set one in QuickBooks")


@dataclass(frozen=True)
class HistoryCutoff:
    """History is not shipped: a company connecting ShipStation has years of paid invoices
    fulfilled long ago. Invoices dated before ``since`` are counted and reported, never sent."""

    since: date

    @classmethod
    def from_setting(cls, value: Any, connected_at: datetime) -> Self:
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
        """Dated on or after the cutoff (UndatedInvoice when it has no date)."""
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
