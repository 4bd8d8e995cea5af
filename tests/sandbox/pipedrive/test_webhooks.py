"""Webhooks v2: subscriptions, payload, HTTP Basic on delivery, retry schedule (compressed)."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.framework import RunningService, serve_in_thread
from tests.sandbox.pipedrive.harness import Harness


class Receiver:
    def __init__(self) -> None:
        self.calls: list[tuple[float, dict[str, Any], str]] = []
        self.statuses: list[int] = []  # answered in order, then 200

        async def hook(request: Request) -> Response:
            status = self.statuses.pop(0) if self.statuses else 200
            self.calls.append(
                (time.monotonic(), await request.json(), request.headers.get("authorization", ""))
            )
            return Response(status_code=status)

        self.running: RunningService = serve_in_thread(
            Starlette(routes=[Route("/hook", hook, methods=["POST"])])
        )

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.calls) >= count, self.calls


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    yield rx
    rx.running.stop()


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset(data=True)
    pd.settings(webhook_time_factor=0.01)


def subscribe(pd: Harness, rx: Receiver, **extra: Any) -> dict[str, Any]:
    body = {
        "subscription_url": f"{rx.running.url}/hook",
        "event_action": "*",
        "event_object": "organization",
        "name": "test hook",
        **extra,
    }
    response = pd.api.post("/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def test_create_change_delete_payloads_with_basic_auth(pd: Harness, receiver: Receiver) -> None:
    hook = subscribe(pd, receiver, http_auth_user="pd", http_auth_password="s3cret")
    assert hook["http_auth_password"] is None  # never echoed
    org = pd.api.post("/api/v2/organizations", json={"name": "Hooked"}).json()["data"]
    pd.api.patch(f"/api/v2/organizations/{org['id']}", json={"name": "Hooked 2"})
    pd.admin.delete(f"/_sandbox/records/organization/{org['id']}")
    receiver.wait(3)
    (_, created, auth), (_, changed, _), (_, deleted, _) = receiver.calls[:3]
    assert auth == "Basic " + base64.b64encode(b"pd:s3cret").decode()
    assert created["meta"]["action"] == "create" and created["previous"] is None
    assert created["meta"]["entity_id"] == str(org["id"]) and created["meta"]["version"] == "2.0"
    assert created["meta"]["change_source"] == "api" and created["meta"]["attempt"] == 1
    assert created["data"]["name"] == "Hooked"
    assert changed["meta"]["action"] == "change" and changed["previous"]["name"] == "Hooked"
    assert set(changed["previous"]) == {"name", "update_time"} or set(changed["previous"]) == {
        "name"
    }
    assert deleted["meta"]["action"] == "delete" and deleted["data"] is None
    assert deleted["meta"]["change_source"] == "app" and deleted["previous"]["name"] == "Hooked 2"
    listed = pd.api.get("/v1/webhooks").json()["data"]
    assert [h["id"] for h in listed] == [hook["id"]]
    assert pd.api.delete(f"/v1/webhooks/{hook['id']}").json() == {"status": "ok", "success": True}


def test_retry_schedule_3_30_150_seconds_compressed(pd: Harness, receiver: Receiver) -> None:
    subscribe(pd, receiver)
    receiver.statuses = [500, 500, 503, 500]
    pd.api.post("/api/v2/organizations", json={"name": "Retry Me"})
    receiver.wait(4)
    times = [t for t, _, _ in receiver.calls]
    attempts = [body["meta"]["attempt"] for _, body, _ in receiver.calls]
    assert attempts == [1, 2, 3, 4]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # factor 0.01: 0.03 s, 0.3 s, 1.5 s (scheduling adds a little)
    for gap, expected in zip(gaps, (0.03, 0.3, 1.5), strict=True):
        assert expected * 0.9 <= gap < expected + 0.25, gaps
    time.sleep(0.1)
    assert len(receiver.calls) == 4  # no fifth attempt
    log = pd.admin.get("/_sandbox/webhooks/deliveries").json()["deliveries"]
    assert [d["status"] for d in log] == [500, 500, 503, 500]


def test_filters_by_action_and_object(pd: Harness, receiver: Receiver) -> None:
    subscribe(pd, receiver, event_action="delete", event_object="deal")
    deal = pd.api.post("/api/v2/deals", json={"title": "Quiet"}).json()["data"]
    pd.api.post("/api/v2/organizations", json={"name": "Ignored"})
    pd.api.delete(f"/api/v2/deals/{deal['id']}")
    receiver.wait(1)
    time.sleep(0.05)
    assert [(b["meta"]["action"], b["meta"]["entity"]) for _, b, _ in receiver.calls] == [
        ("delete", "deal")
    ]


def test_bad_subscription_is_a_400_with_field_errors(pd: Harness) -> None:
    response = pd.api.post(
        "/v1/webhooks",
        json={
            "subscription_url": "ftp://x",
            "event_action": "*",
            "event_object": "organization",
            "name": "n",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": "error",
        "success": False,
        "errors": {"subscription_url": ["invalid or non-reachable URL"]},
    }
