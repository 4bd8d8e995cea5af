"""Which invoices of a tenant became shippable since the last look: the paid-invoice sensor's work.

One CDC request on Invoice and Payment since the tenant's cursor (the server's time of the last
answer, less an overlap for changes QuickBooks commits late). Nothing changed: that one request,
and no run. A payment whose invoice is not among the changes costs one more query for those
invoices. Each changed invoice goes through the shared ship rule (`ledgerlink.shiprule`, the
defaults target-shipstation applies): it is worth a run when it is released (paid, or created
under a ship-on-created term) and has no order yet, or is paid and its order still awaits the
payment, or is voided or deleted and has an order to cancel. An invoice dated before the
tenant's history cutoff (target-shipstation's, the same `ledgerlink.shiprule.HistoryCutoff`) and
without an order is history the target holds back: no run. A change is judged once: the
invoice's SyncToken is remembered, so the overlap never asks for a second run. A change younger
than the tap's settle time is judged on a later tick: a run launched now would not read it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ledgerlink import db
from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.client import QboClient
from ledgerlink.shiprule import HistoryCutoff, Release, ShipPolicy, UndatedInvoice, term_name

ENTITIES = ("Invoice", "Payment")
# QuickBooks may stamp a change a little before it becomes visible to CDC.
OVERLAP = timedelta(seconds=60)
# tap-quickbooks' default `settle_seconds`: changes younger than this wait for its next run.
SETTLE = timedelta(seconds=60)
_LIVE_ORDER = ("created", "updated")


@dataclass(frozen=True)
class TenantCursor:
    """Where a tenant's next look starts, and the invoice versions already judged."""

    since: datetime
    seen: Mapping[str, str] = field(default_factory=dict)  # invoice Id → SyncToken

    def to_json(self) -> dict[str, Any]:
        return {"since": q.format_time(self.since), "seen": dict(self.seen)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TenantCursor":
        return cls(q.parse_time(str(data["since"])), dict(data.get("seen") or {}))


@dataclass(frozen=True)
class Shippable:
    invoice_id: str
    sync_token: str
    doc_number: str
    release: Release

    @property
    def change(self) -> str:
        return f"{self.invoice_id}.{self.sync_token}"


@dataclass(frozen=True)
class Look:
    shippable: list[Shippable]
    cursor: TenantCursor
    changed: int  # invoices in the answer, judged or not


def look(
    client: QboClient,
    tenant: str,
    cursor: TenantCursor | None,
    *,
    now: datetime,
    lookback: timedelta,
    settle: timedelta = SETTLE,
    policy: ShipPolicy | None = None,
    cutoff: HistoryCutoff | None = None,
    database_url: str | None = None,
) -> Look:
    since = cursor.since - OVERLAP if cursor else now - lookback
    changes = client.cdc(ENTITIES, since)
    invoices = {str(inv.get("Id")): inv for inv in changes.of("Invoice")}
    missing = _paid_invoice_ids(changes.of("Payment")) - invoices.keys()
    if missing:
        found = client.query(q.ids_query("Invoice", missing), "Invoice")
        invoices.update({str(inv.get("Id")): inv for inv in found})
    server_now = q.parse_time(changes.time) if changes.time else now
    # The tap leaves changes younger than its settle time for its next run: a run asked for now
    # would not see them, so they wait for a later tick (not judged, not marked as seen).
    unsettled = {
        i: stamp
        for i, inv in invoices.items()
        if (stamp := _updated(inv)) is not None and stamp > server_now - settle
    }
    ripe = {i: inv for i, inv in invoices.items() if i not in unsettled}
    seen = dict(cursor.seen) if cursor else {}
    fresh = {i: inv for i, inv in ripe.items() if seen.get(i) != _sync_token(inv)}
    rules = _Rules(policy or ShipPolicy(), cutoff)
    shippable = _judge(client, tenant, fresh, rules, database_url) if fresh else []
    next_cursor = TenantCursor(
        # The next window still holds the unsettled changes (it starts OVERLAP earlier again).
        since=min([server_now, *unsettled.values()]),
        seen={i: _sync_token(inv) for i, inv in ripe.items()},
    )
    return Look(shippable, next_cursor, len(invoices))


def _updated(invoice: Mapping[str, Any]) -> datetime | None:
    meta = invoice.get("MetaData")
    stamp = meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None
    return q.parse_time(stamp) if isinstance(stamp, str) else None


def _sync_token(invoice: Mapping[str, Any]) -> str:
    # A tombstone has no SyncToken; its status is what changed.
    return str(invoice.get("SyncToken") or invoice.get("status") or "")


def _paid_invoice_ids(payments: Iterable[Mapping[str, Any]]) -> set[str]:
    ids = set()
    for payment in payments:
        for line in payment.get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "Invoice" and linked.get("TxnId"):
                    ids.add(str(linked["TxnId"]))
    return ids


@dataclass(frozen=True)
class _Rules:
    """target-shipstation's rules as the sensor applies them: the ship rule and the cutoff."""

    policy: ShipPolicy
    cutoff: HistoryCutoff | None

    def admits(self, invoice: Mapping[str, Any]) -> bool:
        if self.cutoff is None:
            return True
        try:
            return self.cutoff.admits(invoice)
        except UndatedInvoice:  # the target reports it (a run that orders nothing): let it
            return True


def _judge(
    client: QboClient,
    tenant: str,
    invoices: Mapping[str, Mapping[str, Any]],
    rules: _Rules,
    database_url: str | None,
) -> list[Shippable]:
    with db.connection(database_url) as conn:
        terms = {
            str(r["qbo_id"]): r["data"]
            for r in conn.execute(
                "SELECT qbo_id, data FROM qbo_reference WHERE tenant = %s AND entity = 'term'",
                (tenant,),
            )
        }
        orders = {
            str(r["qbo_invoice_id"]): r
            for r in conn.execute(
                "SELECT qbo_invoice_id, state, order_status FROM invoice_order_map"
                " WHERE tenant = %s AND qbo_invoice_id = ANY(%s)",
                (tenant, list(invoices)),
            )
        }
    unknown = {
        str(ref["value"])
        for inv in invoices.values()
        if isinstance(ref := inv.get("SalesTermRef"), Mapping) and not ref.get("name")
    } - terms.keys()
    if unknown:  # terms the target has not kept yet: one query, only when something changed
        terms |= {str(t["Id"]): t for t in client.query(q.ids_query("Term", unknown), "Term")}
    found = []
    for invoice_id, invoice in sorted(invoices.items(), key=lambda kv: (len(kv[0]), kv[0])):
        decision = rules.policy.release(invoice, term_name(invoice, terms))
        if _worth_a_run(decision, orders.get(invoice_id), admitted=rules.admits(invoice)):
            found.append(
                Shippable(
                    invoice_id,
                    _sync_token(invoice),
                    str(invoice.get("DocNumber") or ""),
                    decision,
                )
            )
    return found


def _worth_a_run(decision: Release, order: Mapping[str, Any] | None, *, admitted: bool) -> bool:
    live = order is not None and order["state"] in _LIVE_ORDER
    if decision is Release.CANCEL:
        return live
    # Before the cutoff, an invoice the target has no order row for is history: it is never
    # ordered (one with a row is still handled, as target-shipstation does).
    if order is None and not admitted:
        return False
    if decision is Release.SHIP:
        return not live or (order is not None and order["order_status"] == "awaiting_payment")
    if decision is Release.ORDER_UNPAID:
        return not live
    return False  # WAIT, SKIP: nothing to do before a payment
