"""Optional ``invoice_deals: create``: a Pipedrive deal per QuickBooks invoice, on the customer's
organization, in a configured pipeline and stage; title the invoice number, value the total,
won once paid, lost once voided or deleted in QuickBooks.

Only invoices dated on or after the notes' cutoff get a deal (a first run does not turn years of
history into deals). Never a duplicate: the ``invoice_deal_map`` row is committed ``pending``
before the ``POST``; a row left pending is resolved by reading the organization's deals and
looking for the invoice's Id in the deal field "QuickBooks Invoice ID" before creating again.
Afterwards only what changed is sent (diffed against ``last_pushed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from target_pipedrive.mapping import FieldMapping, MappingError
from target_pipedrive.money import InvoiceRow
from target_pipedrive.store import AuditEntry

Connection = psycopg.Connection[dict[str, Any]]
STREAM = "invoice-deals"
INVOICE_ID_FIELD = FieldMapping("QuickBooks Invoice ID", ("invoice_id",), "varchar")
LOST_REASON = "Voided or deleted in QuickBooks"


@dataclass(frozen=True)
class InvoiceDealConfig:
    pipeline_id: int | None
    stage_id: int | None

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> InvoiceDealConfig | None:
        """``None`` unless ``invoice_deals`` is ``create``."""
        mode = str(settings.get("invoice_deals") or "off")
        if mode == "off":
            return None
        if mode != "create":
            raise MappingError("Setting 'invoice_deals' must be 'create' or 'off'")
        return cls(
            _id(settings.get("invoice_deal_pipeline_id"), "invoice_deal_pipeline_id"),
            _id(settings.get("invoice_deal_stage_id"), "invoice_deal_stage_id"),
        )


def _id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MappingError(f"Setting '{name}' must be a Pipedrive id (an integer)") from None


def desired(invoice: InvoiceRow, org_id: int, default_currency: str) -> dict[str, Any]:
    """The deal an invoice stands for (the keys compared with what was last pushed)."""
    paid = invoice.balance <= 0 and invoice.total > 0
    return {
        "title": f"Invoice {invoice.doc_number or invoice.invoice_id}",
        "value": float(invoice.total),
        "currency": invoice.currency or default_currency,
        "org_id": org_id,
        "status": "won" if paid else "open",
    }


# -- the mapping rows ----------------------------------------------------------------------------
@dataclass(frozen=True)
class InvoiceDeal:
    invoice_id: str
    deal_id: int | None
    state: str
    last_pushed: dict[str, Any]


def load(conn: Connection, tenant: str, customer: str) -> dict[str, InvoiceDeal]:
    rows = conn.execute(
        "SELECT qbo_invoice_id, pipedrive_deal_id, state, last_pushed FROM invoice_deal_map"
        " WHERE tenant = %s AND qbo_customer_id = %s",
        (tenant, customer),
    ).fetchall()
    return {
        r["qbo_invoice_id"]: InvoiceDeal(
            r["qbo_invoice_id"], r["pipedrive_deal_id"], r["state"], dict(r["last_pushed"])
        )
        for r in rows
    }


def mark_pending(conn: Connection, tenant: str, customer: str, invoice_id: str) -> None:
    conn.execute(
        "INSERT INTO invoice_deal_map (tenant, qbo_invoice_id, qbo_customer_id, state)"
        " VALUES (%s, %s, %s, 'pending') ON CONFLICT (tenant, qbo_invoice_id) DO NOTHING",
        (tenant, invoice_id, customer),
    )


def link(
    conn: Connection,
    tenant: str,
    customer: str,
    invoice_id: str,
    deal_id: int,
    pushed: Mapping[str, Any],
) -> None:
    conn.execute(
        """
        INSERT INTO invoice_deal_map (tenant, qbo_invoice_id, qbo_customer_id, pipedrive_deal_id,
                                      state, last_pushed)
        VALUES (%s, %s, %s, %s, 'linked', %s)
        ON CONFLICT (tenant, qbo_invoice_id) DO UPDATE SET
            qbo_customer_id = EXCLUDED.qbo_customer_id,
            pipedrive_deal_id = EXCLUDED.pipedrive_deal_id, state = 'linked',
            last_pushed = EXCLUDED.last_pushed, updated_at = now()
        """,
        (tenant, invoice_id, customer, deal_id, Jsonb(dict(pushed))),
    )


# -- applying ------------------------------------------------------------------------------------
class InvoiceDeals:
    """The deals of one customer's invoices."""

    def __init__(
        self,
        client: Callable[[], PipedriveClient],
        tenant: str,
        config: InvoiceDealConfig,
        *,
        invoice_field: Callable[[], str],  # the deal field code of "QuickBooks Invoice ID"
        audit: Callable[[AuditEntry], None],
        default_currency: str = "USD",
        dry_run: bool = False,
        database_url: str | None = None,
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.config = config
        self.invoice_field = invoice_field
        self.audit = audit
        self.default_currency = default_currency
        self.dry_run = dry_run
        self.database_url = database_url

    def sync(
        self, customer: str, org_id: int, invoices: Iterable[InvoiceRow], cutoff: date | None
    ) -> bool:
        """Create or update the deal of each invoice since ``cutoff``, close those gone; whether
        every write landed (errors propagate to the caller's per-customer handling)."""
        with db.connection(self.database_url) as conn:
            known = load(conn, self.tenant, customer)
        live = {i.invoice_id: i for i in invoices}
        found: dict[str, int] | None = None
        for invoice in sorted(live.values(), key=lambda i: (i.txn_date or date.min, i.invoice_id)):
            row = known.get(invoice.invoice_id)
            if row is None and (cutoff is not None and (invoice.txn_date or date.min) < cutoff):
                continue  # history: no deal
            want = desired(invoice, org_id, self.default_currency)
            if row is not None and row.state == "pending":
                if found is None:
                    found = self._existing(org_id)
                deal_id = found.get(invoice.invoice_id)
                if deal_id is not None:  # the lost create did land
                    row = InvoiceDeal(invoice.invoice_id, deal_id, "linked", {})
            if row is None or row.deal_id is None:
                self._create(customer, invoice, want)
            else:
                self._update(customer, invoice.invoice_id, row.deal_id, row.last_pushed, want)
        for gone in known.values():
            if gone.invoice_id in live or gone.deal_id is None:
                continue
            if gone.last_pushed.get("status") != "lost":
                lost = {**gone.last_pushed, "status": "lost", "lost_reason": LOST_REASON}
                self._update(customer, gone.invoice_id, gone.deal_id, gone.last_pushed, lost)
        return True

    def _existing(self, org_id: int) -> dict[str, int]:
        """Invoice Id → deal id, for the organization's deals carrying one."""
        code = self.invoice_field()
        out: dict[str, int] = {}
        for deal in self.client().deals(org_id=org_id, custom_fields=[code]):
            value = (deal.get("custom_fields") or {}).get(code)
            if value and not deal.get("is_deleted"):
                out.setdefault(str(value).strip(), int(deal["id"]))
        return out

    def _create(self, customer: str, invoice: InvoiceRow, want: Mapping[str, Any]) -> None:
        changed = {k: {"before": None, "after": v} for k, v in want.items()}
        if self.dry_run:
            self.audit(AuditEntry(STREAM, invoice.invoice_id, "create", None, changed))
            return
        body: dict[str, Any] = {
            **want,
            "custom_fields": {self.invoice_field(): invoice.invoice_id},
        }
        if self.config.pipeline_id is not None:
            body["pipeline_id"] = self.config.pipeline_id
        if self.config.stage_id is not None:
            body["stage_id"] = self.config.stage_id
        with db.connection(self.database_url) as conn:  # committed before the POST leaves
            mark_pending(conn, self.tenant, customer, invoice.invoice_id)
        deal = self.client().create_deal(body)
        with db.connection(self.database_url) as conn:
            link(conn, self.tenant, customer, invoice.invoice_id, int(deal["id"]), want)
        self.audit(AuditEntry(STREAM, invoice.invoice_id, "create", str(deal["id"]), changed))

    def _update(
        self,
        customer: str,
        invoice_id: str,
        deal_id: int,
        pushed: Mapping[str, Any],
        want: Mapping[str, Any],
    ) -> None:
        changes = {k: v for k, v in want.items() if pushed.get(k) != v}
        if not changes:
            return  # unchanged: not even an audit row
        changed = {k: {"before": pushed.get(k), "after": v} for k, v in changes.items()}
        if not self.dry_run:
            self.client().patch_deal(deal_id, changes)
            with db.connection(self.database_url) as conn:
                link(conn, self.tenant, customer, invoice_id, deal_id, {**pushed, **changes})
        self.audit(AuditEntry(STREAM, invoice_id, "update", str(deal_id), changed))
