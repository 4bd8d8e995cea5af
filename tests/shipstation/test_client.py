"""The core ShipStation V1 client against the emulator: bulk upserts, exact lookups, split
families, rate limits and faults, as counted by the sandbox."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from ledgerlink.shipstation import (
    Category,
    MissingOrderKey,
    OrderLocked,
    ShipStationApiError,
    ShipStationClient,
    ShipStationError,
    ShipStationV1,
)
from ledgerlink.shipstation.limits import RatePacer
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.shipstation.service import ShipStationService
from tests.shipstation.conftest import TENANT, order_payload, stats

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def all_orders(api: httpx.Client, prefix: str) -> list[dict[str, object]]:
    answer = api.get("/orders", params={"orderNumber": prefix, "pageSize": 500}).json()
    assert answer["total"] <= 500
    found: list[dict[str, object]] = answer["orders"]
    return found


def test_bulk_create_of_250_costs_three_requests_and_a_rerun_updates(
    client: ShipStationV1, api: httpx.Client
) -> None:
    payloads = [order_payload(f"QB-bulk-{n}") for n in range(250)]
    results = client.upsert_orders(payloads)
    assert stats(api)["POST /orders/createorders"] == math.ceil(250 / 100)
    assert [r.order_key for r in results] == [p["orderKey"] for p in payloads]
    assert all(r.success and r.order_id for r in results)
    created = {r.order_key: r.order_id for r in results}

    again = client.upsert_orders([{**p, "amountPaid": 40} for p in payloads])
    assert stats(api)["POST /orders/createorders"] == 2 * 3
    assert {r.order_key: r.order_id for r in again} == created  # the same orders, updated
    orders = all_orders(api, "QB-bulk-")
    assert len(orders) == 250 and {o["amountPaid"] for o in orders} == {40}


def test_per_order_failures_come_back_with_their_reason(
    client: ShipStationV1, api: httpx.Client
) -> None:
    bad = order_payload("QB-bad-1")
    del bad["orderDate"]
    results = client.upsert_orders([order_payload("QB-ok-1"), bad, order_payload("QB-ok-2")])
    assert [r.success for r in results] == [True, False, True]
    assert results[1].order_key == "key-QB-bad-1" and "orderDate" in (results[1].error or "")
    # The variant where one invalid order makes ShipStation refuse the whole request: the
    # client finds the culprit one by one and still creates the others.
    api.patch("/_sandbox/settings", json={"bulk_invalid_order": "reject_request"})
    bad["orderNumber"], bad["orderKey"] = "QB-bad-2", "key-QB-bad-2"
    results = client.upsert_orders([order_payload("QB-ok-3"), bad])
    assert [r.success for r in results] == [True, False]
    assert "orderDate" in (results[1].error or "")
    assert len(all_orders(api, "QB-ok-")) == 3


def test_an_order_without_key_is_never_sent(client: ShipStationV1, api: httpx.Client) -> None:
    with pytest.raises(MissingOrderKey, match="QB-nokey"):
        client.upsert_orders(
            [order_payload("QB-fine"), {**order_payload("QB-nokey"), "orderKey": ""}]
        )
    with pytest.raises(ShipStationError, match="orderKey key-QB-twice appears twice"):
        client.upsert_orders([order_payload("QB-twice"), order_payload("QB-twice")])
    assert stats(api).get("POST /orders/createorders", 0) == 0


def test_lookup_by_number_keeps_only_exact_matches(
    client: ShipStationV1, api: httpx.Client
) -> None:
    client.upsert_orders([order_payload(n) for n in ("QB-t-100", "QB-t-1001", "QB-t-100-1")])
    assert [o.order_number for o in client.orders_by_number("QB-t-100")] == ["QB-t-100"]
    assert client.orders_by_number("QB-t-10") == []
    assert [o.order_number for o in client.order_family("QB-t-100")] == ["QB-t-100"]


def test_split_family_and_partial_shipments_read_back(
    client: ShipStationV1, api: httpx.Client
) -> None:
    parent = client.upsert_order(order_payload("QB-sp-7"))
    split = api.post(
        f"/_sandbox/orders/{parent.order_id}/split",
        json={"parts": [{"items": [{"lineItemKey": "2", "quantity": 2}]}]},
    ).json()
    child_id = split["children"][0]["orderId"]
    first = api.post(
        f"/_sandbox/orders/{parent.order_id}/shipments",
        json={
            "shipments": [
                {
                    "items": [{"lineItemKey": "1", "quantity": 1}],
                    "carrierCode": "ups",
                    "serviceCode": "ups_ground",
                    "trackingNumber": "1ZPART1",
                }
            ]
        },
    ).json()
    api.post(f"/_sandbox/shipments/{first['shipments'][0]['shipmentId']}/void")
    api.post(
        f"/_sandbox/orders/{parent.order_id}/shipments",
        json={
            "shipments": [
                {
                    "items": [{"lineItemKey": "1", "quantity": 2}],
                    "carrierCode": "fedex",
                    "trackingNumber": "7788",
                }
            ]
        },
    )
    api.post(
        "/orders/markasshipped",
        json={
            "orderId": child_id,
            "carrierCode": "USPS",
            "trackingNumber": "9400CHILD",
            "shipDate": "2026-03-03",
        },
    )
    client.upsert_order(order_payload("QB-sp-77"))  # a prefix match that is not family

    family = client.order_family("QB-sp-7")
    assert [(o.order_number, o.parent_id) for o in family] == [
        ("QB-sp-7", None),
        ("QB-sp-7-1", parent.order_id),
    ]
    labels = client.shipments(parent.order_id)
    assert [(s.kind, s.tracking_number, s.voided) for s in labels] == [
        ("label", "1ZPART1", True),
        ("label", "7788", False),
    ]
    assert [(i.line_item_key, i.sku, i.quantity) for i in labels[1].items] == [("1", "WID", 2)]
    assert labels[1].carrier_code == "fedex" and labels[1].ship_date is not None
    marked = client.shipments(child_id)
    assert [(s.kind, s.carrier_code, s.tracking_number, str(s.ship_date)) for s in marked] == [
        ("fulfillment", "USPS", "9400CHILD", "2026-03-03")
    ]
    # A split order is never rewritten by the client: its items live in several orders now.
    with pytest.raises(OrderLocked, match="split"):
        client.update_order(family[0], {"amountPaid": 1})


def test_update_and_cancel_read_modify_write(client: ShipStationV1, api: httpx.Client) -> None:
    made = client.upsert_order(
        order_payload("QB-upd-1", orderStatus="awaiting_payment", internalNotes="keep me")
    )
    paid = client.update_order(made, {"orderStatus": "awaiting_shipment", "amountPaid": 33})
    assert (paid.order_id, paid.status) == (made.order_id, "awaiting_shipment")
    assert paid.raw["internalNotes"] == "keep me"  # what the change did not touch stays
    assert [i.sku for i in paid.items] == ["WID", "GAD"]
    cancelled = client.cancel_order(paid)
    assert cancelled.status == "cancelled"
    with pytest.raises(OrderLocked, match="cancelled"):
        client.update_order(cancelled, {"amountPaid": 0})
    assert client.get_order(999) is None
    assert len(client.orders_by_number("QB-upd-1")) == 1


def test_transient_failures_are_retried_without_duplicates(
    client: ShipStationV1, api: httpx.Client
) -> None:
    api.post(
        "/_sandbox/faults",
        json=[
            {"kind": "status", "status": 500, "path": "/orders/createorders", "count": 1},
            {"kind": "reset", "path": "/orders/createorders", "count": 1},
            {"kind": "status", "status": 502, "path": "/orders", "count": 1},
        ],
    )
    results = client.upsert_orders([order_payload(f"QB-tr-{n}") for n in range(150)])
    assert all(r.success for r in results)
    assert len(client.orders_by_number("QB-tr-7")) == 1
    assert len(all_orders(api, "QB-tr-")) == 150


def test_refused_credentials_name_the_fix_and_never_the_key(
    connect: Callable[..., None], api: httpx.Client
) -> None:
    connect(secret="not-the-right-secret-at-all")
    with (
        ShipStationV1.for_tenant(TENANT, pacer=RatePacer()) as client,
        pytest.raises(ShipStationApiError) as caught,
    ):
        client.orders_by_number("QB-x-1")
    assert caught.value.category is Category.AUTH and caught.value.status == 401
    text = str(caught.value)
    assert "ledgerlink connect shipstation --tenant acme" in text
    assert "not-the-right-secret" not in text
    assert client.requests == 1  # the stored pair is unchanged: no retry can help


def test_rejected_order_names_the_order(client: ShipStationV1, api: httpx.Client) -> None:
    made = client.upsert_order(order_payload("QB-lock-1"))
    api.post(f"/_sandbox/orders/{made.order_id}/cancel")
    with pytest.raises(ShipStationApiError) as caught:
        client.upsert_order(order_payload("QB-lock-1"))
    assert caught.value.category is Category.FATAL
    assert "for order QB-lock-1" in str(caught.value) and "cannot be updated" in str(caught.value)


def test_a_429_burst_waits_for_the_reset_and_loses_nothing(
    client: ShipStationV1, api: httpx.Client, service: ShipStationService
) -> None:
    service.clock.unfreeze()  # windows must pass in real time here
    try:
        api.patch(
            "/_sandbox/settings", json={"rate_limit_per_window": 3, "rate_limit_window_seconds": 2}
        )
        pair = api.get("/_sandbox/credentials").json()
        other_app = httpx.Client(
            base_url=str(api.base_url), auth=(pair["apiKey"], pair["apiSecret"])
        )
        with other_app:  # another app on the same key pair uses up the window
            while other_app.get("/stores").status_code != 429:
                pass
        started = time.monotonic()
        results = client.upsert_orders([order_payload(f"QB-rl-{n}") for n in range(250)])
        assert all(r.success for r in results)
        assert time.monotonic() - started >= 0.9  # it waited for the window to reset
        assert client.requests > 3  # the refused request was sent again
        assert len(all_orders(api, "QB-rl-")) == 250
        # Paced on the headers, a run of lookups larger than the window draws no 429 at all.
        before = client.requests
        for n in range(7):
            assert len(client.orders_by_number(f"QB-rl-{n}")) == 1
        assert client.requests - before == 7
        assert client.pacer.waited > 0
    finally:
        service.clock.freeze(FROZEN)


def test_the_key_pair_never_reaches_the_logs(
    client: ShipStationV1, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    pair = api.get("/_sandbox/credentials").json()
    api.post("/_sandbox/faults", json=[{"kind": "status", "status": 500, "count": 1}])
    with caplog.at_level("DEBUG"):
        client.upsert_orders([order_payload("QB-log-1")])
        client.orders_by_number("QB-log-1")
    assert "retrying" in caplog.text  # the retry was logged ...
    assert pair["apiKey"] not in caplog.text and pair["apiSecret"] not in caplog.text
    assert "Basic " not in caplog.text  # ... without the Authorization header


def test_the_v1_client_is_a_shipstation_client(client: ShipStationV1) -> None:
    adapter: ShipStationClient = client  # mypy checks the protocol; a V2 adapter must too
    assert adapter.orders_by_number("QB-none-1") == [] and adapter.get_order(1) is None


def test_family_follows_splits_of_splits_and_bulk_reports_locked_orders(
    client: ShipStationV1, api: httpx.Client
) -> None:
    parent = client.upsert_order(order_payload("QB-fam-3"))
    child = api.post(
        f"/_sandbox/orders/{parent.order_id}/split",
        json={"parts": [{"items": [{"lineItemKey": "2", "quantity": 2}]}]},
    ).json()["children"][0]
    grandchild = api.post(
        f"/_sandbox/orders/{child['orderId']}/split",
        json={"parts": [{"items": [{"lineItemKey": "2", "quantity": 1}]}]},
    ).json()["children"][0]
    family = client.order_family("QB-fam-3")
    assert [o.order_id for o in family] == [
        parent.order_id,
        child["orderId"],
        grandchild["orderId"],
    ]
    assert sum(o.quantity for o in family) == 5  # a split only moves quantities around

    other = client.upsert_order(order_payload("QB-fam-4"))
    api.post(f"/_sandbox/orders/{other.order_id}/cancel")
    results = client.upsert_orders([order_payload("QB-fam-4"), order_payload("QB-fam-5")])
    assert [r.success for r in results] == [False, True]
    assert "cannot be updated" in (results[0].error or "")


def test_a_connection_without_v1_keys_is_refused_before_any_request(
    clean_db: str, api: httpx.Client
) -> None:
    TokenStore().save(
        TENANT, "shipstation", auth_kind="api_token", api_url=str(api.base_url),
        secrets={"api_token": "v2-style-api-key-0123456789"},
    )  # fmt: skip
    with pytest.raises(ShipStationError, match="has no V1 API key and secret; reconnect with"):
        ShipStationV1.for_tenant(TENANT)
    assert stats(api) == {}
