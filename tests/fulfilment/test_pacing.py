"""The read-back stays within ShipStation's budget (40 requests per window per key pair): paced
on the X-Rate-Limit headers it is never refused, so it sends each request once, and it waits for
the window when another app has used it up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from ledgerlink.fulfilment.readback import Summary
from ledgerlink_sandbox.shipstation.service import ShipStationService
from tests.fulfilment.conftest import map_invoice, mapping, stats
from tests.shipstation.conftest import order_payload

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
WINDOW = 3  # seconds: ShipStation's 60 scaled down, the limit kept at 40
ORDERS = 20  # 3 requests each: 60 requests, a window and a half


@pytest.fixture
def live_clock(service: ShipStationService, api: httpx.Client) -> Iterator[None]:
    service.clock.unfreeze()  # windows must pass in real time here
    api.patch("/_sandbox/settings",
              json={"rate_limit_per_window": 40, "rate_limit_window_seconds": WINDOW})  # fmt: skip
    yield
    service.clock.freeze(FROZEN)


def mapped_orders(api: httpx.Client, count: int) -> None:
    numbers = [f"QB-acme-{7000 + n}" for n in range(count)]
    answer = api.post("/orders/createorders", json=[order_payload(n) for n in numbers])
    for number, result in zip(numbers, answer.json()["results"], strict=True):
        map_invoice(f"7{number[-3:]}", number, result["orderId"], ordered=5)
    api.post("/_sandbox/reset", json={}).raise_for_status()  # stats and windows start at zero


def test_read_back_is_paced_within_the_window_and_never_refused(
    read_back: Callable[[], Summary], api: httpx.Client, live_clock: None
) -> None:
    mapped_orders(api, ORDERS)
    started = time.monotonic()
    summary = read_back()
    assert summary.orders_read == ORDERS
    # Never refused: each of the 3 requests per order was sent exactly once.
    assert summary.shipstation_requests == 3 * ORDERS == stats_total(api)
    assert time.monotonic() - started >= WINDOW - 1  # it waited for the next window
    assert mapping("7000")["fulfilment_checked_at"] is not None


def test_a_window_used_up_by_another_app_is_waited_out(
    read_back: Callable[[], Summary], api: httpx.Client, live_clock: None
) -> None:
    mapped_orders(api, 2)
    pair = api.get("/_sandbox/credentials").json()
    with httpx.Client(base_url=str(api.base_url), auth=(pair["apiKey"], pair["apiSecret"])) as app:
        while app.get("/stores").status_code != 429:  # another app on the same key pair
            pass
    summary = read_back()
    assert summary.orders_read == 2
    assert summary.shipstation_requests > 6  # the refused request was sent again after the reset
    assert stats(api)["GET /shipments"] == 2 and stats(api)["GET /fulfillments"] == 2


def stats_total(api: httpx.Client) -> int:
    return sum(stats(api).values())
