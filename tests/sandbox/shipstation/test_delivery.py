"""Deliveries in the ShipStation emulator: a fulfillment shows its documented deliveryDate; a
label shows none (V1's shipment object has no such field) unless `label_delivery_date: listed`;
voided labels and unknown ids are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.sandbox.shipstation.test_fulfilment import new_order

FROZEN = datetime(2026, 2, 10, 17, 0, tzinfo=UTC)


def labels(api: httpx.Client, order_id: int) -> list[dict[str, Any]]:
    answer = api.get("/shipments", params={"orderId": order_id})
    found: list[dict[str, Any]] = answer.json()["shipments"]
    return found


def test_a_delivered_label_is_listed_only_when_the_setting_says_so(api: httpx.Client) -> None:
    order = new_order(api, "DLV-1")
    body = {"shipments": [{"items": [{"sku": "WID", "quantity": 1}]}]}
    [label] = api.post(f"/_sandbox/orders/{order['orderId']}/shipments", json=body).json()[
        "shipments"
    ]
    delivered = api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver", json={})
    assert delivered.status_code == 200
    [listed] = labels(api, order["orderId"])
    assert "deliveryDate" not in listed  # the documented V1 shape, unchanged

    api.patch("/_sandbox/settings", json={"label_delivery_date": "listed"}).raise_for_status()
    [listed] = labels(api, order["orderId"])
    assert listed["deliveryDate"] == "2026-02-10"  # the sandbox's today, Pacific

    api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver",
             json={"deliveryDate": "2026-02-12"}).raise_for_status()  # fmt: skip
    assert labels(api, order["orderId"])[0]["deliveryDate"] == "2026-02-12"


def test_a_delivered_fulfillment_carries_its_delivery_date(api: httpx.Client) -> None:
    order = new_order(api, "DLV-2")
    api.post("/orders/markasshipped", json={"orderId": order["orderId"], "carrierCode": "FedEx"})
    [shipped] = api.get("/fulfillments", params={"orderId": order["orderId"]}).json()[
        "fulfillments"
    ]
    assert shipped["deliveryDate"] is None
    ident = shipped["fulfillmentId"]
    answer = api.post(
        f"/_sandbox/fulfillments/{ident}/deliver", json={"deliveryDate": "2026-02-11"}
    )
    assert answer.json()["deliveryDate"] == "2026-02-11T00:00:00.0000000"
    [listed] = api.get("/fulfillments", params={"orderId": order["orderId"]}).json()["fulfillments"]
    assert listed["deliveryDate"] == "2026-02-11T00:00:00.0000000"


def test_voided_labels_bad_dates_and_unknown_ids_are_refused(api: httpx.Client) -> None:
    order = new_order(api, "DLV-3")
    body = {"shipments": [{"items": [{"sku": "GAD", "quantity": 2}]}]}
    [label] = api.post(f"/_sandbox/orders/{order['orderId']}/shipments", json=body).json()[
        "shipments"
    ]
    bad = api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver",
                   json={"deliveryDate": "soon"})  # fmt: skip
    assert bad.status_code == 400 and "is not a date" in bad.json()["error"]
    api.post(f"/_sandbox/shipments/{label['shipmentId']}/void").raise_for_status()
    voided = api.post(f"/_sandbox/shipments/{label['shipmentId']}/deliver")
    assert voided.status_code == 400 and "voided" in voided.json()["error"]
    unknown = api.post("/_sandbox/fulfillments/1/deliver")
    assert unknown.status_code == 400 and "no fulfillment with id 1" in unknown.json()["error"]
