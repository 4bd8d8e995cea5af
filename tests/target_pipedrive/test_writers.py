"""Concurrent writers against a sandbox on the wall clock (its burst windows really roll): four
writers put more requests into each burst window than one writer can, never more than the
window allows and without drawing a 429, and every customer still gets exactly one
organization. Counted by the sandbox (its busiest window and its 429s), not timed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.limits import Reserve
from ledgerlink.retry import Backoff
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from target_pipedrive.mapping import MappingConfig
from target_pipedrive.organizations import OrganizationSync
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox, connect
from tests.target_pipedrive.conftest import customer

WINDOW_LIMIT = 16  # requests per 1 s window for this test's API token
LATENCY = 0.15  # seconds each create takes in the sandbox: one writer cannot fill the window
CUSTOMERS = 16


@pytest.fixture
def live(clean_db: str) -> Iterator[PipedriveSandbox]:
    sandbox = PipedriveSandbox(seed="target-pipedrive-writers", size="demo")
    sandbox.clock.unfreeze()
    connect(sandbox)
    sandbox.settings(burst_limits={"growth": [WINDOW_LIMIT, 64]}, burst_window_seconds=1.0)
    yield sandbox
    sandbox.close()


def _window(sandbox: PipedriveSandbox) -> dict[str, Any]:
    return dict(httpx.get(f"{sandbox.url}/_sandbox/tokens").json())


def _sync(writers: int, records: list[dict[str, Any]]) -> dict[str, int]:
    """``records`` through an OrganizationSync with ``writers`` writers; its actions."""
    client = PipedriveClient.for_tenant(TENANT, backoff=Backoff(base=0.05, cap=0.5))
    client.pace_for(writers)
    try:
        sync = OrganizationSync(
            client, TENANT, MappingConfig.parse(), run_id=f"w{writers}", writers=writers
        )
        return dict(sync.sync(records).actions)
    finally:
        client.close()


def test_four_writers_fill_the_burst_window_one_cannot_without_a_429(
    live: PipedriveSandbox,
) -> None:
    slow_creates = {
        "kind": "delay",
        "method": "POST",
        "path": "/api/v2/organizations",
        "delay_seconds": LATENCY,
    }
    # The custom fields are created (and stored) before the measured runs.
    assert _sync(1, [customer("9699", "Writer Warm-up")]) == {"create": 1}
    peaks: dict[int, int] = {}
    for writers, first in ((1, 9700), (4, 9800)):
        records = [customer(str(first + n), f"Writer Test {first + n}") for n in range(CUSTOMERS)]
        # Counts from zero (the reset also clears fault rules: the latency is set again).
        httpx.post(f"{live.url}/_sandbox/reset", json={"tokens": True}).raise_for_status()
        httpx.post(f"{live.url}/_sandbox/faults", json=slow_creates).raise_for_status()
        assert _sync(writers, records) == {"create": CUSTOMERS}
        window = _window(live)
        assert window["burst_refusals"] == 0, window  # paced, never refused
        assert window["peak_in_window"] <= WINDOW_LIMIT
        peaks[writers] = window["peak_in_window"]
    assert peaks[4] >= 1.4 * peaks[1], peaks  # more requests per window: more work done
    orgs = Counter(o["name"] for o in live.rows("organization") if not o["is_deleted"])
    created = {f"Writer Test {first + n}" for first in (9700, 9800) for n in range(CUSTOMERS)}
    assert all(orgs[name] == 1 for name in created)  # exactly one each
    with db.connection() as conn:
        linked = conn.execute(
            "SELECT count(*) AS n FROM customer_org_map WHERE state = 'linked'"
        ).fetchone()
    assert linked is not None and linked["n"] == 2 * CUSTOMERS + 1
    # The same counts for a client that does not pace itself: the window fills and refuses
    # (a 5 s window, so that a loaded machine still sends the burst inside one).
    httpx.post(f"{live.url}/_sandbox/reset", json={"tokens": True}).raise_for_status()
    live.settings(burst_limits={"growth": [WINDOW_LIMIT, 64]}, burst_window_seconds=5.0)
    token = {"x-api-token": DEFAULT_API_TOKEN}
    with httpx.Client(base_url=live.url, headers=token) as unpaced:
        codes = Counter(
            unpaced.get("/api/v1/users/me").status_code for _ in range(WINDOW_LIMIT + 4)
        )
    window = _window(live)
    assert codes[429] >= 1 and window["burst_refusals"] == codes[429]
    assert window["peak_in_window"] == WINDOW_LIMIT


def test_several_writers_stop_at_the_reserve_and_leave_it_untouched(
    pd: PipedriveSandbox,
) -> None:
    warm = _sync(1, [customer("9900", "Reserve Warm-up")])  # fields created and stored
    assert warm == {"create": 1}
    pages = len(pd.rows("organization")) // 500 + 1
    pd.set_remaining(1000 + 10 * pages + 4 * 5 + 3)  # the listing and four creates fit
    client = PipedriveClient.for_tenant(TENANT, reserve=Reserve(tokens=1000))
    client.pace_for(4)
    try:
        sync = OrganizationSync(client, TENANT, MappingConfig.parse(), run_id="r", writers=4)
        records = [customer(str(9901 + n), f"Reserve Test {n}") for n in range(12)]
        summary = sync.sync(records)
    finally:
        client.close()
    assert summary.stopped is not None
    # Four creates fit; an answer that comes back while others are in flight may already count
    # them (its balance header) as the client does, so the stop can come one create early.
    created = summary.actions["create"]
    assert set(summary.actions) == {"create"} and created in (3, 4)
    assert summary.left == 12 - created
    assert pd.tokens()["remaining"] >= 1000  # in-flight tokens counted: the reserve holds
