"""What happens to an order after creation: labels, voids, mark-as-shipped, split, merge.

V1 has no public endpoint to create a label with chosen item quantities or to split an order (both
are UI actions), so tests drive them through ``/_sandbox/...`` (``admin_routes``). The public
``markasshipped`` and ``voidlabel`` use the same functions. Reference §4:

- a label is a ``/shipments`` row whose ``shipmentItems`` carry the quantity *in that package*;
- a voided label stays listed with ``voided: true`` and ``voidDate``;
- mark-as-shipped creates a ``/fulfillments`` row (free-text carrier, no items), never a shipment;
- a split creates ``{orderNumber}-{n}`` orders with ``mergedOrSplit`` and ``parentId``;
- merged-away orders disappear from the API; the survivor lists them in ``mergedIds``.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from ledgerlink_sandbox.shipstation import errors, timefmt
from ledgerlink_sandbox.shipstation.orders import OPEN_STATUSES, order_total
from ledgerlink_sandbox.shipstation.store import JSON, Event, OrderRow, ShipmentRow, Store

# WeightUnits enum as seen in the agritheory fixture (ounces = 1); the other values are guesses.
WEIGHT_UNITS = {"pounds": 2, "ounces": 1, "grams": 3}


class AdminError(ValueError):
    """Invalid test-control request (answered 400 ``{"error": ...}``)."""


def _item(order: JSON, ref: JSON) -> JSON:
    for key in ("orderItemId", "lineItemKey", "sku"):
        if ref.get(key) is not None:
            for item in order["items"]:
                if item[key] == ref[key]:
                    found: JSON = item
                    return found
            raise AdminError(f"order {order['orderId']} has no item with {key}={ref[key]!r}")
    raise AdminError("each item needs orderItemId, lineItemKey or sku")


def shipped_quantities(store: Store, order_id: int) -> Counter[int]:
    """Quantities per orderItemId on the order's non-voided labels."""
    shipped: Counter[int] = Counter()
    for label in store.labels.values():
        if label.data["orderId"] == order_id and not label.data["voided"]:
            for item in label.data["shipmentItems"]:
                shipped[item["orderItemId"]] += item["quantity"]
    return shipped


def _pick(order: JSON, refs: Any, remaining: Counter[int]) -> list[tuple[JSON, int]]:
    if refs is None:  # everything not yet shipped
        picked = [(i, remaining[i["orderItemId"]]) for i in order["items"] if not i["adjustment"]]
        picked = [(i, q) for i, q in picked if q > 0]
        if not picked:
            raise AdminError(f"order {order['orderId']} has nothing left to ship")
        return picked
    if not isinstance(refs, list) or not refs:
        raise AdminError("items must be a non-empty list")
    picked = []
    for ref in refs:
        if not isinstance(ref, dict):
            raise AdminError("each item is an object")
        item = _item(order, ref)
        quantity = ref.get("quantity", remaining[item["orderItemId"]])
        if not isinstance(quantity, int) or quantity < 1:
            raise AdminError("quantity must be a positive integer")
        if quantity > remaining[item["orderItemId"]]:
            raise AdminError(
                f"item {item['orderItemId']}: {quantity} requested, "
                f"{remaining[item['orderItemId']]} left"
            )
        remaining[item["orderItemId"]] -= quantity
        picked.append((item, quantity))
    return picked


def tracking_number(store: Store, carrier: str) -> str:
    digits = "".join(str(store.rng.randrange(10)) for _ in range(16))
    if carrier.startswith("ups"):
        return "1Z" + digits.upper()
    if carrier.startswith("fedex"):
        return digits[:12]
    if carrier in ("stamps_com", "usps", "endicia", "globalpost"):
        return "9400111899" + digits[:12]
    return digits + "00"


def create_labels(
    store: Store, order_id: int, specs: Any, status: str | None = None
) -> tuple[list[JSON], JSON, list[Event]]:
    """One label per spec ``{items?, carrierCode?, serviceCode?, trackingNumber?, shipDate?,
    shipmentCost?, packageCode?, weight?}``; ``status`` overrides the order's resulting status."""
    if not isinstance(specs, list) or not specs:
        raise AdminError("shipments must be a non-empty list")
    with store.lock:
        row = store.require(order_id)
        order = row.data
        if order["orderStatus"] == "cancelled":
            raise AdminError("a cancelled order cannot get labels")
        remaining = Counter({i["orderItemId"]: i["quantity"] for i in order["items"]})
        remaining.subtract(shipped_quantities(store, order_id))
        plans = [(spec, _pick(order, spec.get("items"), remaining)) for spec in _objects(specs)]
        batch = store.new_batch()
        labels = [_label(store, row, spec, picked, batch) for spec, picked in plans]
        for label in labels:
            store.labels[label["shipmentId"]] = ShipmentRow(label, batch, _store_id(order))
        order["shipDate"] = labels[-1]["shipDate"]
        if status is not None:
            order["orderStatus"] = status
        elif store.settings.label_marks_order_shipped == "first_label" or not any(
            q > 0 for q in _unshipped(store, order).values()
        ):
            order["orderStatus"] = "shipped"
        store.touch(row)
        path = f"/shipments?storeID={_store_id(order)}&batchId={batch}"
        event = Event("SHIP_NOTIFY", _store_id(order), path)
        return copy.deepcopy(labels), copy.deepcopy(order), [event]


def _objects(specs: list[Any]) -> list[JSON]:
    if not all(isinstance(s, dict) for s in specs):
        raise AdminError("each shipment is an object")
    return specs


def _unshipped(store: Store, order: JSON) -> Counter[int]:
    left = Counter({i["orderItemId"]: i["quantity"] for i in order["items"] if not i["adjustment"]})
    left.subtract(shipped_quantities(store, order["orderId"]))
    return left


def _store_id(order: JSON) -> int:
    return int(order["advancedOptions"]["storeId"])


def _label(
    store: Store, row: OrderRow, spec: JSON, picked: list[tuple[JSON, int]], batch: str
) -> JSON:
    order = row.data
    now = store.now()
    carrier = str(spec.get("carrierCode") or order.get("carrierCode") or "stamps_com")
    weight = spec.get("weight") or order.get("weight") or {"value": 0, "units": "ounces"}
    ship_date = timefmt.parse(str(spec.get("shipDate") or "")) or now
    advanced = order["advancedOptions"]
    return {
        "shipmentId": store.next_id("shipment"),
        "orderId": order["orderId"],
        "orderKey": order["orderKey"],
        "userId": store.account.user_id,
        "customerEmail": order["customerEmail"],
        "orderNumber": order["orderNumber"],
        "createDate": timefmt.order_time(now),
        "shipDate": timefmt.date_only(ship_date),
        "shipmentCost": spec.get("shipmentCost", 7.5),
        "insuranceCost": 0,
        "trackingNumber": spec.get("trackingNumber") or tracking_number(store, carrier),
        "isReturnLabel": False,
        "batchNumber": batch,
        "carrierCode": carrier,
        "serviceCode": spec.get("serviceCode") or order.get("serviceCode"),
        "packageCode": spec.get("packageCode") or order.get("packageCode") or "package",
        "confirmation": order.get("confirmation") or "none",
        "warehouseId": advanced["warehouseId"],
        "voided": False,
        "voidDate": None,
        "marketplaceNotified": True,
        "notifyErrorMessage": None,
        # Both recorded shipment lists carry no address verdict on the label's shipTo.
        "shipTo": {**copy.deepcopy(order["shipTo"]), "addressVerified": None},
        "weight": {
            "value": weight.get("value", 0),
            "units": weight.get("units", "ounces"),
            "WeightUnits": WEIGHT_UNITS.get(str(weight.get("units")), 1),
        },
        "dimensions": copy.deepcopy(order.get("dimensions")),
        "insuranceOptions": copy.deepcopy(order["insuranceOptions"]),
        "advancedOptions": {
            key: advanced.get(key)
            for key in (
                "billToParty",
                "billToAccount",
                "billToPostalCode",
                "billToCountryCode",
                "storeId",
            )
        },
        "shipmentItems": [{**copy.deepcopy(item), "quantity": qty} for item, qty in picked],
        "labelData": None,
        "formData": None,
    }


def void_label(store: Store, shipment_id: int) -> JSON:
    with store.lock:
        label = store.labels.get(shipment_id)
        if label is None:
            raise errors.message(400, f"Shipment {shipment_id} was not found.")
        if label.data["voided"]:
            raise errors.message(400, "This label has already been voided.")
        label.data["voided"] = True
        label.data["voidDate"] = timefmt.order_time(store.now())
        order_id = label.data["orderId"]
        row = store.order_row(order_id)
        live = any(
            r.data["orderId"] == order_id and not r.data["voided"]
            for r in (*store.labels.values(), *store.fulfillments.values())
        )
        # Voiding the last label puts the order back into the queue, as in the UI.
        if row is not None and not live and row.data["orderStatus"] == "shipped":
            row.data["orderStatus"] = "awaiting_shipment"
            store.touch(row)
        return copy.deepcopy(label.data)


def mark_shipped(store: Store, body: Any) -> tuple[JSON, list[Event]]:
    """POST /orders/markasshipped → ``{orderId, orderNumber}`` and a /fulfillments row."""
    if not isinstance(body, dict):
        raise errors.model_state({"request": ["The request is invalid."]})
    problems = {}
    if not isinstance(body.get("orderId"), int) or isinstance(body.get("orderId"), bool):
        problems["request.orderId"] = ["The orderId field is required."]
    if not isinstance(body.get("carrierCode"), str) or not body["carrierCode"]:
        problems["request.carrierCode"] = ["The carrierCode field is required."]
    ship_date = timefmt.parse(str(body.get("shipDate") or "")) if body.get("shipDate") else None
    if body.get("shipDate") and ship_date is None:
        text = f"Could not convert string to DateTime: {body['shipDate']}."
        problems["request.shipDate"] = [text]
    if problems:
        raise errors.model_state(problems)
    with store.lock:
        row = store.order_row(body["orderId"])
        if row is None:
            raise errors.message(400, f"The order with orderId {body['orderId']} was not found.")
        order = row.data
        if order["orderStatus"] not in OPEN_STATUSES:
            raise errors.message(
                400,
                f"The order {order['orderNumber']} has a status of {order['orderStatus']} "
                "and cannot be marked as shipped.",
            )
        now = store.now()
        day = (ship_date or now).replace(hour=0, minute=0, second=0, microsecond=0)
        batch = store.new_batch()
        fulfillment = {
            "fulfillmentId": store.next_id("fulfillment"),
            "orderId": order["orderId"],
            "orderNumber": order["orderNumber"],
            "userId": store.account.user_id,
            "customerEmail": order["customerEmail"],
            "trackingNumber": body.get("trackingNumber"),
            "createDate": timefmt.order_time(now),
            "shipDate": timefmt.order_time(day),
            "voidDate": None,
            "deliveryDate": None,
            "carrierCode": body["carrierCode"],
            "sellerFillProviderId": None,
            "sellerFillProviderName": None,
            "fulfillmentServiceCode": None,
            "fulfillmentProviderCode": None,
            "fulfillmentFee": 0,
            "voidRequested": False,
            "voided": False,
            "marketplaceNotified": bool(body.get("notifySalesChannel", False)),
            "notifyErrorMessage": None,
            "shipTo": copy.deepcopy(order["shipTo"]),
        }
        store.fulfillments[fulfillment["fulfillmentId"]] = ShipmentRow(
            fulfillment, batch, _store_id(order)
        )
        order["orderStatus"] = "shipped"
        order["shipDate"] = timefmt.date_only(day)
        store.touch(row)
        events = []
        mode = store.settings.fulfillment_ship_notify
        if mode != "off":
            resource = "shipments" if mode == "shipments_url" else "fulfillments"
            path = f"/{resource}?storeID={_store_id(order)}&batchId={batch}"
            events.append(Event("SHIP_NOTIFY", _store_id(order), path))
        return {"orderId": order["orderId"], "orderNumber": order["orderNumber"]}, events


def split(store: Store, order_id: int, parts: Any) -> tuple[JSON, list[JSON]]:
    """Move item quantities into new ``{number}-{n}`` orders (UI "Split Order")."""
    if not isinstance(parts, list) or not parts or not all(isinstance(p, dict) for p in parts):
        raise AdminError('parts must be a non-empty list of {"items": [...]}')
    with store.lock:
        row = store.require(order_id)
        parent = row.data
        if parent["orderStatus"] != "awaiting_shipment":
            raise AdminError("only awaiting_shipment orders can be split")
        remaining = Counter({i["orderItemId"]: i["quantity"] for i in parent["items"]})
        plans = [_pick(parent, part.get("items"), remaining) for part in parts]
        if not any(remaining[i["orderItemId"]] > 0 for i in parent["items"] if not i["adjustment"]):
            raise AdminError("the original order must keep at least one item")
        siblings = sum(
            1 for r in store.orders.values() if r.data["advancedOptions"]["parentId"] == order_id
        )
        children = [
            _child(store, parent, picked, siblings + n) for n, picked in enumerate(plans, start=1)
        ]
        for item in parent["items"]:
            item["quantity"] = remaining[item["orderItemId"]]
        parent["items"] = [i for i in parent["items"] if i["quantity"] > 0]
        parent["orderTotal"] = order_total(
            parent["items"], parent["taxAmount"], parent["shippingAmount"]
        )
        parent["advancedOptions"]["mergedOrSplit"] = True
        store.touch(row)
        for child in children:
            store.orders[child["orderId"]] = OrderRow(child, import_batch=store.new_batch())
        return copy.deepcopy(parent), copy.deepcopy(children)


def _child(store: Store, parent: JSON, picked: list[tuple[JSON, int]], n: int) -> JSON:
    now = store.now()
    child = copy.deepcopy(parent)
    stamp = timefmt.item_time(now)
    child["items"] = [
        {
            **copy.deepcopy(item),
            "orderItemId": store.next_id("item"),
            "quantity": qty,
            "createDate": stamp,
            "modifyDate": stamp,
        }
        for item, qty in picked
    ]
    # Amounts paid, tax and shipping stay on the original order (design choice, UNVERIFIED).
    child.update(
        {
            "orderId": store.next_id("order"),
            "orderNumber": f"{parent['orderNumber']}-{n}",
            "createDate": timefmt.order_time(now),
            "modifyDate": timefmt.order_time(now),
            "amountPaid": 0,
            "taxAmount": 0,
            "shippingAmount": 0,
            "orderTotal": order_total(child["items"], 0, 0),
        }
    )
    if store.settings.split_child_order_key == "generated":
        child["orderKey"] = store.new_key()
    child["advancedOptions"].update(mergedOrSplit=True, parentId=parent["orderId"], mergedIds=[])
    return child


def merge(store: Store, survivor_id: int, other_ids: Any) -> JSON:
    """Fold ``other_ids`` into the survivor; the others vanish from the API (reference §2.3)."""
    if not isinstance(other_ids, list) or not other_ids:
        raise AdminError("orderIds must be a non-empty list")
    with store.lock:
        survivor = store.require(survivor_id)
        others = [store.require(int(i)) for i in other_ids]
        for other in others:
            survivor.data["items"] += copy.deepcopy(other.data["items"])
            other.merged_into = survivor_id
        advanced = survivor.data["advancedOptions"]
        advanced["mergedOrSplit"] = True
        advanced["mergedIds"] = [*advanced["mergedIds"], *(o.data["orderId"] for o in others)]
        survivor.data["orderTotal"] = order_total(
            survivor.data["items"], survivor.data["taxAmount"], survivor.data["shippingAmount"]
        )
        store.touch(survivor)
        return copy.deepcopy(survivor.data)
