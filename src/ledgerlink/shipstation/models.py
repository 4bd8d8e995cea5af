"""What a ShipStation client hands back, independent of the API version.

V1 returns orders, label shipments and fulfillments; V2 calls them shipments, labels and
(tracked) labels. These small frozen types are what the target works with, so a V2 adapter only
has to fill them. ``Order.raw`` keeps the provider's full object because V1 replaces a whole order
on update (read, modify, write).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

JSON = dict[str, Any]
ShipmentKind = Literal["label", "fulfillment"]

# Open orders can be updated through the API; shipped and cancelled ones are locked.
OPEN_STATUSES = frozenset(
    {"awaiting_payment", "awaiting_shipment", "on_hold", "pending_fulfillment"}
)


@dataclass(frozen=True)
class OrderItem:
    line_item_key: str | None
    sku: str | None
    name: str | None
    quantity: int
    unit_price: Decimal
    adjustment: bool  # a non-physical line (discount, rounding): never shipped


@dataclass(frozen=True)
class Order:
    order_id: int
    order_number: str
    order_key: str | None
    status: str
    items: tuple[OrderItem, ...]
    parent_id: int | None  # set on the children of a split order
    merged_or_split: bool
    order_total: Decimal | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    # ShipStation's own stamps (Pacific wall time): the read-back's watermark comes from them.
    created_at: datetime | None = None
    modified_at: datetime | None = None
    merged_ids: tuple[int, ...] = ()  # orders folded into this one (gone from the API)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def quantity(self) -> int:
        """Units to ship: the order's physical items."""
        return sum(i.quantity for i in self.items if not i.adjustment)


@dataclass(frozen=True)
class ShipmentItem:
    line_item_key: str | None
    sku: str | None
    name: str | None
    quantity: int


@dataclass(frozen=True)
class Shipment:
    """A label made in ShipStation (``kind="label"``, with the items in the package) or an order
    marked as shipped outside it (``kind="fulfillment"``, no items)."""

    kind: ShipmentKind
    shipment_id: int
    order_id: int
    order_number: str | None
    tracking_number: str | None
    carrier_code: str | None
    service_code: str | None
    ship_date: date | None
    delivery_date: date | None
    voided: bool
    created_at: datetime | None
    items: tuple[ShipmentItem, ...] = ()
    voided_at: datetime | None = None
    # The listing showed a ``deliveryDate`` key (null or not): this account reports label
    # deliveries, so re-listing shipped labels can find them (V1 documents none on labels).
    delivery_listed: bool = False


@dataclass(frozen=True)
class OrderResult:
    """One order's outcome in a bulk create/update."""

    order_key: str
    order_number: str | None
    order_id: int | None
    success: bool
    error: str | None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _day(value: Any) -> date | None:
    """``2015-07-02`` or ``2016-06-07T00:00:00.0000000`` (Pacific wall time) → the date."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _stamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value[:19])  # 7 fractional digits are more than Python reads
    except ValueError:
        return None


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def order_from_v1(raw: Mapping[str, Any]) -> Order:
    advanced = raw.get("advancedOptions") or {}
    items = tuple(
        OrderItem(
            line_item_key=_text(i.get("lineItemKey")),
            sku=_text(i.get("sku")),
            name=_text(i.get("name")),
            quantity=_int(i.get("quantity")),
            unit_price=_decimal(i.get("unitPrice")) or Decimal(0),
            adjustment=bool(i.get("adjustment")),
        )
        for i in raw.get("items") or []
        if isinstance(i, Mapping)
    )
    parent = advanced.get("parentId")
    return Order(
        order_id=_int(raw.get("orderId")),
        order_number=str(raw.get("orderNumber") or ""),
        order_key=_text(raw.get("orderKey")),
        status=str(raw.get("orderStatus") or ""),
        items=items,
        parent_id=parent if isinstance(parent, int) and parent else None,
        merged_or_split=bool(advanced.get("mergedOrSplit")),
        order_total=_decimal(raw.get("orderTotal")),
        raw=dict(raw),
        created_at=_stamp(raw.get("createDate")),
        modified_at=_stamp(raw.get("modifyDate")),
        merged_ids=tuple(i for i in advanced.get("mergedIds") or () if isinstance(i, int) and i),
    )


def shipment_from_v1(raw: Mapping[str, Any]) -> Shipment:
    items = tuple(
        ShipmentItem(
            line_item_key=_text(i.get("lineItemKey")),
            sku=_text(i.get("sku")),
            name=_text(i.get("name")),
            quantity=_int(i.get("quantity")),
        )
        for i in raw.get("shipmentItems") or []
        if isinstance(i, Mapping) and not i.get("adjustment")
    )
    return Shipment(
        kind="label",
        shipment_id=_int(raw.get("shipmentId")),
        order_id=_int(raw.get("orderId")),
        order_number=_text(raw.get("orderNumber")),
        tracking_number=_text(raw.get("trackingNumber")),
        carrier_code=_text(raw.get("carrierCode")),
        service_code=_text(raw.get("serviceCode")),
        ship_date=_day(raw.get("shipDate")),
        delivery_date=_day(raw.get("deliveryDate")),  # not in V1 labels; kept if ever sent
        voided=bool(raw.get("voided")),
        created_at=_stamp(raw.get("createDate")),
        items=items,
        voided_at=_stamp(raw.get("voidDate")),
        delivery_listed="deliveryDate" in raw,
    )


def fulfillment_from_v1(raw: Mapping[str, Any]) -> Shipment:
    return Shipment(
        kind="fulfillment",
        shipment_id=_int(raw.get("fulfillmentId")),
        order_id=_int(raw.get("orderId")),
        order_number=_text(raw.get("orderNumber")),
        tracking_number=_text(raw.get("trackingNumber")),
        carrier_code=_text(raw.get("carrierCode")),  # free text: "USPS", "FedEx"
        service_code=_text(raw.get("fulfillmentServiceCode")),
        ship_date=_day(raw.get("shipDate")),
        delivery_date=_day(raw.get("deliveryDate")),
        voided=bool(raw.get("voided")),
        created_at=_stamp(raw.get("createDate")),
        voided_at=_stamp(raw.get("voidDate")),
    )


def result_from_v1(raw: Mapping[str, Any], sent_key: str) -> OrderResult:
    order_id = raw.get("orderId")
    return OrderResult(
        order_key=str(raw.get("orderKey") or sent_key),
        order_number=_text(raw.get("orderNumber")),
        order_id=order_id if isinstance(order_id, int) and order_id else None,
        success=bool(raw.get("success")),
        error=_text(raw.get("errorMessage")),
    )
