"""Framework building blocks: clock, limiter, settings registry, fault rules, admin over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink_sandbox.framework import (
    Clock,
    FaultRule,
    ServiceCore,
    SettingsRegistry,
    WindowLimiter,
    acquire_all,
    build_app,
    serve_in_thread,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class DemoSettings:
    page_cap: int = 500
    mode: Literal["a", "b"] = "a"
    ratio: float = 1.0
    url: str | None = None


CLOCK = Clock()
CORE = ServiceCore("demo", CLOCK)
DEMO_SETTINGS = DemoSettings()
CORE.settings.register(DEMO_SETTINGS)


async def item(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["id"]})


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A client of the demo service, served for this module."""
    running = serve_in_thread(
        build_app(CORE, [Route("/items/{id}", item, methods=["GET", "POST"])])
    )
    with httpx.Client(base_url=running.url, timeout=5) as client:
        yield client
    running.stop()


@pytest.fixture(autouse=True)
def _reset(http: httpx.Client) -> None:
    http.post("/_sandbox/reset", json={"settings": True, "clock": True})


def test_clock_freeze_advance_unfreeze() -> None:
    clock = Clock()
    assert clock.now().tzinfo is not None
    assert clock.freeze(T0) == T0
    time.sleep(0.01)
    assert clock.now() == T0
    assert clock.advance(90) == datetime(2026, 3, 1, 12, 1, 30, tzinfo=UTC)
    clock.unfreeze()
    assert (clock.now() - datetime(2026, 3, 1, 12, 1, 30, tzinfo=UTC)).total_seconds() < 1
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.freeze(datetime(2026, 1, 1))  # naive


@pytest.mark.parametrize("kind", ["fixed", "sliding"])
def test_window_limiter_crosses_windows_on_the_clock(kind: Literal["fixed", "sliding"]) -> None:
    clock = Clock()
    clock.freeze(T0)
    limiter = WindowLimiter(clock, 60, kind)
    assert all(limiter.try_acquire("realm", 3) for _ in range(3))
    assert not limiter.try_acquire("realm", 3)
    assert limiter.try_acquire("other", 3)
    clock.advance(60)
    assert limiter.try_acquire("realm", 3)


def test_sliding_window_is_not_aligned() -> None:
    clock = Clock()
    clock.freeze(T0)
    limiter = WindowLimiter(clock, 60, "sliding")
    clock.advance(50)
    assert limiter.try_acquire("k", 1)
    clock.advance(15)  # a fixed window would have rolled over at T0+60
    assert not limiter.try_acquire("k", 1)
    clock.advance(46)
    assert limiter.try_acquire("k", 1)


def test_acquire_all_consumes_nothing_when_one_refuses() -> None:
    clock = Clock()
    clock.freeze(T0)
    wide, narrow = WindowLimiter(clock, 60), WindowLimiter(clock, 1)
    assert acquire_all([(wide, "k", 5), (narrow, "k", 1)])
    assert not acquire_all([(wide, "k", 5), (narrow, "k", 1)])
    assert wide.used("k") == 1


def test_settings_registry_validates_before_applying() -> None:
    registry = SettingsRegistry()
    settings = DemoSettings()
    registry.register(settings)
    assert registry.patch({"page_cap": 10, "mode": "b", "ratio": 2, "url": None})["ratio"] == 2.0
    for bad in ({"nope": 1}, {"mode": "c"}, {"page_cap": "10"}, {"page_cap": True}):
        with pytest.raises(ValueError):
            registry.patch({"ratio": 9.0, **bad})
    assert settings.ratio == 2.0  # the valid half of a bad patch was not applied
    registry.restore_defaults()
    assert settings == DemoSettings()


def test_fault_rule_validation(http: httpx.Client) -> None:
    with pytest.raises(ValueError):
        FaultRule.from_json({"kind": "explode"})
    with pytest.raises(ValueError):
        FaultRule.from_json({"kind": "status", "status": 99})
    with pytest.raises(ValueError):
        FaultRule.from_json({"kind": "status", "count": 0})
    assert http.post("/_sandbox/faults", json={"kind": "nope"}).status_code == 400


def test_stats_count_route_templates_not_admin(http: httpx.Client) -> None:
    http.get("/items/1")
    http.get("/items/2")
    http.post("/items/3")
    http.get("/nowhere")
    http.get("/_sandbox/clock")
    stats = http.get("/_sandbox/stats").json()
    assert stats == {
        "total": 4,
        "routes": {"GET /items/{id}": 2, "POST /items/{id}": 1, "GET /nowhere": 1},
    }
    http.post("/_sandbox/reset")
    assert http.get("/_sandbox/stats").json() == {"total": 0, "routes": {}}


def test_status_fault_fires_count_times_with_skip(http: httpx.Client) -> None:
    rule = {
        "kind": "status",
        "status": 503,
        "path": "/items/*",
        "method": "GET",
        "count": 2,
        "skip": 1,
    }
    assert http.post("/_sandbox/faults", json=rule).status_code == 201
    codes = [http.get(f"/items/{i}").status_code for i in range(4)]
    assert codes == [200, 503, 503, 200]
    assert http.post("/items/1").status_code == 200  # method did not match
    assert http.get("/_sandbox/faults").json() == {"faults": []}


def test_fault_by_template_with_custom_body_and_clear(http: httpx.Client) -> None:
    rule = {
        "kind": "status",
        "status": 502,
        "path": "/items/{id}",
        "body": "<html>bad gateway",
        "content_type": "text/html",
    }
    http.post("/_sandbox/faults", json=rule)
    response = http.get("/items/9")
    assert (response.status_code, response.text) == (502, "<html>bad gateway")
    assert response.headers["content-type"].startswith("text/html")
    assert http.delete("/_sandbox/faults").json() == {"removed": 1}
    assert http.get("/items/9").status_code == 200


def test_reset_fault_resets_the_connection(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"kind": "reset", "path": "/items/*", "count": 1})
    with pytest.raises(httpx.TransportError):
        http.get("/items/1")
    assert http.get("/items/1").status_code == 200


def test_slow_fault_trips_client_timeout_then_serves(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"kind": "delay", "delay_seconds": 0.6, "count": 2})
    with pytest.raises(httpx.ReadTimeout):
        http.get("/items/1", timeout=0.2)
    started = time.monotonic()
    assert http.get("/items/1", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.5


def test_throttle_storm_uses_service_hook(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"kind": "throttle", "count": 3})
    assert [http.get("/items/1").status_code for _ in range(4)] == [429, 429, 429, 200]


def test_admin_clock_endpoints(http: httpx.Client) -> None:
    state = http.post("/_sandbox/clock", json={"freeze": "2026-03-01T12:00:00+00:00"}).json()
    assert state == {"now": "2026-03-01T12:00:00+00:00", "frozen": True}
    assert http.post("/_sandbox/clock", json={"advance": 30}).json()["now"].endswith("00:30+00:00")
    assert CLOCK.now() == datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    assert http.post("/_sandbox/clock", json={"unfreeze": True}).json()["frozen"] is False
    assert http.post("/_sandbox/clock", json={"advance": "x"}).status_code == 400
    assert http.post("/_sandbox/clock", json={}).status_code == 400


def test_admin_settings_endpoints(http: httpx.Client) -> None:
    assert http.get("/_sandbox/settings").json()["page_cap"] == 500
    assert http.patch("/_sandbox/settings", json={"page_cap": 7}).json()["page_cap"] == 7
    assert DEMO_SETTINGS.page_cap == 7
    assert http.patch("/_sandbox/settings", json={"mode": "z"}).status_code == 400
    http.post("/_sandbox/reset", json={"settings": True})
    assert DEMO_SETTINGS.page_cap == 500
