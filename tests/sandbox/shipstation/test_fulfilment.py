"""Fulfilment flows of the ShipStation emulator: partial labels, voids, mark-as-shipped, splits,
merges and the webhooks they trigger."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.framework import serve_in_thread
from ledgerlink_sandbox.shipstation.dataset import MANUAL_STORE_ID, WOO_STORE_ID
from ledgerlink_sandbox.shipstation.service import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    ShipStationService,
)

FROZEN = datetime(2026, 2, 10, 17, 0, tzinfo=UTC)


class Receiver:
    """A webhook endpoint recording the JSON bodies it receives."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

        async def hook(request: Request) -> Response:
            with self.lock:
                self.bodies.append(await request.json())
            return Response(status_code=200)

        self.running = serve_in_thread(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
        self.url = f"{self.running.url}/hook"


def new_order(api: httpx.Client, number: str, **extra: Any) -> dict[str, Any]:
    body = {
        "orderNumber": number,
        "orderKey": f"key-{number}",
        "orderDate": "2026-02-10",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Grace"},
        "shipTo": {"name": "Grace", "country": "US", "postalCode": "22201"},
        "items": [
            {"lineItemKey": "L1", "sku": "WID", "name": "Widget", "quantity": 3, "unitPrice": 5},
            {"lineItemKey": "L2", "sku": "GAD", "name": "Gadget", "quantity": 2, "unitPrice": 9},
        ],
        **extra,
    }
    answer = api.post("/orders/createorder", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def ship(
    api: httpx.Client, order_id: int, *shipments: dict[str, Any], status: int = 201
) -> dict[str, Any]:
    answer = api.post(f"/_sandbox/orders/{order_id}/shipments", json={"shipments": list(shipments)})
    assert answer.status_code == status, answer.text
    result: dict[str, Any] = answer.json()
    return result


def labels(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/shipments", params=params).json()["shipments"]
    return found


def test_partial_shipments_carry_item_quantities(api: httpx.Client) -> None:
    made = new_order(api, "QB-part-1")
    done = ship(
        api,
        made["orderId"],
        {
            "items": [{"lineItemKey": "L1", "quantity": 2}],
            "carrierCode": "ups",
            "serviceCode": "ups_ground",
            "trackingNumber": "1ZTRACK1",
        },
        {
            "items": [{"sku": "WID", "quantity": 1}, {"lineItemKey": "L2", "quantity": 1}],
            "carrierCode": "fedex",
            "serviceCode": "fedex_ground",
        },
    )
    assert done["order"]["orderStatus"] == "shipped"  # a label ships the order (UI behaviour)
    listed = labels(api, orderId=made["orderId"], includeShipmentItems="true")
    assert [(s["carrierCode"], s["serviceCode"]) for s in listed] == [
        ("ups", "ups_ground"),
        ("fedex", "fedex_ground"),
    ]
    assert listed[0]["trackingNumber"] == "1ZTRACK1" and len(listed[1]["trackingNumber"]) == 12
    assert [[(i["sku"], i["quantity"]) for i in s["shipmentItems"]] for s in listed] == [
        [("WID", 2)],
        [("WID", 1), ("GAD", 1)],
    ]
    assert all(s["shipmentItems"] is None for s in labels(api, orderId=made["orderId"]))
    # One gadget left; more than that is refused, the rest ships later.
    over = api.post(
        f"/_sandbox/orders/{made['orderId']}/shipments",
        json={"shipments": [{"items": [{"lineItemKey": "L2", "quantity": 2}]}]},
    )
    assert over.status_code == 400 and "left" in over.json()["error"]
    rest = ship(api, made["orderId"], {"carrierCode": "stamps_com"})
    assert [(i["sku"], i["quantity"]) for i in rest["shipments"][0]["shipmentItems"]] == [
        ("GAD", 1)
    ]
    assert rest["shipments"][0]["trackingNumber"].startswith("9400111899")


def test_all_items_setting_keeps_partial_orders_open(api: httpx.Client) -> None:
    api.patch("/_sandbox/settings", json={"label_marks_order_shipped": "all_items"})
    made = new_order(api, "QB-part-2")
    first = ship(api, made["orderId"], {"items": [{"lineItemKey": "L1", "quantity": 3}]})
    assert first["order"]["orderStatus"] == "awaiting_shipment"
    second = ship(api, made["orderId"], {"items": [{"lineItemKey": "L2"}]})
    assert second["order"]["orderStatus"] == "shipped"


def test_voided_labels_stay_listed(api: httpx.Client, service: ShipStationService) -> None:
    made = new_order(api, "QB-void")
    label = ship(api, made["orderId"], {"carrierCode": "ups"})["shipments"][0]
    service.clock.advance(3600)
    voided = api.post("/shipments/voidlabel", json={"shipmentId": label["shipmentId"]})
    assert voided.json() == {"approved": True, "message": "Label voided successfully"}
    listed = labels(api, orderId=made["orderId"])
    assert len(listed) == 1 and listed[0]["voided"] is True
    assert listed[0]["voidDate"] == "2026-02-10T10:00:00.0000000"
    assert api.get(f"/orders/{made['orderId']}").json()["orderStatus"] == "awaiting_shipment"
    assert len(labels(api, voidDateStart="2026-02-10 09:30:00")) == 1
    assert (
        api.post("/shipments/voidlabel", json={"shipmentId": label["shipmentId"]}).status_code
        == 400
    )
    again = ship(api, made["orderId"], {"carrierCode": "fedex"})
    assert again["order"]["orderStatus"] == "shipped"
    assert [s["voided"] for s in labels(api, orderId=made["orderId"])] == [True, False]
    admin_void = api.post(f"/_sandbox/shipments/{again['shipments'][0]['shipmentId']}/void")
    assert admin_void.status_code == 200 and admin_void.json()["voided"] is True


def test_mark_as_shipped_is_a_fulfillment_not_a_shipment(api: httpx.Client) -> None:
    made = new_order(api, "QB-mark")
    answer = api.post(
        "/orders/markasshipped",
        json={
            "orderId": made["orderId"],
            "carrierCode": "FedEx",
            "trackingNumber": "664756278745",
            "shipDate": "2026-02-09",
        },
    )
    assert answer.json() == {"orderId": made["orderId"], "orderNumber": "QB-mark"}
    assert labels(api, orderId=made["orderId"]) == []
    found = api.get("/fulfillments", params={"orderId": made["orderId"]}).json()["fulfillments"]
    assert [(f["carrierCode"], f["trackingNumber"], f["shipDate"]) for f in found] == [
        ("FedEx", "664756278745", "2026-02-09T00:00:00.0000000")
    ]
    assert api.get(f"/orders/{made['orderId']}").json()["orderStatus"] == "shipped"
    twice = api.post(
        "/orders/markasshipped", json={"orderId": made["orderId"], "carrierCode": "FedEx"}
    )
    assert twice.status_code == 400
    invalid = api.post("/orders/markasshipped", json={"orderId": "x"})
    assert set(invalid.json()["ModelState"]) == {"request.orderId", "request.carrierCode"}


def test_split_children_and_shipping_them(api: httpx.Client) -> None:
    made = new_order(api, "QB-split-1", amountPaid=33, taxAmount=0, shippingAmount=0)
    answer = api.post(
        f"/_sandbox/orders/{made['orderId']}/split",
        json={
            "parts": [
                {"items": [{"lineItemKey": "L2", "quantity": 2}]},
                {"items": [{"lineItemKey": "L1", "quantity": 1}]},
            ]
        },
    )
    assert answer.status_code == 201
    parent, children = answer.json()["order"], answer.json()["children"]
    assert [c["orderNumber"] for c in children] == ["QB-split-1-1", "QB-split-1-2"]
    assert all(c["advancedOptions"]["parentId"] == made["orderId"] for c in children)
    assert all(c["advancedOptions"]["mergedOrSplit"] for c in (parent, *children))
    assert parent["advancedOptions"]["parentId"] is None
    assert [(i["lineItemKey"], i["quantity"]) for i in parent["items"]] == [("L1", 2)]
    assert children[0]["orderKey"] == made["orderKey"]  # shared key by default
    assert children[0]["orderTotal"] == 18 and parent["orderTotal"] == 10
    ship(api, children[0]["orderId"], {"carrierCode": "ups"})
    family = api.get("/orders", params={"orderNumber": "QB-split-1"}).json()["orders"]
    assert {o["orderNumber"]: o["orderStatus"] for o in family} == {
        "QB-split-1": "awaiting_shipment",
        "QB-split-1-1": "shipped",
        "QB-split-1-2": "awaiting_shipment",
    }
    by_number = labels(api, orderNumber="QB-split-1")  # prefix by default
    assert [s["orderNumber"] for s in by_number] == ["QB-split-1-1"]
    api.patch("/_sandbox/settings", json={"shipment_order_number_match": "exact"})
    assert labels(api, orderNumber="QB-split-1") == []
    # Only awaiting_shipment orders can be split, and the original must keep an item.
    assert (
        api.post(
            f"/_sandbox/orders/{children[0]['orderId']}/split",
            json={"parts": [{"items": [{"lineItemKey": "L2"}]}]},
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"/_sandbox/orders/{made['orderId']}/split",
            json={"parts": [{"items": [{"lineItemKey": "L1"}]}]},
        ).status_code
        == 400
    )


def test_split_child_key_setting(api: httpx.Client) -> None:
    api.patch("/_sandbox/settings", json={"split_child_order_key": "generated"})
    made = new_order(api, "QB-split-2")
    children = api.post(
        f"/_sandbox/orders/{made['orderId']}/split",
        json={"parts": [{"items": [{"lineItemKey": "L2"}]}]},
    ).json()["children"]
    assert children[0]["orderKey"] != made["orderKey"]


def test_merge_hides_the_merged_order(api: httpx.Client) -> None:
    one, two = new_order(api, "QB-merge-1"), new_order(api, "QB-merge-2")
    survivor = api.post(
        f"/_sandbox/orders/{one['orderId']}/merge", json={"orderIds": [two["orderId"]]}
    ).json()
    assert survivor["advancedOptions"]["mergedIds"] == [two["orderId"]]
    assert len(survivor["items"]) == 4
    assert api.get(f"/orders/{two['orderId']}").status_code == 404
    assert [
        o["orderNumber"]
        for o in api.get("/orders", params={"orderNumber": "QB-merge"}).json()["orders"]
    ] == ["QB-merge-1"]


def test_cancel_and_status_controls(api: httpx.Client) -> None:
    made = new_order(api, "QB-status")
    held = api.post(
        f"/_sandbox/orders/{made['orderId']}/status",
        json={"orderStatus": "on_hold", "holdUntilDate": "2026-03-01"},
    ).json()
    assert (held["orderStatus"], held["holdUntilDate"]) == ("on_hold", "2026-03-01")
    cancelled = api.post(f"/_sandbox/orders/{made['orderId']}/cancel").json()
    assert cancelled["orderStatus"] == "cancelled" and cancelled["holdUntilDate"] is None
    assert (
        api.post(
            f"/_sandbox/orders/{made['orderId']}/shipments", json={"shipments": [{}]}
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"/_sandbox/orders/{made['orderId']}/status", json={"orderStatus": "lost"}
        ).status_code
        == 400
    )
    assert api.post("/_sandbox/orders/1/cancel").status_code == 404


def test_webhooks_deliver_resource_urls_the_sandbox_serves(
    api: httpx.Client, service: ShipStationService
) -> None:
    receiver = Receiver()
    try:
        for event in ("ORDER_NOTIFY", "SHIP_NOTIFY"):
            api.post(
                "/webhooks/subscribe",
                json={
                    "target_url": receiver.url,
                    "event": event,
                    "store_id": None,
                    "friendly_name": event,
                },
            )
        api.post(
            "/webhooks/subscribe",
            json={
                "target_url": receiver.url,
                "event": "SHIP_NOTIFY",
                "store_id": WOO_STORE_ID,
                "friendly_name": "woo",
            },
        )
        made = new_order(api, "QB-hook")
        ship(api, made["orderId"], {"items": [{"lineItemKey": "L1"}], "carrierCode": "ups"})
        other = new_order(api, "QB-hook-2")
        api.post("/orders/markasshipped", json={"orderId": other["orderId"], "carrierCode": "USPS"})
        log = api.post("/_sandbox/webhooks/drain").json()["deliveries"]
        assert all(d["status"] == 200 for d in log)
        kinds = [b["resource_type"] for b in receiver.bodies]
        assert kinds == ["ORDER_NOTIFY", "SHIP_NOTIFY", "ORDER_NOTIFY", "SHIP_NOTIFY"]
        base = service.base_url  # type: ignore[attr-defined]
        order_url, ship_url = receiver.bodies[0]["resource_url"], receiver.bodies[1]["resource_url"]
        assert order_url.startswith(f"{base}/orders?storeID={MANUAL_STORE_ID}&importBatch=")
        assert ship_url.startswith(f"{base}/shipments?storeID={MANUAL_STORE_ID}&batchId=")
        fetched = httpx.get(order_url, auth=(DEFAULT_API_KEY, DEFAULT_API_SECRET)).json()
        assert [o["orderNumber"] for o in fetched["orders"]] == ["QB-hook"]
        shipped = httpx.get(ship_url, auth=(DEFAULT_API_KEY, DEFAULT_API_SECRET)).json()
        assert [s["orderNumber"] for s in shipped["shipments"]] == ["QB-hook"]
        # markasshipped's notification points at /shipments, which never lists fulfillments.
        marked = httpx.get(
            receiver.bodies[3]["resource_url"], auth=(DEFAULT_API_KEY, DEFAULT_API_SECRET)
        ).json()
        assert marked["total"] == 0
        assert len(receiver.bodies) == 4  # the WooCommerce-only hook stayed silent
        # One createorders call is one import batch: one notification listing every new order.
        bulk = [
            {
                "orderNumber": f"QB-hook-b{n}",
                "orderDate": "2026-02-10",
                "orderStatus": "awaiting_payment",
                "billTo": {"name": "b"},
                "shipTo": {"name": "b"},
            }
            for n in range(2)
        ]
        api.post("/orders/createorders", json=bulk)
        api.post("/_sandbox/webhooks/drain")
        assert len(receiver.bodies) == 5
        batch = httpx.get(
            receiver.bodies[4]["resource_url"], auth=(DEFAULT_API_KEY, DEFAULT_API_SECRET)
        ).json()
        assert [o["orderNumber"] for o in batch["orders"]] == ["QB-hook-b0", "QB-hook-b1"]
    finally:
        receiver.running.stop()


def test_subscribe_validation(api: httpx.Client) -> None:
    bad = api.post("/webhooks/subscribe", json={"target_url": "", "event": "NOPE"})
    assert bad.status_code == 400
    assert set(bad.json()["ModelState"]) == {"request.target_url", "request.event"}
    assert api.delete("/webhooks/999").status_code == 404
