"""The Pipedrive side of the read-back: the linked deal's status field and one note per shipment.

- **Status field.** A deal custom field found by its visible name (``status_field``, default
  "Shipping status"; case and spacing ignored) among the deal fields, created as text when no
  field has that name. It shows the label of the customer's newest order ("2/5 Shipped"). It is
  written only when the label changes, and never blank: a read-back with nothing to say leaves
  whatever the deal shows.
- **Notes.** One note per live shipment, with its tracking link. The shipment's key is recorded
  in ``noting_shipments`` (committed) before the request and moved to ``noted_shipments`` after
  it; a key left in ``noting_shipments`` by a crash or an unknown outcome is looked up among the
  deal's notes (each note ends with ``ledgerlink shipment <key>``) before anything is sent again.

The Pipedrive client is made on first need, so a tenant whose invoices link to no deal needs no
Pipedrive connection. A linked deal that Pipedrive no longer has (deleted, or a stale link) is
skipped and named in the summary; the other deals are still told.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ledgerlink import db
from ledgerlink.fulfilment import store
from ledgerlink.fulfilment.state import Fulfilment, ShipmentView, new_shipments
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import Category, PipedriveApiError
from ledgerlink.pipedrive.transport import WriteOutcomeUnknown

log = logging.getLogger(__name__)

DEFAULT_STATUS_FIELD = "Shipping status"
MARKER = "ledgerlink shipment"


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def note_html(order_number: str, shipment: ShipmentView) -> str:
    """The note's HTML; every value is escaped. The last line names the shipment's key, which is
    how a rerun recognises a note it may already have written."""
    e = html.escape
    carrier = " ".join(p for p in (shipment.carrier, shipment.service) if p) or "unknown carrier"
    number = shipment.tracking_number or "no tracking number"
    tracking = (
        f'<a href="{e(shipment.tracking_url, quote=True)}">{e(number)}</a>'
        if shipment.tracking_url
        else e(number)
    )
    items = ", ".join(f"{i.quantity} x {i.name or i.sku or 'item'}" for i in shipment.items)
    lines = [
        f"<b>Shipped</b>: order {e(shipment.order_number or order_number)}",
        f"Tracking: {tracking} ({e(carrier)})",
    ]
    if shipment.ship_date:
        lines.append(f"Ship date: {shipment.ship_date.isoformat()}")
    if items:
        lines.append(f"Items: {e(items)}")
    lines.append(f"<small>{MARKER} {e(shipment.key)}</small>")
    return "<br>".join(lines)


def noted_key(content: str) -> str | None:
    """The shipment key a note written by ``note_html`` ends with (``None`` for other notes),
    whether Pipedrive kept the note's markup or stripped it."""
    text = html.unescape(content)
    at = text.rfind(f"{MARKER} ")
    if at < 0:
        return None
    key = text[at + len(MARKER) + 1 :].split("<")[0].strip()
    return key or None


@dataclass
class PushCounts:
    notes: int = 0
    fields: int = 0
    missing_deals: set[int] = field(default_factory=set)  # linked, but gone from Pipedrive


@dataclass
class DealPush:
    """Tells one tenant's deals about their invoices' shipments."""

    tenant: str
    make_client: Callable[[], PipedriveClient]
    run_id: str
    status_field: str = DEFAULT_STATUS_FIELD
    counts: PushCounts = field(default_factory=PushCounts)
    _client: PipedriveClient | None = None
    _field_code: str | None = None

    @property
    def client(self) -> PipedriveClient:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    @property
    def used(self) -> bool:
        return self._client is not None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _on_deal(self, deal_id: int, action: Callable[[], None]) -> None:
        """Runs ``action`` on a deal; a refusal because the deal is gone skips the deal."""
        if deal_id in self.counts.missing_deals:
            return
        try:
            action()
        except PipedriveApiError as error:
            if error.category is not Category.FATAL or self.client.deal(deal_id) is not None:
                raise
            log.warning("Pipedrive deal %s is linked but no longer exists; skipped", deal_id)
            self.counts.missing_deals.add(deal_id)
            with db.connection() as conn:
                store.audit(
                    conn,
                    self.tenant,
                    self.run_id,
                    "deal_notes",
                    str(deal_id),
                    str(deal_id),
                    "skip",
                    error=f"deal {deal_id} not found: {error}",
                )

    # -- notes -------------------------------------------------------------------------------
    def note_shipments(self, deal_id: int, order: store.MappedOrder, found: Fulfilment) -> None:
        new = new_shipments(found, order.noted)
        if new:
            self._on_deal(deal_id, lambda: self._note(deal_id, order, new))

    def _note(self, deal_id: int, order: store.MappedOrder, new: list[ShipmentView]) -> None:
        already = self._noted_on_deal(deal_id) if order.noting & {s.key for s in new} else set()
        for shipment in new:
            if shipment.key in already:
                with db.connection() as conn:
                    store.end_note(conn, self.tenant, order.qbo_invoice_id, shipment.key, sent=True)
                continue
            self._send_note(deal_id, order, shipment)

    def _noted_on_deal(self, deal_id: int) -> set[str]:
        keys = (noted_key(str(n.get("content") or "")) for n in self.client.deal_notes(deal_id))
        return {k for k in keys if k}

    def _send_note(self, deal_id: int, order: store.MappedOrder, shipment: ShipmentView) -> None:
        with db.connection() as conn:
            store.begin_note(conn, self.tenant, order.qbo_invoice_id, shipment.key)
        try:
            self.client.create_note(note_html(order.order_number, shipment), deal_id=deal_id)
        except WriteOutcomeUnknown:
            raise  # the key stays in noting_shipments: the next run looks before it sends
        except Exception:
            with db.connection() as conn:  # refused: the note does not exist, send it next run
                store.end_note(conn, self.tenant, order.qbo_invoice_id, shipment.key, sent=False)
            raise
        with db.connection() as conn:
            store.end_note(conn, self.tenant, order.qbo_invoice_id, shipment.key, sent=True)
            store.audit(
                conn,
                self.tenant,
                self.run_id,
                "deal_notes",
                order.qbo_invoice_id,
                str(deal_id),
                "create",
                {"shipment": store.change(None, shipment.key)},
            )
        self.counts.notes += 1

    # -- status field ------------------------------------------------------------------------
    def push_status(self, deal: store.LinkedDeal, label: str | None) -> None:
        if not label or label == deal.label:  # never blank, never the same write twice
            return
        self._on_deal(deal.deal_id, lambda: self._status(deal, label))

    def _status(self, deal: store.LinkedDeal, label: str) -> None:
        code = self._code()
        self.client.patch_deal(deal.deal_id, {"custom_fields": {code: label}})
        with db.connection() as conn:
            store.save_deal_label(conn, self.tenant, deal.deal_id, label)
            store.audit(
                conn,
                self.tenant,
                self.run_id,
                "deal_status",
                str(deal.deal_id),
                str(deal.deal_id),
                "update",
                {self.status_field: store.change(deal.label, label)},
            )
        self.counts.fields += 1

    def _code(self) -> str:
        if self._field_code is None:
            found = next(
                (
                    f
                    for f in self.client.fields("deal")
                    if f.get("is_custom_field")
                    and _same_name(str(f.get("field_name")), self.status_field)
                ),
                None,
            )
            if found is None:
                found = self.client.create_field("deal", self.status_field, "varchar")
                log.info("Created the Pipedrive deal field '%s'", self.status_field)
            self._field_code = str(found["field_code"])
        return self._field_code
