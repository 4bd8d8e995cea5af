"""A createorder body → the stored Order, with every documented key present (reference §2.1).

Full replacement: whatever the body leaves out is blanked (``null``, ``false`` or the empty
nested shape the real API returns), except what ShipStation owns: ``orderId``, ``createDate``,
``advancedOptions.storeId`` (creation only), the split/merge markers, ``customerId``,
``holdUntilDate``, ``userId`` and the ids of items whose ``lineItemKey`` repeats. Read-only keys
sent by the client (``orderTotal``, ``mergedOrSplit``, ...) are ignored. Key order follows
``shipstation-samples/v1_createorder_response.full-nulls.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledgerlink_sandbox.shipstation import timefmt
from ledgerlink_sandbox.shipstation.settings import ShipStationSettings

JSON = dict[str, Any]

WRITABLE_STATUSES = (
    "awaiting_payment",
    "awaiting_shipment",
    "pending_fulfillment",
    "shipped",
    "on_hold",
    "cancelled",
)
ALL_STATUSES = (*WRITABLE_STATUSES, "rejected_fulfillment")
# "cancelled and shipped are locked from modification through the API".
LOCKED_STATUSES = frozenset({"shipped", "cancelled"})
OPEN_STATUSES = frozenset(
    {"awaiting_payment", "awaiting_shipment", "on_hold", "pending_fulfillment"}
)
REQUIRED = ("orderNumber", "orderDate", "orderStatus", "billTo", "shipTo")
_DATE_FIELDS = ("orderDate", "paymentDate", "shipByDate", "shipDate")
_MONEY_FIELDS = ("amountPaid", "taxAmount", "shippingAmount")
ADDRESS_KEYS = (
    "name",
    "company",
    "street1",
    "street2",
    "street3",
    "city",
    "state",
    "postalCode",
    "country",
    "phone",
    "residential",
    "addressVerified",
)
_ITEM_HEAD = ("lineItemKey", "sku", "name", "imageUrl")
_NOTES = ("customerNotes", "internalNotes")
_SHIPPING_TEXT = (
    "giftMessage",
    "paymentMethod",
    "requestedShippingService",
    "carrierCode",
    "serviceCode",
    "packageCode",
    "confirmation",
)


@dataclass
class BuildContext:
    now: datetime  # naive Pacific
    settings: ShipStationSettings
    next_item_id: Callable[[], int]
    next_customs_id: Callable[[], int]
    default_warehouse_id: int
    known_tags: frozenset[int]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate(raw: JSON, prefix: str, settings: ShipStationSettings) -> dict[str, list[str]]:
    """ModelState errors for ``raw`` (empty dict when valid). Texts are approximations."""
    errors: dict[str, list[str]] = {}

    def add(field: str, text: str) -> None:
        errors.setdefault(f"{prefix}.{field}", []).append(text)

    for field in REQUIRED:
        if raw.get(field) in (None, ""):
            add(field, settings.required_field_message.format(field=field))
    for field in _DATE_FIELDS:
        value = raw.get(field)
        if value is not None and (not isinstance(value, str) or timefmt.parse(value) is None):
            add(field, f"Could not convert string to DateTime: {value}. Path '{field}'.")
    status = raw.get("orderStatus")
    if status not in (None, "") and status not in WRITABLE_STATUSES:
        add("orderStatus", f"'{status}' is not a valid orderStatus.")
    for field in _MONEY_FIELDS:
        value = raw.get(field)
        if value is not None and not _is_number(value):
            add(field, f"Could not convert string to decimal: {value}. Path '{field}'.")
    for field in ("billTo", "shipTo"):
        if raw.get(field) is not None and not isinstance(raw[field], dict):
            add(field, f"Error converting value to type 'Address'. Path '{field}'.")
    items = raw.get("items")
    if items is not None and not isinstance(items, list):
        add("items", "Error converting value to type 'List`1[OrderItem]'. Path 'items'.")
    for index, item in enumerate(items if isinstance(items, list) else []):
        path = f"items[{index}]"
        if not isinstance(item, dict):
            add(path, f"Error converting value to type 'OrderItem'. Path '{path}'.")
            continue
        quantity = item.get("quantity")
        if quantity is not None and (not isinstance(quantity, int) or isinstance(quantity, bool)):
            add(f"{path}.quantity", f"Could not convert to integer: {quantity}. Path '{path}'.")
        price = item.get("unitPrice")
        if price is not None and not _is_number(price):
            add(f"{path}.unitPrice", f"Could not convert string to decimal: {price}.")
    return errors


def order_total(items: list[JSON], tax: Any, shipping: Any) -> float:
    """sum(quantity * unitPrice) + order tax + order shipping (item tax/shipping not added)."""

    def dec(value: Any) -> Decimal:
        return Decimal(str(value)) if _is_number(value) else Decimal(0)

    total = sum((dec(i["quantity"]) * dec(i["unitPrice"]) for i in items), Decimal(0))
    return float(round(total + dec(tax) + dec(shipping), 2))


def address(raw: Any, verified: str | None) -> JSON:
    src = raw if isinstance(raw, dict) else {}
    out: JSON = {key: src.get(key) for key in ADDRESS_KEYS}
    out["addressVerified"] = verified  # read-only: ShipStation's validator decides
    return out


def _weight(raw: Any) -> JSON | None:
    if not isinstance(raw, dict):
        return None
    return {"value": raw.get("value", 0), "units": raw.get("units")}


def _dimensions(raw: Any) -> JSON | None:
    if not isinstance(raw, dict):
        return None
    return {key: raw.get(key) for key in ("units", "length", "width", "height")}


def _insurance(raw: Any) -> JSON:
    src = raw if isinstance(raw, dict) else {}
    return {
        "provider": src.get("provider"),
        "insureShipment": bool(src.get("insureShipment", False)),
        "insuredValue": src.get("insuredValue") or 0,
    }


def _international(raw: Any, ctx: BuildContext) -> JSON:
    # The docs example sends "internationalOptions": [] and gets the all-null object back.
    src = raw if isinstance(raw, dict) else {}
    customs = src.get("customsItems")
    items = None
    if isinstance(customs, list):
        items = [
            {
                "customsItemId": ctx.next_customs_id(),
                "description": c.get("description"),
                "quantity": c.get("quantity"),
                "value": c.get("value"),
                "harmonizedTariffCode": c.get("harmonizedTariffCode"),
                "countryOfOrigin": c.get("countryOfOrigin"),
            }
            for c in customs
            if isinstance(c, dict)
        ]
    return {
        "contents": src.get("contents"),
        "customsItems": items,
        "nonDelivery": src.get("nonDelivery"),
    }


def advanced(raw: Any, store_id: int, warehouse_default: int, keep: JSON | None) -> JSON:
    src = raw if isinstance(raw, dict) else {}
    kept = keep or {}
    warehouse = src.get("warehouseId")
    return {
        "warehouseId": warehouse if isinstance(warehouse, int) else warehouse_default,
        "nonMachinable": bool(src.get("nonMachinable", False)),
        "saturdayDelivery": bool(src.get("saturdayDelivery", False)),
        "containsAlcohol": bool(src.get("containsAlcohol", False)),
        # Read-only markers: owned by split/merge, never by the request.
        "mergedOrSplit": bool(kept.get("mergedOrSplit", False)),
        "mergedIds": list(kept.get("mergedIds") or []),
        "parentId": kept.get("parentId"),
        "storeId": store_id,
        **{
            key: src.get(key)
            for key in (
                "customField1",
                "customField2",
                "customField3",
                "source",
                "billToParty",
                "billToAccount",
                "billToPostalCode",
                "billToCountryCode",
            )
        },
    }


def build_items(raw: Any, existing: list[JSON], ctx: BuildContext) -> list[JSON]:
    previous = {i["lineItemKey"]: i for i in existing if i.get("lineItemKey") is not None}
    stamp = timefmt.item_time(ctx.now)
    items: list[JSON] = []
    for src in raw if isinstance(raw, list) else []:
        old = previous.pop(src.get("lineItemKey"), None) if src.get("lineItemKey") else None
        options = src.get("options")
        item: JSON = {"orderItemId": old["orderItemId"] if old else ctx.next_item_id()}
        item.update({key: src.get(key) for key in _ITEM_HEAD})
        item["weight"] = _weight(src.get("weight"))
        # Non-nullable .NET numbers: a missing value binds as 0.
        item["quantity"] = src.get("quantity") if src.get("quantity") is not None else 0
        item["unitPrice"] = src.get("unitPrice") if src.get("unitPrice") is not None else 0
        item["taxAmount"] = src.get("taxAmount")
        item["shippingAmount"] = src.get("shippingAmount")
        item["warehouseLocation"] = src.get("warehouseLocation")
        item["options"] = options if isinstance(options, list) else []
        # productId refers to ShipStation's product catalogue; the docs example sends one and
        # gets null back, so a client-sent value is not trusted.
        item["productId"] = old.get("productId") if old else None
        item["fulfillmentSku"] = src.get("fulfillmentSku")
        item["adjustment"] = bool(src.get("adjustment", False))
        item["upc"] = src.get("upc")
        item["createDate"] = old["createDate"] if old else stamp
        item["modifyDate"] = stamp
        items.append(item)
    return items


def build_order(
    raw: JSON,
    existing: JSON | None,
    ctx: BuildContext,
    order_id: int,
    order_key: str,
    store_id: int,
) -> JSON:
    """The stored order for ``raw``; ``existing`` is the order being replaced, if any."""
    old = existing or {}
    now = timefmt.order_time(ctx.now)
    items = build_items(raw.get("items"), old.get("items") or [], ctx)
    tags = raw.get("tagIds")
    # Unknown tag ids are dropped (the docs example sends [53974] and reads back null).
    known = [t for t in tags if t in ctx.known_tags] if isinstance(tags, list) else []
    order: JSON = {
        "orderId": order_id,
        "orderNumber": raw.get("orderNumber"),
        "orderKey": order_key,
        "orderDate": _stamp(raw.get("orderDate")),
        "createDate": old.get("createDate", now),
        "modifyDate": now,
        "paymentDate": _stamp(raw.get("paymentDate")),
        "shipByDate": _stamp(raw.get("shipByDate")),
        "orderStatus": raw.get("orderStatus"),
        "customerId": old.get("customerId"),
        "customerUsername": raw.get("customerUsername"),
        "customerEmail": raw.get("customerEmail"),
        "billTo": address(raw.get("billTo"), None),
        "shipTo": address(raw.get("shipTo"), ctx.settings.ship_to_address_verified),
        "items": items,
        "orderTotal": order_total(items, raw.get("taxAmount"), raw.get("shippingAmount")),
    }
    order.update({key: raw.get(key) for key in _MONEY_FIELDS})
    order.update({key: raw.get(key) for key in _NOTES})
    order["gift"] = bool(raw.get("gift", False))
    order.update({key: raw.get(key) for key in _SHIPPING_TEXT})
    order.update(
        {
            "shipDate": _day(raw.get("shipDate")),
            "holdUntilDate": old.get("holdUntilDate"),
            "weight": _weight(raw.get("weight")),
            "dimensions": _dimensions(raw.get("dimensions")),
            "insuranceOptions": _insurance(raw.get("insuranceOptions")),
            "internationalOptions": _international(raw.get("internationalOptions"), ctx),
            "advancedOptions": advanced(
                raw.get("advancedOptions"),
                store_id,
                ctx.default_warehouse_id,
                old.get("advancedOptions"),
            ),
            "tagIds": known or None,
            "userId": old.get("userId"),
            "externallyFulfilled": bool(old.get("externallyFulfilled", False)),
            "externallyFulfilledBy": old.get("externallyFulfilledBy"),
        }
    )
    return order


def _stamp(value: Any) -> str | None:
    parsed = timefmt.parse(value) if isinstance(value, str) else None
    return timefmt.order_time(parsed) if parsed else None


def _day(value: Any) -> str | None:
    parsed = timefmt.parse(value) if isinstance(value, str) else None
    return timefmt.date_only(parsed) if parsed else None
