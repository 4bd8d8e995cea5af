"""The V1 rate limit (40 requests per 60-second window per API key, on the sandbox clock) and
injected faults shaped like ShipStation's answers."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from ledgerlink_sandbox.shipstation.service import (
    ShipStationService,
)

FROZEN = datetime(2026, 4, 1, 12, 0, 0, 400_000, tzinfo=UTC)
RESET_DATA = False  # these tests count requests, not data


def rate(response: httpx.Response) -> tuple[int, int, int]:
    h = response.headers
    return (
        int(h["x-rate-limit-limit"]),
        int(h["x-rate-limit-remaining"]),
        int(h["x-rate-limit-reset"]),
    )


def test_41st_request_in_a_window_is_429_until_the_window_passes(
    api: httpx.Client, service: ShipStationService
) -> None:
    first = api.get("/stores")
    assert rate(first) == (40, 39, 60)
    service.clock.advance(20)  # Remaining and Reset count down together (reference §3)
    assert rate(api.get("/orders", params={"pageSize": 1})) == (40, 38, 40)
    for n in range(37, -1, -1):
        answer = api.get("/stores")
        assert answer.status_code == 200 and rate(answer)[1] == n
    refused = api.get("/stores")
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Requests"}
    assert rate(refused) == (40, 0, 40)
    bulk = api.post("/orders/createorders", json=[])
    assert bulk.status_code == 429  # refused requests do not extend the window
    service.clock.advance(39)
    assert rate(api.get("/stores")) == (40, 0, 1)
    service.clock.advance(1)
    recovered = api.get("/stores")
    assert recovered.status_code == 200 and rate(recovered) == (40, 39, 60)


def test_windows_are_per_key_and_ignore_admin_and_401(
    api: httpx.Client, service: ShipStationService
) -> None:
    base = service.base_url  # type: ignore[attr-defined]
    for _ in range(40):
        api.get("/stores")
    assert api.get("/stores").status_code == 429
    assert api.get("/_sandbox/settings").status_code == 200  # admin calls are never limited
    other = httpx.post(f"{base}/_sandbox/credentials").json()
    second = httpx.get(f"{base}/stores", auth=(other["apiKey"], other["apiSecret"]))
    assert second.status_code == 200 and rate(second)[1] == 39
    stranger = httpx.get(f"{base}/stores", auth=("someone", "else"))
    assert stranger.status_code == 401 and rate(stranger) == (40, 40, 60)
    service.core.reset()  # POST /_sandbox/reset clears every window
    assert rate(api.get("/stores"))[1] == 39


def test_limit_and_window_are_settings(api: httpx.Client, service: ShipStationService) -> None:
    api.patch(
        "/_sandbox/settings", json={"rate_limit_per_window": 2, "rate_limit_window_seconds": 10}
    )
    assert [api.get("/stores").status_code for _ in range(3)] == [200, 200, 429]
    service.clock.advance(10)
    assert api.get("/stores").status_code == 200


def test_one_bulk_call_uses_one_token(api: httpx.Client) -> None:
    body = [
        {
            "orderNumber": f"QB-rl-{n}",
            "orderKey": f"rl-{n}",
            "orderDate": "2026-04-01",
            "orderStatus": "awaiting_shipment",
            "billTo": {"name": "a"},
            "shipTo": {"name": "a"},
        }
        for n in range(50)
    ]
    answer = api.post("/orders/createorders", json=body)
    assert answer.status_code == 200 and rate(answer)[1] == 39


def test_injected_faults_look_like_shipstation(api: httpx.Client) -> None:
    api.post(
        "/_sandbox/faults",
        json=[
            {"kind": "status", "status": 500, "path": "/orders", "count": 1},
            {"kind": "status", "status": 502, "path": "/stores", "count": 1},
            {"kind": "throttle", "path": "/shipments", "count": 1},
            {"kind": "status", "status": 401, "path": "/fulfillments", "count": 1},
        ],
    )
    crashed = api.get("/orders")
    assert crashed.status_code == 500 and crashed.json()["Message"] == "An error has occurred."
    assert "x-rate-limit-remaining" in crashed.headers
    gateway = api.get("/stores")
    assert gateway.status_code == 502 and gateway.headers["content-type"].startswith("text/html")
    throttled = api.get("/shipments")
    assert throttled.status_code == 429 and throttled.json() == {"message": "Too Many Requests"}
    assert throttled.headers["x-rate-limit-remaining"] == "0"
    assert api.get("/fulfillments").status_code == 401
    assert api.get("/orders").status_code == 200  # each rule fired once
    stats = api.get("/_sandbox/stats").json()
    assert stats["routes"]["GET /orders"] == 2
