"""The read-back against the ShipStation and Pipedrive emulators and PostgreSQL: an order shipped
in three parts reads back 1/3, 2/3, Shipped, Delivered, with three tracking numbers on the
invoice's mapping and three notes on the linked deal, none repeated; voided labels ignored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from ledgerlink.fulfilment.readback import Summary
from ledgerlink.pipedrive.client import PipedriveClient
from tests.fulfilment.conftest import (
    TENANT,
    create_order,
    deal_notes,
    link_deal,
    map_invoice,
    mapping,
    query,
    ship,
)
from tests.tap_pipedrive.conftest import PipedriveSandbox

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
DEAL = 3


def test_three_parts_read_back_as_partial_then_shipped_then_delivered(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    api.patch("/_sandbox/settings", json={"label_marks_order_shipped": "all_items",
                                          "label_delivery_date": "listed"})  # fmt: skip
    order_id = create_order(api, "QB-acme-1042")
    map_invoice("142", "QB-acme-1042", order_id)
    link_deal(DEAL)

    first = read_back()
    assert (first.orders_read, first.states_changed, first.notes_written) == (1, 0, 0)
    assert mapping("142")["fulfilment_label"] == "Awaiting Shipment"
    assert first.shipstation_requests == 3  # the family search, labels, fulfillments

    labels = [ship(api, order_id, 1, carrierCode="ups", serviceCode="ups_ground")]
    partial = read_back()
    row = mapping("142")
    assert (row["fulfilment"], row["fulfilment_label"], row["items_shipped"]) == (
        "partial", "1/3 Shipped", 1)  # fmt: skip
    assert (partial.states_changed, partial.notes_written) == (1, 1)

    labels.append(ship(api, order_id, 1, carrierCode="fedex"))
    assert read_back().notes_written == 1
    assert mapping("142")["fulfilment_label"] == "2/3 Shipped"

    labels.append(ship(api, order_id, 1, carrierCode="stamps_com"))
    shipped = read_back()
    row = mapping("142")
    assert (row["fulfilment"], row["fulfilment_label"]) == ("shipped", "Shipped")
    assert shipped.notes_written == 1
    tracking = [label["trackingNumber"] for label in labels]
    assert [s["tracking_number"] for s in row["shipments"]] == tracking
    assert [s["tracking_url"] is not None for s in row["shipments"]] == [True] * 3
    assert [s["items"] for s in row["shipments"]] == [
        [{"sku": "WID", "name": "Widget", "quantity": 1}]] * 3  # fmt: skip

    for label in labels:
        api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver",
                 json={"deliveryDate": "2026-03-05"}).raise_for_status()  # fmt: skip
    delivered = read_back()
    row = mapping("142")
    assert (row["fulfilment"], row["fulfilment_label"]) == ("delivered", "Delivered")
    assert delivered.notes_written == 0  # the same three shipments: no new note
    assert [r["delivery_date"] for r in query(
        "SELECT delivery_date::text FROM invoice_shipments WHERE qbo_invoice_id = '142'")] == [
        "2026-03-05"] * 3  # fmt: skip

    notes = deal_notes(pd, DEAL)
    assert len(notes) == 3
    for number, note in zip(tracking, notes, strict=True):
        assert number in note and "href=" in note
    assert _deal_status(pd, DEAL) == "Delivered"

    audit = query("SELECT stream, action, changed FROM sync_audit ORDER BY id")
    assert [(a["stream"], a["action"]) for a in audit].count(("deal_notes", "create")) == 3
    assert [a["changed"]["fulfilment"]["after"] for a in audit if a["stream"] == "fulfilment"] == [
        "1/3 Shipped", "2/3 Shipped", "Shipped", "Delivered"]  # fmt: skip
    assert [a["changed"]["Shipping status"]["after"] for a in audit
            if a["stream"] == "deal_status"] == [
        "Awaiting Shipment", "1/3 Shipped", "2/3 Shipped", "Shipped", "Delivered"]  # fmt: skip

    again = read_back()  # delivered: nothing left to read, nothing said twice
    assert (again.orders_read, again.notes_written, again.shipstation_requests) == (0, 0, 0)
    assert len(deal_notes(pd, DEAL)) == 3


def _deal_status(pd: PipedriveSandbox, deal_id: int) -> object:
    client = PipedriveClient.for_tenant(TENANT)
    try:
        [found] = [f for f in client.fields("deal") if f.get("field_name") == "Shipping status"]
        deal = client.http.request("GET", f"/api/v2/deals/{deal_id}")["data"]
        return deal["custom_fields"].get(found["field_code"])
    finally:
        client.close()
