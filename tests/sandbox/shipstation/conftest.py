"""One ShipStation emulator per test module on a frozen clock, reset before every test.

Each module sets `FROZEN` (the instant its tests run at) and may set `RESET_DATA = False` to keep
the data between tests (only settings, rate-limit windows and faults are reset then).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledgerlink_sandbox.framework import Clock, ResetOptions, serve_in_thread
from ledgerlink_sandbox.shipstation.service import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    ShipStationService,
)


@pytest.fixture(scope="module")
def service(request: pytest.FixtureRequest) -> Iterator[ShipStationService]:
    clock = Clock()
    clock.freeze(request.module.FROZEN)
    svc = ShipStationService("demo", "demo", clock)
    running = serve_in_thread(svc.app)
    svc.start()
    svc.base_url = running.url  # type: ignore[attr-defined]
    yield svc
    svc.close()
    running.stop()


@pytest.fixture
def api(service: ShipStationService, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    service.clock.freeze(request.module.FROZEN)
    data = getattr(request.module, "RESET_DATA", True)
    service.core.reset(ResetOptions(data=data, settings=True))
    base = service.base_url  # type: ignore[attr-defined]
    with httpx.Client(base_url=base, auth=(DEFAULT_API_KEY, DEFAULT_API_SECRET)) as client:
        yield client
