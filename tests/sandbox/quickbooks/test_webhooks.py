"""QBO webhooks: signature, payload formats, Intuit's retry schedule, per-realm ordering."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.framework import build_app, serve_in_thread
from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.service import ServiceCore
from ledgerlink_sandbox.quickbooks.webhooks import retry_delay, sign
from tests.sandbox.quickbooks.helpers import QboClient

VERIFIER = "webhook-verifier-token"
NAMES = itertools.count(1)


class Receiver:
    """A webhook endpoint answering with scripted statuses (200 once the script runs out)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        self.received.append({"body": body, "signature": request.headers.get("intuit-signature")})
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)


RECEIVER = Receiver()


@pytest.fixture(scope="module")
def receiver_url() -> Iterator[str]:
    """The scripted webhook endpoint, served for this module."""
    app = build_app(
        ServiceCore("receiver", Clock()), [Route("/hook", RECEIVER.hook, methods=["POST"])]
    )
    running = serve_in_thread(app)
    yield f"{running.url}/hook"
    running.stop()


@pytest.fixture(autouse=True)
def _reset(qbo: QboClient, receiver_url: str) -> None:
    qbo.reset()
    qbo.freeze()
    RECEIVER.received.clear()
    RECEIVER.statuses.clear()
    qbo.settings(webhook_url=receiver_url, webhook_verifier_token=VERIFIER)


@pytest.fixture
def token(qbo: QboClient) -> str:
    return str(qbo.connect()["access_token"])


def _create_customer(qbo: QboClient, token: str) -> str:
    body = {"DisplayName": f"Webhook Customer {next(NAMES)}"}
    response = qbo.api("POST", "/customer", token, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["Customer"]["Id"])


def _deliveries(qbo: QboClient) -> list[dict[str, Any]]:
    return list(qbo.http.get("/_sandbox/webhooks").json()["deliveries"])


def _wait(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the webhook emitter"
        time.sleep(0.02)


def _attempts(qbo: QboClient) -> int:
    return sum(len(d["attempts"]) for d in _deliveries(qbo))


def test_signature_matches_intuit_test_vector() -> None:
    assert sign("verify_me", b'{"stuff":"5"}') == "nfPLN16u3vMvv08ghDs+dOkLuirEVDy5wAeG/lmM2OA="


def test_retry_delays() -> None:
    delays = [retry_delay(n) for n in range(1, 11)]
    assert delays == [10, 20, 30, 300, 1200, 7200, 14400, 21600, 21600, 21600]


def test_legacy_payload_is_signed_and_retried_on_schedule(qbo: QboClient, token: str) -> None:
    RECEIVER.statuses[:] = [500, 503, 500]
    customer_id = _create_customer(qbo, token)
    _wait(lambda: _attempts(qbo) == 1)
    for step, expected in ((10, 2), (20, 3), (30, 4)):
        qbo.advance(step - 1)
        time.sleep(0.2)
        assert _attempts(qbo) == expected - 1  # not due yet
        qbo.advance(1)
        _wait(lambda expected=expected: _attempts(qbo) == expected)  # type: ignore[misc]
    (delivery,) = _deliveries(qbo)
    assert delivery["delivered"] is True
    stamps = [datetime.fromisoformat(a["at"]) for a in delivery["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
    assert gaps == [10, 20, 30]
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 500, 200]

    last = RECEIVER.received[-1]
    expected_signature = base64.b64encode(
        hmac.new(VERIFIER.encode(), last["body"], hashlib.sha256).digest()
    ).decode()
    assert last["signature"] == expected_signature
    payload = json.loads(last["body"])
    (notification,) = payload["eventNotifications"]
    assert notification["realmId"] == qbo.realm
    (entity,) = notification["dataChangeEvent"]["entities"]
    assert (entity["name"], entity["id"], entity["operation"]) == (
        "Customer",
        customer_id,
        "Create",
    )
    assert entity["lastUpdated"].endswith("Z")


def test_per_realm_order_holds_later_events_behind_a_failing_one(
    qbo: QboClient, token: str
) -> None:
    RECEIVER.statuses[:] = [500]
    first = _create_customer(qbo, token)
    _wait(lambda: _attempts(qbo) == 1)
    second = _create_customer(qbo, token)
    time.sleep(0.2)
    assert len(RECEIVER.received) == 1  # the second notification waits behind the first
    qbo.advance(10)
    _wait(lambda: len(RECEIVER.received) == 3)
    ids = [
        json.loads(r["body"])["eventNotifications"][0]["dataChangeEvent"]["entities"][0]["id"]
        for r in RECEIVER.received
    ]
    assert ids == [first, first, second]


def test_cloudevents_format(qbo: QboClient, token: str) -> None:
    qbo.settings(webhook_format="cloudevents")
    customer_id = _create_customer(qbo, token)
    _wait(lambda: len(RECEIVER.received) == 1)
    (event,) = json.loads(RECEIVER.received[0]["body"])
    assert event["specversion"] == "1.0"
    assert event["type"] == "qbo.customer.created.v1"
    assert (event["intuitentityid"], event["intuitaccountid"]) == (customer_id, qbo.realm)
    assert event["time"].endswith("Z") and event["data"] == {}


def test_compression_factor_speeds_up_retries_on_a_running_clock(
    qbo: QboClient, token: str
) -> None:
    qbo.http.post("/_sandbox/clock", json={"unfreeze": True})
    qbo.settings(webhook_retry_compression=1000.0)  # 10 s, 20 s -> 10 ms, 20 ms
    RECEIVER.statuses[:] = [500, 500]
    _create_customer(qbo, token)
    _wait(lambda: any(d["delivered"] for d in _deliveries(qbo)), timeout=3)
    assert len(RECEIVER.received) == 3


def test_no_url_means_no_delivery(qbo: QboClient, token: str) -> None:
    qbo.settings(webhook_url=None)
    _create_customer(qbo, token)
    assert qbo.http.post("/_sandbox/webhooks/pump").json() == {"attempts": 0}
    assert _deliveries(qbo) == []
