"""createorder / createorders / GET /orders semantics of the ShipStation emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerlink_sandbox.framework import Clock
from ledgerlink_sandbox.shipstation.dataset import MANUAL_STORE_ID, WOO_STORE_ID
from ledgerlink_sandbox.shipstation.service import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    ShipStationService,
    build,
    env_vars,
)

FROZEN = datetime(2026, 1, 15, 20, 0, tzinfo=UTC)  # 12:00 PST


def order(number: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "orderNumber": number,
        "orderDate": "2026-01-15 09:30:00",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Ada"},
        "shipTo": {
            "name": "Ada",
            "street1": "1 Main St",
            "city": "Portland",
            "state": "OR",
            "postalCode": "97201",
            "country": "US",
        },
        "items": [
            {"lineItemKey": "L1", "sku": "A", "name": "Widget", "quantity": 2, "unitPrice": 10.5}
        ],
        "taxAmount": 1.25,
        "shippingAmount": 4,
    }
    if key is not None:
        body["orderKey"] = key
    body.update(extra)
    return body


def create(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post("/orders/createorder", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def numbers(api: httpx.Client, prefix: str) -> list[str]:
    return [
        o["orderNumber"]
        for o in api.get("/orders", params={"orderNumber": prefix}).json()["orders"]
    ]


def test_same_order_key_twice_updates_one_order(
    api: httpx.Client, service: ShipStationService
) -> None:
    first = create(api, order("QB-acme-1", "qbo-1-77", orderStatus="awaiting_payment"))
    service.clock.advance(90)
    second = create(api, order("QB-acme-1", "qbo-1-77", customerNotes="paid now"))
    assert second["orderId"] == first["orderId"]
    assert second["createDate"] == first["createDate"]
    assert second["modifyDate"] > first["modifyDate"]
    assert (second["orderStatus"], second["customerNotes"]) == ("awaiting_shipment", "paid now")
    listed = api.get("/orders", params={"orderNumber": "QB-acme-1"}).json()
    assert listed["total"] == 1 and listed["orders"][0]["customerNotes"] == "paid now"
    # Without orderKey every POST is a new order (duplicates on retry).
    a, b = create(api, order("QB-acme-2")), create(api, order("QB-acme-2"))
    assert a["orderId"] != b["orderId"] and a["orderKey"] != b["orderKey"]
    assert len(a["orderKey"]) == 32


def test_update_is_a_full_replace(api: httpx.Client) -> None:
    full = order(
        "QB-acme-3",
        "k3",
        customerNotes="fragile",
        gift=True,
        giftMessage="hi",
        internalNotes="vip",
        weight={"value": 20, "units": "ounces"},
        advancedOptions={"storeId": WOO_STORE_ID, "customField1": "inv-3"},
        items=[
            {"lineItemKey": "L1", "sku": "A", "name": "Widget", "quantity": 2, "unitPrice": 10.5},
            {"lineItemKey": "L2", "sku": "B", "name": "Gadget", "quantity": 1, "unitPrice": 3},
        ],
    )
    before = create(api, full)
    slim = order(
        "QB-acme-3",
        "k3",
        advancedOptions={"storeId": MANUAL_STORE_ID},
        items=[
            {"lineItemKey": "L1", "sku": "A", "name": "Widget", "quantity": 5, "unitPrice": 10.5}
        ],
    )
    del slim["taxAmount"]
    after = create(api, slim)
    assert after["customerNotes"] is None and after["internalNotes"] is None
    assert after["gift"] is False and after["giftMessage"] is None
    assert after["weight"] is None and after["taxAmount"] is None
    assert after["advancedOptions"]["customField1"] is None
    assert after["advancedOptions"]["storeId"] == WOO_STORE_ID  # only settable at creation
    assert [i["sku"] for i in after["items"]] == ["A"] and after["items"][0]["quantity"] == 5
    assert after["items"][0]["orderItemId"] == before["items"][0]["orderItemId"]  # same line key
    assert after["orderTotal"] == 5 * 10.5 + 4


def test_order_total_and_pacific_times(api: httpx.Client, service: ShipStationService) -> None:
    made = create(api, order("QB-acme-4"))
    assert made["orderTotal"] == 2 * 10.5 + 1.25 + 4
    assert made["orderDate"] == "2026-01-15T09:30:00.0000000"
    assert made["createDate"] == "2026-01-15T12:00:00.0000000"  # PST = UTC-8
    assert made["items"][0]["createDate"] == "2026-01-15T12:00:00"
    service.clock.freeze(datetime(2026, 7, 1, 19, 0, 0, 250_000, tzinfo=UTC))
    summer = create(api, order("QB-acme-5", shipDate="2026-07-02"))
    assert summer["createDate"] == "2026-07-01T12:00:00.2500000"  # PDT = UTC-7
    assert summer["items"][0]["createDate"] == "2026-07-01T12:00:00.25"
    assert summer["shipDate"] == "2026-07-02"
    # An offset in a request is converted to Pacific wall time.
    zulu = create(api, order("QB-acme-6", orderDate="2026-07-01T19:00:00Z"))
    assert zulu["orderDate"] == "2026-07-01T12:00:00.0000000"


def test_customer_id_is_assigned_after_creation(api: httpx.Client) -> None:
    made = create(api, order("QB-acme-7", customerUsername="ada@example.com"))
    assert made["customerId"] is None
    fetched = api.get(f"/orders/{made['orderId']}").json()
    assert isinstance(fetched["customerId"], int)


def test_order_number_is_a_starts_with_search(
    api: httpx.Client, service: ShipStationService
) -> None:
    for number in ("QB-acme-100", "QB-acme-1001", "QB-acme-10", "QB-other-100"):
        create(api, order(number, f"key-{number}"))
    parent = create(
        api,
        order(
            "QB-acme-100-x",
            "split-me",
            items=[
                {"lineItemKey": "L1", "sku": "A", "name": "A", "quantity": 1, "unitPrice": 1},
                {"lineItemKey": "L2", "sku": "B", "name": "B", "quantity": 1, "unitPrice": 1},
            ],
        ),
    )
    api.post(
        f"/_sandbox/orders/{parent['orderId']}/split",
        json={"parts": [{"items": [{"lineItemKey": "L2"}]}]},
    )
    found = numbers(api, "QB-acme-100")
    assert sorted(found) == ["QB-acme-100", "QB-acme-100-x", "QB-acme-100-x-1", "QB-acme-1001"]
    assert numbers(api, "qb-ACME-1001") == ["QB-acme-1001"]  # case-insensitive by default
    api.patch("/_sandbox/settings", json={"order_number_case_sensitive": True})
    assert numbers(api, "qb-acme-1001") == []


def test_list_filters_sorting_and_pages(api: httpx.Client) -> None:
    for n in range(5):
        create(api, order(f"QB-page-{n}", f"page-{n}", orderDate=f"2026-01-0{n + 1} 10:00:00"))
    page = api.get("/orders", params={"orderNumber": "QB-page", "pageSize": 2, "page": 3}).json()
    assert (page["total"], page["page"], page["pages"], len(page["orders"])) == (5, 3, 3, 1)
    empty = api.get("/orders", params={"orderNumber": "nothing-like-this"}).json()
    assert empty == {"orders": [], "total": 0, "page": 1, "pages": 0}
    ranged = api.get(
        "/orders",
        params={
            "orderNumber": "QB-page",
            "orderDateStart": "2026-01-02",
            "orderDateEnd": "2026-01-03 23:59:59",
        },
    ).json()
    assert [o["orderNumber"] for o in ranged["orders"]] == ["QB-page-1", "QB-page-2"]
    desc = api.get(
        "/orders", params={"orderNumber": "QB-page", "sortBy": "OrderDate", "sortDir": "DESC"}
    ).json()
    assert desc["orders"][0]["orderNumber"] == "QB-page-4"
    by_store = api.get("/orders", params={"storeId": WOO_STORE_ID}).json()
    assert all(o["advancedOptions"]["storeId"] == WOO_STORE_ID for o in by_store["orders"])
    status = api.get("/orders", params={"orderStatus": "on_hold"}).json()
    assert status["total"] >= 1 and {o["orderStatus"] for o in status["orders"]} == {"on_hold"}
    assert api.get("/orders", params={"itemKeyword": "widget"}).json()["total"] >= 5


def test_page_size_limit(api: httpx.Client) -> None:
    too_big = api.get("/orders", params={"pageSize": 501})
    assert too_big.status_code == 400
    assert too_big.json()["Message"] == "The request is invalid."
    assert api.get("/orders", params={"pageSize": 500}).status_code == 200
    api.patch("/_sandbox/settings", json={"page_size_over_max": "clamp"})
    assert api.get("/orders", params={"pageSize": 9999}).status_code == 200
    assert api.get("/orders", params={"page": "x"}).status_code == 400


def test_validation_errors_are_model_state(api: httpx.Client) -> None:
    missing = api.post("/orders/createorder", json={"orderNumber": "QB-x"})
    assert missing.status_code == 400
    state = missing.json()["ModelState"]
    assert state["apiOrder.orderDate"] == ["The orderDate field is required."]
    assert {"apiOrder.orderStatus", "apiOrder.billTo", "apiOrder.shipTo"} <= set(state)
    api.patch("/_sandbox/settings", json={"required_field_message": "{field} Is Required"})
    again = api.post("/orders/createorder", json={"orderNumber": "QB-x"}).json()
    assert again["ModelState"]["apiOrder.orderDate"] == ["orderDate Is Required"]
    array = api.post("/orders/createorder", json=[order("QB-x")])
    assert array.status_code == 400
    assert array.json()["ModelState"]["apiOrder"][0].startswith(
        "Cannot deserialize the current JSON array"
    )
    bad_date = api.post("/orders/createorder", json=order("QB-x", orderDate="soon"))
    assert "apiOrder.orderDate" in bad_date.json()["ModelState"]
    broken = api.post(
        "/orders/createorder", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and "apiOrder" in broken.json()["ModelState"]
    bad_store = api.post("/orders/createorder", json=order("QB-x", advancedOptions={"storeId": 42}))
    assert bad_store.status_code == 400 and "Message" in bad_store.json()


@pytest.mark.parametrize("lock", ["shipped", "cancelled"])
def test_shipped_or_cancelled_orders_are_locked(api: httpx.Client, lock: str) -> None:
    made = create(api, order("QB-lock", "lock-1"))
    api.post(f"/_sandbox/orders/{made['orderId']}/status", json={"orderStatus": lock})
    refused = api.post("/orders/createorder", json=order("QB-lock", "lock-1", customerNotes="x"))
    assert refused.status_code == 400
    assert refused.json() == {
        "Message": (f"The order QB-lock has a status of {lock} and cannot be updated.")
    }
    api.patch("/_sandbox/settings", json={"locked_order_update": "ignore"})
    ignored = create(api, order("QB-lock", "lock-1", customerNotes="x"))
    assert ignored["customerNotes"] is None and ignored["orderStatus"] == lock


def test_bulk_create_results_and_limits(api: httpx.Client) -> None:
    batch = [order(f"QB-bulk-{n}", f"bulk-{n}") for n in range(3)]
    batch[1].pop("orderDate")
    answer = api.post("/orders/createorders", json=batch)
    assert answer.status_code == 200
    body = answer.json()
    assert body["hasErrors"] is True
    ok, bad, ok2 = body["results"]
    assert ok["success"] and ok2["success"] and ok["errorMessage"] is None
    assert not bad["success"] and "orderDate" in bad["errorMessage"]
    assert (bad["orderNumber"], bad["orderKey"]) == ("QB-bulk-1", "bulk-1")
    assert numbers(api, "QB-bulk") == ["QB-bulk-0", "QB-bulk-2"]
    # Re-sending the same keys updates; a locked order fails alone.
    shipped = ok["orderId"]
    api.post("/orders/markasshipped", json={"orderId": shipped, "carrierCode": "USPS"})
    batch[1]["orderDate"] = "2026-01-15"
    again = api.post("/orders/createorders", json=batch).json()
    assert [r["success"] for r in again["results"]] == [False, True, True]
    assert again["results"][2]["orderId"] == ok2["orderId"]
    assert len(numbers(api, "QB-bulk")) == 3
    api.patch("/_sandbox/settings", json={"bulk_invalid_order": "reject_request"})
    rejected = api.post("/orders/createorders", json=[order("QB-r"), {"orderNumber": "QB-s"}])
    assert rejected.status_code == 400
    assert "apiOrders[1].orderDate" in rejected.json()["ModelState"]


def test_bulk_limit_and_shape_errors(api: httpx.Client) -> None:
    too_many = api.post(
        "/orders/createorders", json=[order(f"QB-many-{n}", f"many-{n}") for n in range(101)]
    )
    assert too_many.status_code == 400 and "apiOrders" in too_many.json()["ModelState"]
    assert numbers(api, "QB-many") == []
    exactly = api.post(
        "/orders/createorders", json=[order(f"QB-many-{n}", f"many-{n}") for n in range(100)]
    )
    assert exactly.status_code == 200 and not exactly.json()["hasErrors"]
    assert api.get("/orders", params={"orderNumber": "QB-many"}).json()["total"] == 100
    as_object = api.post("/orders/createorders", json=order("QB-obj"))
    assert as_object.status_code == 400
    assert list(as_object.json()["ModelState"]) == ["apiOrders.orderNumber"]


def test_split_orders_need_their_order_id(api: httpx.Client) -> None:
    made = create(
        api,
        order(
            "QB-split",
            "split-key",
            items=[{"lineItemKey": "L1", "sku": "A", "name": "A", "quantity": 2, "unitPrice": 1}],
        ),
    )
    api.post(
        f"/_sandbox/orders/{made['orderId']}/split",
        json={"parts": [{"items": [{"lineItemKey": "L1", "quantity": 1}]}]},
    )
    refused = api.post("/orders/createorder", json=order("QB-split", "split-key"))
    assert refused.status_code == 400
    updated = create(
        api, order("QB-split", "split-key", orderId=made["orderId"], customerNotes="by id")
    )
    assert updated["orderId"] == made["orderId"] and updated["customerNotes"] == "by id"
    assert updated["advancedOptions"]["mergedOrSplit"] is True  # read-only marker survives
    unknown = api.post("/orders/createorder", json=order("QB-x", orderId=1))
    assert unknown.status_code == 400


def test_auth_and_aspnet_errors(api: httpx.Client, service: ShipStationService) -> None:
    base = service.base_url  # type: ignore[attr-defined]
    anonymous = httpx.get(f"{base}/orders")
    assert anonymous.status_code == 401 and anonymous.text == ""
    assert anonymous.headers["x-rate-limit-limit"] == "40"
    wrong = httpx.get(f"{base}/orders", auth=(DEFAULT_API_KEY, "wrong"))
    assert wrong.status_code == 401
    api.patch(
        "/_sandbox/settings",
        json={"unauthorized_body": '{"Message":"Authorization has been denied for this request."}'},
    )
    assert httpx.get(f"{base}/orders").json()["Message"].startswith("Authorization")
    missing = api.get("/orders/12345")
    assert missing.status_code == 404
    assert missing.json() == {
        "Message": "No HTTP resource was found that matches the request "
        "URI 'http://ssapi6-internal.shipstation.com/orders/12345'."
    }
    assert api.put("/orders/createorder").status_code == 405
    assert api.get("/no/such/route").status_code == 404
    creds = httpx.get(f"{base}/_sandbox/credentials").json()
    assert creds == {"apiKey": DEFAULT_API_KEY, "apiSecret": DEFAULT_API_SECRET}


def test_delete_deactivates(api: httpx.Client) -> None:
    made = create(api, order("QB-del", "del"))
    gone = api.delete(f"/orders/{made['orderId']}")
    assert gone.status_code == 200 and gone.json()["success"] is True
    assert api.get(f"/orders/{made['orderId']}").status_code == 404
    assert numbers(api, "QB-del") == []


def test_an_emulator_bug_answers_like_aspnet(
    api: httpx.Client, service: ShipStationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(service.store, "upsert", broken)
    answer = api.post("/orders/createorder", json=order("QB-bug"))
    assert answer.status_code == 500 and answer.json()["Message"] == "An error has occurred."
    assert "x-rate-limit-remaining" in answer.headers


def test_service_factory_and_env() -> None:
    svc = build("demo", "demo", Clock())
    assert svc.name == "shipstation" and svc.core.name == "shipstation"
    assert (
        env_vars("http://127.0.0.1:8702", "demo")
        == svc.env("http://127.0.0.1:8702")
        == {
            "LEDGERLINK_SHIPSTATION_API_URL": "http://127.0.0.1:8702",
            "LEDGERLINK_SHIPSTATION_API_KEY": DEFAULT_API_KEY,
            "LEDGERLINK_SHIPSTATION_API_SECRET": DEFAULT_API_SECRET,
        }
    )
    assert any(DEFAULT_API_KEY in line for line in svc.describe("http://127.0.0.1:8702"))
    svc.start()
    svc.close()


def test_seeded_data_is_deterministic(service: ShipStationService) -> None:
    clock = Clock()
    clock.freeze(FROZEN)
    one = ShipStationService("demo", "demo", clock).store
    two = ShipStationService("demo", "demo", clock).store
    assert [r.data for r in one.orders.values()] == [r.data for r in two.orders.values()]
    statuses = {r.data["orderStatus"] for r in one.visible_orders()}
    assert statuses == {"awaiting_payment", "awaiting_shipment", "on_hold", "shipped", "cancelled"}
    assert len(ShipStationService("large", "large", clock).store.orders) > 300


def test_date_header_follows_the_clock_and_modify_date_filters_changes(
    api: httpx.Client, service: ShipStationService
) -> None:
    first = create(api, order("QB-mod-1", "mod-1"))
    service.clock.advance(3600)
    answer = api.get("/orders", params={"modifyDateStart": "2026-01-15 12:30:00"})
    # The server's clock (frozen at 12:00 PST, moved an hour), as a real server's Date follows it.
    assert answer.headers["date"] == "Thu, 15 Jan 2026 21:00:00 GMT"
    assert answer.json()["total"] == 0  # nothing modified since 12:30 Pacific
    create(api, order("QB-mod-1", "mod-1", orderId=first["orderId"], customerNotes="changed"))
    changed = api.get("/orders", params={"modifyDateStart": "2026-01-15 12:30:00"}).json()
    assert [o["orderNumber"] for o in changed["orders"]] == ["QB-mod-1"]
    assert changed["orders"][0]["modifyDate"] == "2026-01-15T13:00:00.0000000"
