"""What the read-back knows of each invoice's orders, and how account-wide news merges into it.

``Known`` holds an invoice's family (the order numbered as mapped and the orders split from it)
and its live shipments (labels and fulfillments), as last listed. It is saved on the mapping row
(``invoice_order_map.readback``) so a run only has to list what changed since the last one:

- a listed order joins the invoice whose number it carries, or whose family holds its
  ``parentId`` (split children ``N-1``, ``N-2``, children of children); it replaces what was
  known of it. Orders a listed survivor names in ``mergedIds`` have left the API: dropped.
- a listed label or fulfillment joins the invoice whose family holds its ``orderId``: a voided
  one is forgotten, any other replaces what was known under its key.

Everything here is pure (no I/O); ``merge`` says which invoices changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.shipstation.models import Order, OrderItem, Shipment, ShipmentItem

JSON = dict[str, Any]


@dataclass
class Known:
    orders: dict[int, Order] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)

    @property
    def family(self) -> list[Order]:
        return sorted(self.orders.values(), key=lambda o: o.order_id)

    def to_json(self) -> JSON:
        return {
            "orders": [_order_json(o) for o in self.family],
            "shipments": [_shipment_json(s) for _, s in sorted(self.shipments.items())],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Known:
        if not data:
            return cls()
        orders = [_order(o) for o in data.get("orders") or []]
        shipments = [_shipment(s) for s in data.get("shipments") or []]
        return cls({o.order_id: o for o in orders}, {key_of(s): s for s in shipments})


def key_of(shipment: Shipment) -> str:
    """The shipment's key, as on the mapping's ``shipments`` and in the deal's notes."""
    return f"{shipment.kind}-{shipment.shipment_id}"


def merge(
    rows: Mapping[str, str],
    known: dict[str, Known],
    orders: Iterable[Order] = (),
    shipments: Iterable[Shipment] = (),
) -> set[str]:
    """Folds listed orders and shipments into ``known`` (invoice id → Known, filled in for
    invoices first seen). ``rows`` maps each invoice id read to its order number. Returns the
    invoice ids whose knowledge changed."""
    by_number: dict[str, str] = {number: invoice for invoice, number in rows.items()}
    by_id: dict[int, str] = {
        order_id: invoice for invoice, k in known.items() for order_id in k.orders
    }
    changed: set[str] = set()
    # Parents before children: a child's id is larger than its parent's.
    for order in sorted(orders, key=lambda o: o.order_id):
        for gone in order.merged_ids:
            owner = by_id.pop(gone, None)
            if owner is not None and known[owner].orders.pop(gone, None) is not None:
                changed.add(owner)
        invoice = by_number.get(order.order_number) or (
            by_id.get(order.parent_id) if order.parent_id is not None else None
        )
        if invoice is None:
            continue  # another tenant's, a delivered invoice's, or not ours at all
        family = known.setdefault(invoice, Known())
        before = family.orders.get(order.order_id)
        if before is None or _order_json(before) != _order_json(order):
            family.orders[order.order_id] = order
            changed.add(invoice)
        by_id[order.order_id] = invoice
    for shipment in shipments:
        invoice = by_id.get(shipment.order_id)
        if invoice is None:
            continue
        family = known[invoice]
        key = key_of(shipment)
        if shipment.voided:
            if family.shipments.pop(key, None) is not None:
                changed.add(invoice)
        elif (was := family.shipments.get(key)) is None or _shipment_json(was) != _shipment_json(
            shipment
        ):
            family.shipments[key] = shipment
            changed.add(invoice)
    return changed


# --- JSON (our own shape, whatever API version listed it) ------------------------------------
def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _order_json(order: Order) -> JSON:
    return {
        "id": order.order_id,
        "number": order.order_number,
        "key": order.order_key,
        "status": order.status,
        "parent": order.parent_id,
        "split": order.merged_or_split,
        # Units are all the state needs of the items (adjustments never ship).
        "units": order.quantity,
        "created": _iso(order.created_at),
        "modified": _iso(order.modified_at),
    }


def _order(data: Mapping[str, Any]) -> Order:
    units = int(data.get("units") or 0)
    return Order(
        order_id=int(data["id"]),
        order_number=str(data["number"]),
        order_key=data.get("key"),
        status=str(data.get("status") or ""),
        items=(OrderItem(None, None, None, units, Decimal(0), False),) if units else (),
        parent_id=data.get("parent"),
        merged_or_split=bool(data.get("split")),
        order_total=None,
        raw={},
        created_at=_datetime(data.get("created")),
        modified_at=_datetime(data.get("modified")),
    )


def _shipment_json(shipment: Shipment) -> JSON:
    return {
        "kind": shipment.kind,
        "id": shipment.shipment_id,
        "order_id": shipment.order_id,
        "order_number": shipment.order_number,
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier_code,
        "service": shipment.service_code,
        "ship_date": _iso(shipment.ship_date),
        "delivery_date": _iso(shipment.delivery_date),
        "created": _iso(shipment.created_at),
        "items": [
            {"key": i.line_item_key, "sku": i.sku, "name": i.name, "quantity": i.quantity}
            for i in shipment.items
        ],
        "delivery_listed": shipment.delivery_listed,
    }


def _shipment(data: Mapping[str, Any]) -> Shipment:
    return Shipment(
        kind="fulfillment" if data.get("kind") == "fulfillment" else "label",
        shipment_id=int(data["id"]),
        order_id=int(data["order_id"]),
        order_number=data.get("order_number"),
        tracking_number=data.get("tracking_number"),
        carrier_code=data.get("carrier"),
        service_code=data.get("service"),
        ship_date=_date(data.get("ship_date")),
        delivery_date=_date(data.get("delivery_date")),
        voided=False,
        created_at=_datetime(data.get("created")),
        items=tuple(
            ShipmentItem(i.get("key"), i.get("sku"), i.get("name"), int(i.get("quantity") or 0))
            for i in data.get("items") or []
        ),
        delivery_listed=bool(data.get("delivery_listed")),
    )
