"""One tenant's fulfilment read-back: ShipStation → ``invoice_order_map`` → the linked deal.

No request per order: the run lists, account-wide and 500 to a page, what changed since the
tenant's last read-back (``shipstation_readback.seen_until``, ShipStation's own clock, minus
``OVERLAP``) and matches it to the mapped orders in memory (``known.merge``):

1. ``GET /orders?modifyDateStart=`` — status changes, cancellations, split children (by
   ``parentId``), merges (``mergedIds``);
2. rows never read before (first run, or a row written while the last run listed): one listing
   of the tenant's orders by number prefix (``orderNumber`` is a starts-with search);
3. ``GET /shipments?createDateStart=&includeShipmentItems=true`` (new labels),
   ``GET /shipments?voidDateStart=`` (labels voided since) and
   ``GET /fulfillments?createDateStart=`` (orders marked shipped);
4. deliveries, for invoices Shipped but not Delivered: ``GET /fulfillments?shipDateStart=``
   (fulfillments document ``deliveryDate``) and, only on accounts whose labels list a
   ``deliveryDate`` (V1 documents none: learnt from the labels seen), ``GET
   /shipments?shipDateStart=`` from the oldest undelivered label's ship date.

So N open orders cost about 5 + N/500 requests plus a page per 500 changes, instead of 3N. What
is known of each invoice's family and shipments is saved on its row (``readback``), and its state
recomputed by ``state.fulfilment``. Then the linked deal (``deal_map`` through the invoice's
customer) gets a note per new shipment and, once per deal at the end, its status field
(``deal_push``). Requests stay within ShipStation's 40 a minute: the client paces on the
``X-Rate-Limit-*`` headers and waits out a 429.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ledgerlink import db
from ledgerlink.fulfilment import store
from ledgerlink.fulfilment.deal_push import DEFAULT_STATUS_FIELD, DealPush
from ledgerlink.fulfilment.known import Known, merge
from ledgerlink.fulfilment.state import Fulfilment, State, fulfilment, new_shipments
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.shipstation import ShipStationV1
from ledgerlink.shipstation.models import Order, Shipment
from ledgerlink.shipstation.protocol import ShipStationClient

DEFAULT_WATCH_DAYS = 30
# Listings start this long before the newest stamp the last run saw: ShipStation may stamp a
# change before it is listed, and Pacific wall time repeats an hour when summer time ends.
OVERLAP = timedelta(hours=2)
# A fresh row's shipments are listed from a little before its order was created.
FRESH_MARGIN = timedelta(minutes=5)


class CountingClient(ShipStationClient, Protocol):
    requests: int  # requests sent so far, retries included
    server_time: datetime | None  # ShipStation's clock at the last response (Pacific wall time)


@dataclass
class Summary:
    tenant: str
    orders_read: int = 0
    states_changed: int = 0
    notes_written: int = 0
    fields_written: int = 0
    shipstation_requests: int = 0
    pipedrive_requests: int = 0
    missing: list[str] = field(default_factory=list)  # order numbers ShipStation does not know
    missing_deals: list[int] = field(default_factory=list)  # linked deals Pipedrive does not know

    def line(self) -> str:
        text = (
            f"{self.tenant}: {self.orders_read} orders read, {self.states_changed} states changed,"
            f" {self.notes_written} notes written, {self.fields_written} deal fields updated;"
            f" {self.shipstation_requests} ShipStation and {self.pipedrive_requests} Pipedrive"
            " requests"
        )
        if self.missing:
            text += f"; not found in ShipStation (deleted or merged): {', '.join(self.missing)}"
        if self.missing_deals:
            deals = ", ".join(str(d) for d in self.missing_deals)
            text += f"; linked deals not found in Pipedrive: {deals}"
        return text


def refresh(
    tenant: str,
    *,
    watch_days: int = DEFAULT_WATCH_DAYS,
    status_field: str = DEFAULT_STATUS_FIELD,
) -> Summary:
    """One tenant's read-back with its stored connections: what the CLI and the orchestration
    run. The ShipStation client paces with the process-wide pacer of the tenant's key pair."""
    with ShipStationV1.for_tenant(tenant) as client:
        run = ReadBack(
            tenant,
            client,
            lambda: PipedriveClient.for_tenant(tenant),
            watch_days=watch_days,
            status_field=status_field,
        )
        return run.run()


@dataclass
class ReadBack:
    tenant: str
    shipstation: CountingClient
    pipedrive: Callable[[], PipedriveClient]
    watch_days: int = DEFAULT_WATCH_DAYS
    status_field: str = DEFAULT_STATUS_FIELD
    run_id: str = field(default_factory=lambda: f"shipments-{uuid.uuid4().hex[:12]}")

    def run(self) -> Summary:
        with store.exclusive_run(self.tenant):
            return self._run()

    def _run(self) -> Summary:
        summary = Summary(self.tenant)
        push = DealPush(self.tenant, self.pipedrive, self.run_id, self.status_field)
        started = self.shipstation.requests
        try:
            with db.connection() as conn:
                rows = store.orders_to_read(conn, self.tenant, self.watch_days)
                mark = store.watermark(conn, self.tenant)
            if rows:
                self._read(rows, mark, push, summary)
        finally:
            summary.shipstation_requests = self.shipstation.requests - started
            summary.notes_written = push.counts.notes
            summary.fields_written = push.counts.fields
            summary.missing_deals = sorted(push.counts.missing_deals)
            if push.used:
                summary.pipedrive_requests = push.client.usage().requests
            push.close()
        return summary

    def _read(
        self,
        rows: Sequence[store.MappedOrder],
        mark: store.Watermark,
        push: DealPush,
        summary: Summary,
    ) -> None:
        listing = _Listing(
            self.shipstation,
            {r.qbo_invoice_id: r.order_number for r in rows},
            {r.qbo_invoice_id: r.items_ordered for r in rows if r.items_ordered},
        )
        if mark.seen_until is not None:  # no watermark: what rows know may have gaps
            listing.known.update(
                (r.qbo_invoice_id, Known.from_json(r.readback)) for r in rows if r.readback
            )
        listing.run(mark)
        summary.orders_read = len(rows)

        unchanged: list[str] = []
        customers: list[str] = []
        with db.connection() as conn:
            for row in rows:
                known = listing.known.get(row.qbo_invoice_id)
                if known is None or not known.orders:
                    summary.missing.append(row.order_number)
                    unchanged.append(row.qbo_invoice_id)
                    continue
                ordered = row.items_ordered or None
                found = fulfilment(known.family, known.shipments.values(), ordered)
                if not self._save(conn, row, known, found, listing.changed, summary):
                    unchanged.append(row.qbo_invoice_id)
                if row.noting or new_shipments(found, row.noted):
                    deal = store.linked_deal(conn, self.tenant, row.qbo_customer_id)
                    if deal is not None:
                        conn.commit()  # the state first: notes may take a while
                        push.note_shipments(deal.deal_id, row, found)
                customer = row.qbo_customer_id
                if customer and customer not in customers:
                    customers.append(customer)
            store.mark_checked(conn, self.tenant, unchanged)
            store.save_watermark(conn, self.tenant, listing.watermark(mark))
        for customer in customers:
            with db.connection() as conn:
                deal = store.linked_deal(conn, self.tenant, customer)
                label = store.deal_status(conn, self.tenant, customer)
            if deal is not None:
                push.push_status(deal, label)

    def _save(
        self,
        conn: store.Connection,
        row: store.MappedOrder,
        known: Known,
        found: Fulfilment,
        changed: set[str],
        summary: Summary,
    ) -> bool:
        """Saves the state when anything about it changed; False when nothing did."""
        # A row never read back shows "awaiting": finding it still awaiting is no change.
        before = row.label or ("Awaiting Shipment" if row.fulfilment == "awaiting" else None)
        if row.qbo_invoice_id not in changed and row.readback and found.label == before:
            return False
        status = known.family[0].status
        store.save_fulfilment(conn, self.tenant, row.qbo_invoice_id, found, status, known.to_json())
        if found.label != before:
            summary.states_changed += 1
            store.audit(
                conn,
                self.tenant,
                self.run_id,
                "fulfilment",
                row.qbo_invoice_id,
                row.order_number,
                "update",
                {"fulfilment": store.change(before, found.label)},
            )
        return True


@dataclass
class _Listing:
    """The account-wide listings of one run, merged into what is known per invoice."""

    client: CountingClient
    numbers: dict[str, str]  # invoice id -> order number, for every row read
    ordered: dict[str, int]  # invoice id -> units ordered (the Y of "X/Y Shipped")
    known: dict[str, Known] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    stamps: list[datetime] = field(default_factory=list)
    labels_seen: list[bool] = field(default_factory=list)  # delivery_listed of each label
    started_at: datetime | None = None  # ShipStation's clock when the first listing answered

    def run(self, mark: store.Watermark) -> None:
        since = mark.seen_until - OVERLAP if mark.seen_until is not None else None
        if since is not None:
            orders = self.client.list_orders(modified_since=since)
            self.started_at = self.client.server_time
            self._merge(orders=orders)
        fresh = [n for i, n in self.numbers.items() if i not in self.known]
        start = since
        if fresh:
            before = set(self.known)
            self._merge(orders=self.client.list_orders(number_prefix=_common_prefix(fresh)))
            self.started_at = self.started_at or self.client.server_time
            created = [
                o.created_at
                for i in set(self.known) - before
                for o in self.known[i].orders.values()
                if o.created_at is not None
            ]
            if created:
                first = min(created) - FRESH_MARGIN
                start = first if start is None else min(start, first)
        if start is None:
            return  # no order of any row exists in ShipStation: nothing can have shipped
        self._merge(shipments=self.client.list_labels(created_since=start))
        if since is not None:
            self._merge(shipments=self.client.list_labels(voided_since=since))
        self._merge(shipments=self.client.list_fulfillments(created_since=start))
        self._deliveries(mark)

    def _deliveries(self, mark: store.Watermark) -> None:
        """Re-lists what shipped since the oldest undelivered shipment of a Shipped invoice:
        a delivery changes no stamp a "since" filter could catch."""
        waiting = [
            s
            for i, k in self.known.items()
            if fulfilment(k.family, k.shipments.values(), self.ordered.get(i)).state
            is State.SHIPPED
            for s in k.shipments.values()
            if s.delivery_date is None and s.ship_date is not None
        ]
        fulfillments = [s.ship_date for s in waiting if s.kind == "fulfillment" and s.ship_date]
        if fulfillments:
            self._merge(shipments=self.client.list_fulfillments(shipped_since=min(fulfillments)))
        labels = [s.ship_date for s in waiting if s.kind == "label" and s.ship_date]
        if labels and self.labels_list_delivery(mark) is not False:
            self._merge(shipments=self.client.list_labels(shipped_since=min(labels)))

    def labels_list_delivery(self, mark: store.Watermark) -> bool | None:
        return any(self.labels_seen) if self.labels_seen else mark.labels_list_delivery

    def watermark(self, mark: store.Watermark) -> store.Watermark:
        """Where the next run lists from: ShipStation's clock when this run's first listing
        answered (anything changed later is listed next time), else the newest stamp seen."""
        seen = [*self.stamps, *([mark.seen_until] if mark.seen_until else [])]
        until = self.started_at or max(seen, default=None)
        return store.Watermark(until, self.labels_list_delivery(mark))

    def _merge(self, orders: Iterable[Order] = (), shipments: Iterable[Shipment] = ()) -> None:
        orders, shipments = list(orders), list(shipments)
        self.changed |= merge(self.numbers, self.known, orders, shipments)
        self.stamps += [o.modified_at for o in orders if o.modified_at is not None]
        self.stamps += [t for s in shipments for t in (s.created_at, s.voided_at) if t is not None]
        self.labels_seen += [s.delivery_listed for s in shipments if s.kind == "label"]


def _common_prefix(numbers: Sequence[str]) -> str:
    """The longest start all order numbers share (``QB-acme-``): one starts-with search finds
    them all."""
    first, last = min(numbers), max(numbers)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]
