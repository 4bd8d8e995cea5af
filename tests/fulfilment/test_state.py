"""Fulfilment read-back: the per-invoice state from orders, labels and fulfillments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.fulfilment.state import State, fulfilment, new_shipments, tracking_url
from ledgerlink.shipstation.models import Order, OrderItem, Shipment, ShipmentItem


def order(order_id: int, number: str, *qty: int, status: str = "awaiting_shipment",
          parent: int | None = None) -> Order:  # fmt: skip
    items = tuple(
        OrderItem(str(n), f"SKU{n}", f"Item {n}", q, Decimal(1), False)
        for n, q in enumerate(qty, start=1)
    )
    adjustment = OrderItem(None, None, "Discount", 1, Decimal(-1), True)
    return Order(order_id, number, "k", status, (*items, adjustment), parent, parent is not None,
                 None, raw={})  # fmt: skip


def label(ident: int, order_id: int, *qty: tuple[str, int], voided: bool = False,
          carrier: str = "ups", delivered: date | None = None) -> Shipment:  # fmt: skip
    return Shipment("label", ident, order_id, None, f"1Z{ident}", carrier, "ups_ground",
                    date(2026, 3, ident % 28 + 1), delivered, voided, None,
                    tuple(ShipmentItem(k, f"SKU{k}", None, q) for k, q in qty))  # fmt: skip


def fulfillment(ident: int, order_id: int, **kw: Any) -> Shipment:
    return Shipment(
        "fulfillment",
        ident,
        order_id,
        None,
        kw.get("tracking", "9400X"),
        "USPS",
        None,
        date(2026, 3, 5),
        kw.get("delivered"),
        kw.get("voided", False),
        None,
    )


def test_states_as_sales_reps_see_them() -> None:
    parent = order(1, "QB-acme-1", 3, 2)
    assert fulfilment([], []).label == "No Order"
    assert fulfilment([parent], []).label == "Awaiting Shipment"
    one = label(11, 1, ("1", 1))
    assert (fulfilment([parent], [one]).label, fulfilment([parent], [one]).state) == (
        "1/5 Shipped", State.PARTIAL)  # fmt: skip
    voided = label(12, 1, ("1", 2), ("2", 2), voided=True)
    assert fulfilment([parent], [one, voided]).label == "1/5 Shipped"  # voided labels ignored
    rest = label(13, 1, ("1", 2), ("2", 2))
    done = fulfilment([parent], [one, voided, rest])
    assert (done.label, done.shipped, done.ordered) == ("Shipped", 5, 5)
    assert [s.tracking_number for s in done.shipments] == ["1Z11", "1Z13"]
    delivered = [label(11, 1, ("1", 1), delivered=date(2026, 3, 9)),
                 label(13, 1, ("1", 2), ("2", 2), delivered=date(2026, 3, 10))]  # fmt: skip
    assert fulfilment([parent], delivered).label == "Delivered"
    cancelled = order(1, "QB-acme-1", 3, status="cancelled")
    assert fulfilment([cancelled], []).label == "Cancelled"


def test_split_orders_count_through_the_family() -> None:
    # 5 ordered; split into the parent (3 of item 1) and a child (2 of item 2).
    parent, child = order(1, "QB-acme-2", 3), order(2, "QB-acme-2-1", 2, parent=1)
    state = fulfilment([parent, child], [label(21, 2, ("2", 2))], ordered=5)
    assert state.label == "2/5 Shipped"
    # The child marked shipped elsewhere: a fulfillment covers its whole order.
    state = fulfilment([parent, child], [label(22, 1, ("1", 1)), fulfillment(23, 2)], ordered=5)
    assert state.label == "3/5 Shipped"
    assert [(s.kind, s.carrier, str(s.ship_date)) for s in state.shipments] == [
        ("fulfillment", "USPS", "2026-03-05"),
        ("label", "ups", "2026-03-23"),
    ]  # by ship date
    # Shipments of orders outside the family do not count.
    assert fulfilment([parent], [label(24, 9, ("1", 3))]).label == "Awaiting Shipment"
    # A shipped order with no label or fulfillment visible (shipped through another channel).
    assert fulfilment([order(3, "QB-acme-3", 4, status="shipped")], []).label == "Shipped"


def test_shipment_details_and_notes_once() -> None:
    state = fulfilment([order(1, "QB-acme-4", 2)], [label(31, 1, ("1", 2), carrier="fedex")])
    assert state.shipments_json() == [{
        "key": "label-31", "kind": "label", "order_number": None, "tracking_number": "1Z31",
        "carrier": "fedex", "service": "ups_ground", "ship_date": "2026-03-04",
        "delivery_date": None, "tracking_url": "https://www.fedex.com/fedextrack/?trknbr=1Z31",
        "items": [{"sku": "SKU1", "name": None, "quantity": 2}],
    }]  # fmt: skip
    assert new_shipments(state, ["label-31"]) == []
    assert [s.key for s in new_shipments(state, [])] == ["label-31"]


def test_tracking_urls() -> None:
    assert tracking_url("stamps_com", "9400 11") == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400%2011"
    )
    assert tracking_url("UPS", "1Z9") == "https://www.ups.com/track?tracknum=1Z9"
    assert tracking_url("FedEx", "77") == "https://www.fedex.com/fedextrack/?trknbr=77"
    assert tracking_url("dhl_express_worldwide", "5") is not None
    assert tracking_url("some_local_courier", "5") is None
    assert tracking_url("ups", None) is None


@given(
    quantities=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4),
    shipped=st.lists(st.tuples(st.integers(min_value=0, max_value=3),
                               st.integers(min_value=1, max_value=9), st.booleans()),
                     max_size=6),
)  # fmt: skip
def test_fulfilment_properties(quantities: list[int], shipped: list[tuple[int, int, bool]]) -> None:
    parent = order(1, "QB-acme-5", *quantities)
    labels = [label(40 + n, 1, (str(line % len(quantities) + 1), qty), voided=voided)
              for n, (line, qty, voided) in enumerate(shipped)]  # fmt: skip
    state = fulfilment([parent], labels)
    live = sum(qty for _, qty, voided in shipped if not voided)
    assert state.ordered == sum(quantities)
    assert state.shipped == min(live, state.ordered)
    assert len(state.shipments) == sum(1 for *_, voided in shipped if not voided)
    expected = State.PARTIAL
    if state.shipped == 0 and not state.shipments:
        expected = State.AWAITING
    elif state.shipped >= state.ordered:
        expected = State.SHIPPED
    assert state.state is expected
    # One more live label never moves the state backwards.
    more = fulfilment([parent], [*labels, label(99, 1, ("1", 1))])
    order_of = [State.AWAITING, State.PARTIAL, State.SHIPPED, State.DELIVERED]
    assert order_of.index(more.state) >= order_of.index(state.state)
