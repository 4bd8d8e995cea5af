"""What counts as shipped: voided labels never do, split orders are followed through their
parent, marked-as-shipped orders cover their order, and V1 labels without a delivery date leave
an order Shipped (the sandbox's default, as documented) and are read for --watch-days only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from ledgerlink import db
from ledgerlink.fulfilment.readback import Summary
from ledgerlink_sandbox.shipstation.service import ShipStationService
from tests.fulfilment.conftest import (
    create_order,
    deal_notes,
    link_deal,
    map_invoice,
    mapping,
    ship,
    stats,
)
from tests.tap_pipedrive.conftest import PipedriveSandbox

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
DEAL = 4


def test_voided_labels_are_ignored_and_never_noted(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    api.patch("/_sandbox/settings", json={"label_marks_order_shipped": "all_items"})
    order_id = create_order(api, "QB-acme-2001")
    map_invoice("201", "QB-acme-2001", order_id)
    link_deal(DEAL)
    wrong = ship(api, order_id, 2, carrierCode="ups")
    api.post(f"/_sandbox/shipments/{wrong['shipmentId']}/void").raise_for_status()
    right = ship(api, order_id, 1, carrierCode="ups")

    read_back()
    row = mapping("201")
    assert (row["fulfilment_label"], row["items_shipped"]) == ("1/3 Shipped", 1)
    assert [s["tracking_number"] for s in row["shipments"]] == [right["trackingNumber"]]
    [note] = deal_notes(pd, DEAL)
    assert right["trackingNumber"] in note and wrong["trackingNumber"] not in note

    # A label voided after it was read drops out of the count (its note stays, said once).
    api.post(f"/_sandbox/shipments/{right['shipmentId']}/void").raise_for_status()
    assert read_back().states_changed == 1
    assert (mapping("201")["fulfilment_label"], mapping("201")["shipments"]) == (
        "Awaiting Shipment", [])  # fmt: skip
    assert len(deal_notes(pd, DEAL)) == 1


def test_split_orders_are_followed_through_their_parent(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    order_id = create_order(api, "QB-acme-3001", quantity=5)
    map_invoice("301", "QB-acme-3001", order_id, ordered=5)
    parts = {"parts": [{"items": [{"sku": "WID", "quantity": 2}]}]}
    [child] = api.post(f"/_sandbox/orders/{order_id}/split", json=parts).json()["children"]
    label = ship(api, child["orderId"], 2, carrierCode="fedex")

    summary = read_back()
    row = mapping("301")
    assert (row["fulfilment_label"], row["items_shipped"]) == ("2/5 Shipped", 2)
    [shipment] = row["shipments"]
    assert (shipment["order_number"], shipment["tracking_number"]) == (
        "QB-acme-3001-1", label["trackingNumber"])  # fmt: skip
    # The tenant's orders by number prefix, labels and fulfillments: account-wide listings.
    assert summary.shipstation_requests == 3
    assert summary.pipedrive_requests == 0  # no deal linked: Pipedrive is never asked


def test_marked_shipped_and_delivered_fulfillment(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    order_id = create_order(api, "QB-acme-4001")
    map_invoice("401", "QB-acme-4001", order_id)
    link_deal(DEAL)
    api.post("/orders/markasshipped", json={"orderId": order_id, "carrierCode": "UPS",
             "trackingNumber": "1Z999AA10123456784"}).raise_for_status()  # fmt: skip
    read_back()
    assert mapping("401")["fulfilment_label"] == "Shipped"
    [fulfillment] = api.get("/fulfillments", params={"orderId": order_id}).json()["fulfillments"]
    api.post(f"/_sandbox/fulfillments/{fulfillment['fulfillmentId']}/deliver").raise_for_status()
    read_back()
    row = mapping("401")
    assert (row["fulfilment_label"], row["shipments"][0]["delivery_date"]) == (
        "Delivered", "2026-03-02")  # fmt: skip
    [note] = deal_notes(pd, DEAL)
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in note


def test_labels_without_delivery_dates_stay_shipped(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    order_id = create_order(api, "QB-acme-5001", quantity=1)
    map_invoice("501", "QB-acme-5001", order_id, ordered=1)
    label = ship(api, order_id, 1)
    api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver").raise_for_status()
    read_back()  # V1 labels say nothing of the delivery (label_delivery_date: hidden)
    assert mapping("501")["fulfilment_label"] == "Shipped"
    with db.connection() as conn:  # shipped 31 days ago, no news since: no longer read
        conn.execute("UPDATE invoice_order_map SET updated_at = now() - interval '31 days'")
    assert read_back().orders_read == 0
    with db.connection() as conn:
        conn.execute("UPDATE invoice_order_map SET updated_at = now() - interval '29 days'")
    api.patch("/_sandbox/settings", json={"label_delivery_date": "listed"})
    read_back()  # shipped orders are read again until delivered
    assert mapping("501")["fulfilment_label"] == "Delivered"


@pytest.mark.parametrize("variant", ["hidden", "listed"])
def test_deliveries_after_the_overlap_are_found_by_ship_date(
    read_back: Callable[[], Summary],
    api: httpx.Client,
    service: ShipStationService,
    variant: str,
) -> None:
    """A delivery changes no stamp a "since" filter sees: Shipped invoices are re-listed by ship
    date, fulfillments always (V1 documents their deliveryDate), labels only on an account whose
    labels list one (learnt from the labels seen; V1 documents none)."""
    api.patch("/_sandbox/settings", json={"label_delivery_date": variant})
    labelled = create_order(api, "QB-acme-6001", quantity=1)
    map_invoice("601", "QB-acme-6001", labelled, ordered=1)
    marked = create_order(api, "QB-acme-6002", quantity=1)
    map_invoice("602", "QB-acme-6002", marked, ordered=1)
    label = ship(api, labelled, 1, carrierCode="ups")
    api.post("/orders/markasshipped", json={"orderId": marked, "carrierCode": "USPS"})
    service.clock.advance(5 * 3600)  # the next run lists changes from here (minus 2 h)
    read_back()
    assert [mapping(i)["fulfilment_label"] for i in ("601", "602")] == ["Shipped", "Shipped"]

    [fulfillment] = api.get("/fulfillments", params={"orderId": marked}).json()["fulfillments"]
    api.post(f"/_sandbox/fulfillments/{fulfillment['fulfillmentId']}/deliver").raise_for_status()
    api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver").raise_for_status()
    api.post("/_sandbox/reset", json={}).raise_for_status()
    summary = read_back()
    listed = variant == "listed"
    assert mapping("602")["fulfilment_label"] == "Delivered"
    assert mapping("601")["fulfilment_label"] == ("Delivered" if listed else "Shipped")
    # Changes: orders, labels created and voided, fulfillments; deliveries: fulfillments by
    # ship date, and labels by ship date only where labels list a delivery date.
    assert summary.shipstation_requests == (6 if listed else 5)
    assert stats(api)["GET /shipments"] == (3 if listed else 2)
