"""The read-back's cost and pace, counted by the sandbox: a thousand open orders cost a few
account-wide listings (pages of 500), not three requests each; a later run costs one listing
per kind of change; paced on the X-Rate-Limit headers it is never refused, and it waits out a
window another app used up."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from ledgerlink import db
from ledgerlink.fulfilment.readback import Summary
from ledgerlink_sandbox.shipstation.service import ShipStationService
from tests.fulfilment.conftest import CUSTOMER, TENANT, mapping, ship, stats
from tests.shipstation.conftest import order_payload

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
MANY = 1001  # three pages of 500
WINDOW = 2  # seconds: ShipStation's 60 scaled down


@pytest.fixture
def live_clock(service: ShipStationService) -> Iterator[None]:
    service.clock.unfreeze()  # windows must pass in real time here
    yield
    service.clock.freeze(FROZEN)


def mapped_orders(api: httpx.Client, count: int, start: int = 7000) -> list[int]:
    """``count`` open orders (5 units each) and their mapping rows; stats start at zero."""
    numbers = [f"QB-acme-{start + n}" for n in range(count)]
    ids: list[int] = []
    for first in range(0, count, 100):
        batch = [order_payload(n) for n in numbers[first : first + 100]]
        for body in batch:
            body["items"] = [{"lineItemKey": "1", "sku": "WID", "name": "Widget",
                              "quantity": 5, "unitPrice": 5}]  # fmt: skip
        answer = api.post("/orders/createorders", json=batch)
        ids += [int(r["orderId"]) for r in answer.json()["results"]]
    with db.connection() as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, doc_number, order_key,"
            " order_number, shipstation_order_id, state, items_ordered, qbo_customer_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'created', 5, %s)",
            [(TENANT, n.rsplit("-", 1)[-1], n.rsplit("-", 1)[-1], f"qbo-9341-{n}", n, i, CUSTOMER)
             for n, i in zip(numbers, ids, strict=True)],
        )  # fmt: skip
    api.post("/_sandbox/reset", json={}).raise_for_status()  # stats and windows start at zero
    return ids


def test_many_open_orders_cost_pages_not_requests_per_order(
    read_back: Callable[[], Summary], api: httpx.Client, service: ShipStationService
) -> None:
    ids = mapped_orders(api, MANY)
    service.clock.advance(3 * 3600)  # the next run lists from now on ShipStation's clock
    first = read_back()
    assert first.orders_read == MANY and not first.missing
    # The tenant's orders by number prefix (3 pages), then labels and fulfillments since the
    # oldest of them: one page each.
    assert first.shipstation_requests == math.ceil(MANY / 500) + 2 == stats_total(api)
    assert mapping("7000")["fulfilment_label"] == "Awaiting Shipment"

    # News on a few orders, past the overlap: one listing per kind of change.
    service.clock.advance(3 * 3600)
    ship(api, ids[0], 5, carrierCode="ups")
    ship(api, ids[1], 2, carrierCode="fedex")
    voided = ship(api, ids[2], 1)
    api.post(f"/_sandbox/shipments/{voided['shipmentId']}/void").raise_for_status()
    api.post(f"/_sandbox/orders/{ids[3]}/cancel").raise_for_status()
    parts = {"parts": [{"items": [{"sku": "WID", "quantity": 2}]}]}
    [child] = api.post(f"/_sandbox/orders/{ids[4]}/split", json=parts).json()["children"]
    ship(api, child["orderId"], 2, carrierCode="usps")
    api.post("/_sandbox/reset", json={}).raise_for_status()

    second = read_back()
    # Orders modified, labels created, labels voided, fulfillments created; the Shipped order's
    # label lists no delivery date on this account (V1's default): no delivery listing.
    assert second.shipstation_requests == 4 == stats_total(api)
    assert second.states_changed == 4
    labels = [mapping(str(7000 + n))["fulfilment_label"] for n in range(5)]
    assert labels == ["Shipped", "2/5 Shipped", "Awaiting Shipment", "Cancelled", "2/5 Shipped"]
    assert mapping("7004")["shipments"][0]["order_number"] == "QB-acme-7004-1"

    again = read_back()  # nothing new: the same four listings, nothing changed
    assert (again.shipstation_requests, again.states_changed) == (4, 0)


def test_read_back_is_paced_within_the_window_and_never_refused(
    read_back: Callable[[], Summary], api: httpx.Client, live_clock: None
) -> None:
    mapped_orders(api, 3)
    api.patch("/_sandbox/settings",
              json={"rate_limit_per_window": 3, "rate_limit_window_seconds": WINDOW})  # fmt: skip
    started = time.monotonic()
    summary = read_back()
    assert summary.orders_read == 3
    # Never refused: each of the 3 requests was sent exactly once, the last in the next window.
    assert summary.shipstation_requests == 3 == stats_total(api)
    assert time.monotonic() - started >= WINDOW - 1
    assert mapping("7000")["fulfilment_checked_at"] is not None


def test_a_window_used_up_by_another_app_is_waited_out(
    read_back: Callable[[], Summary], api: httpx.Client, live_clock: None
) -> None:
    mapped_orders(api, 2)
    api.patch("/_sandbox/settings",
              json={"rate_limit_per_window": 40, "rate_limit_window_seconds": WINDOW})  # fmt: skip
    pair = api.get("/_sandbox/credentials").json()
    with httpx.Client(base_url=str(api.base_url), auth=(pair["apiKey"], pair["apiSecret"])) as app:
        while app.get("/stores").status_code != 429:  # another app on the same key pair
            pass
    summary = read_back()
    assert summary.orders_read == 2
    assert summary.shipstation_requests > 3  # the refused request was sent again after the reset
    assert stats(api)["GET /shipments"] == 1 and stats(api)["GET /fulfillments"] == 1


def stats_total(api: httpx.Client) -> int:
    return sum(stats(api).values())
