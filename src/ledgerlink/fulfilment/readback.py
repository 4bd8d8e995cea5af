"""One tenant's fulfilment read-back: ShipStation → ``invoice_order_map`` → the linked deal.

For every mapped order not delivered yet (``store.orders_to_read``): the order's family (the
order numbered exactly as mapped and the orders split from it, one search), the labels and
fulfillments of each member (two requests each), the state by ``state.fulfilment``, saved on the
mapping row at once (a run stopped half-way keeps what it read). Then the linked deal
(``deal_map`` through the invoice's customer) gets a note per new shipment and, once per deal at
the end, its status field (``deal_push``).

Requests stay within ShipStation's 40 a minute because the client paces on the
``X-Rate-Limit-*`` headers (shared by every client of the key pair in the process) and waits out
a 429; an unsplit order costs three requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ledgerlink import db
from ledgerlink.fulfilment import store
from ledgerlink.fulfilment.deal_push import DEFAULT_STATUS_FIELD, DealPush
from ledgerlink.fulfilment.state import fulfilment
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.shipstation import ShipStationV1
from ledgerlink.shipstation.protocol import ShipStationClient

DEFAULT_WATCH_DAYS = 30


class CountingClient(ShipStationClient, Protocol):
    requests: int  # requests sent so far, retries included


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
                orders = store.orders_to_read(conn, self.tenant, self.watch_days)
            customers: list[str] = []
            for order in orders:
                customer = order.qbo_customer_id
                if self._read(order, push, summary) and customer and customer not in customers:
                    customers.append(customer)
            for customer in customers:
                with db.connection() as conn:
                    deal = store.linked_deal(conn, self.tenant, customer)
                    label = store.deal_status(conn, self.tenant, customer)
                if deal is not None:
                    push.push_status(deal, label)
        finally:
            summary.shipstation_requests = self.shipstation.requests - started
            summary.notes_written = push.counts.notes
            summary.fields_written = push.counts.fields
            summary.missing_deals = sorted(push.counts.missing_deals)
            if push.used:
                summary.pipedrive_requests = push.client.usage().requests
            push.close()
        return summary

    def _read(self, order: store.MappedOrder, push: DealPush, summary: Summary) -> bool:
        """Reads one order back; False when ShipStation no longer has it."""
        family = self.shipstation.order_family(order.order_number)
        summary.orders_read += 1
        if not family:
            summary.missing.append(order.order_number)
            with db.connection() as conn:
                store.mark_checked(conn, self.tenant, order.qbo_invoice_id)
            return False
        shipments = [s for member in family for s in self.shipstation.shipments(member.order_id)]
        found = fulfilment(family, shipments, order.items_ordered or None)
        # A row never read back shows "awaiting": finding it still awaiting is no change.
        before = order.label or ("Awaiting Shipment" if order.fulfilment == "awaiting" else None)
        with db.connection() as conn:
            store.save_fulfilment(conn, self.tenant, order.qbo_invoice_id, found, family[0].status)
            if found.label != before:
                summary.states_changed += 1
                store.audit(
                    conn,
                    self.tenant,
                    self.run_id,
                    "fulfilment",
                    order.qbo_invoice_id,
                    order.order_number,
                    "update",
                    {"fulfilment": store.change(before, found.label)},
                )
            deal = store.linked_deal(conn, self.tenant, order.qbo_customer_id)
        if deal is not None:
            push.note_shipments(deal.deal_id, order, found)
        return True
