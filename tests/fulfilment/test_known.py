"""What the read-back knows of an invoice, and how listings merge into it (no I/O): split
children join through ``parentId``, merged-away orders leave, voided labels are forgotten, other
tenants' orders are ignored, and what is saved on the row reads back the same."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.fulfilment.known import Known, merge
from ledgerlink.fulfilment.state import State, fulfilment
from ledgerlink.shipstation.models import Order, OrderItem, Shipment, ShipmentItem

STAMP = datetime(2026, 3, 2, 10, 0)


def order(ident: int, number: str, units: int = 3, **extra: Any) -> Order:
    fields: dict[str, Any] = {
        "order_id": ident,
        "order_number": number,
        "order_key": f"key-{number}",
        "status": "awaiting_shipment",
        "items": (OrderItem("1", "WID", "Widget", units, Decimal(5), False),),
        "parent_id": None,
        "merged_or_split": False,
        "order_total": None,
        "raw": {},
        "created_at": STAMP,
        "modified_at": STAMP,
    }
    return Order(**(fields | extra))


def label(ident: int, order_id: int, units: int, *, voided: bool = False) -> Shipment:
    return Shipment(
        kind="label",
        shipment_id=ident,
        order_id=order_id,
        order_number=None,
        tracking_number=f"1Z{ident}",
        carrier_code="ups",
        service_code="ups_ground",
        ship_date=date(2026, 3, 2),
        delivery_date=None,
        voided=voided,
        created_at=STAMP,
        items=(ShipmentItem("1", "WID", "Widget", units),),
    )


def test_listings_merge_into_what_each_invoice_knows() -> None:
    rows = {"11": "QB-acme-11", "12": "QB-acme-12"}
    known: dict[str, Known] = {}
    parent = order(100, "QB-acme-11", units=1, merged_or_split=True)
    child = order(101, "QB-acme-11-1", units=2, parent_id=100, merged_or_split=True)
    grandchild = order(102, "QB-acme-11-1-1", units=1, parent_id=101)
    others = [order(200, "QB-other-11"), order(201, "WEB-1")]
    changed = merge(rows, known, [grandchild, child, parent, order(120, "QB-acme-12"), *others])
    assert changed == {"11", "12"} and set(known) == {"11", "12"}
    assert [o.order_id for o in known["11"].family] == [100, 101, 102]

    changed = merge(rows, known, shipments=[label(1, 101, 2), label(2, 120, 1), label(3, 999, 1)])
    assert changed == {"11", "12"}
    found = fulfilment(known["11"].family, known["11"].shipments.values(), 3)
    assert (found.state, found.label) == (State.PARTIAL, "2/3 Shipped")

    # Listed again unchanged: no news. Voided: forgotten. Merged away: gone from the family.
    assert merge(rows, known, [child], [label(1, 101, 2)]) == set()
    assert merge(rows, known, shipments=[label(2, 120, 1, voided=True)]) == {"12"}
    assert known["12"].shipments == {}
    survivor = order(300, "QB-acme-30", merged_ids=(102,))
    assert merge(rows, known, [survivor]) == {"11"}
    assert [o.order_id for o in known["11"].family] == [100, 101]

    # Saved on the row and read back: the same state.
    again = Known.from_json(known["11"].to_json())
    assert again.to_json() == known["11"].to_json()
    assert fulfilment(again.family, again.shipments.values(), 3) == found
