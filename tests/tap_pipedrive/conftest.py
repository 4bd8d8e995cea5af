"""A Pipedrive sandbox on a frozen clock, a tenant connected to it, and the tap run in-process.

The clock is frozen so every mutation lands on a known second (the sandbox's burst limiter runs
on the same clock, so it is off here; the pacing tests use a live clock of their own).
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.framework import Clock, serve_in_thread
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.pipedrive.service import PipedriveService, build
from tap_pipedrive.tap import TapPipedrive
from tests import leakcheck

TENANT = "acme"
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class PipedriveSandbox:
    """One Pipedrive emulator driven through its admin routes (and its store, read-only)."""

    def __init__(self, seed: str = "tap-pipedrive", size: str = "small") -> None:
        self.clock = Clock()
        self.clock.freeze(START)
        self.service: PipedriveService = build(seed, size, self.clock)
        self.running = serve_in_thread(self.service.app)
        self.url = self.running.url
        self.admin = httpx.Client(base_url=self.url, timeout=30)

    def reset(self) -> None:
        body = {"data": True, "settings": True, "tokens": True}
        self.admin.post("/_sandbox/reset", json=body).raise_for_status()
        self.no_burst_limit()

    def no_burst_limit(self) -> None:
        """A frozen clock never rolls the 2 s window: no limit, and headers that never say the
        window is nearly used up (the tap would rightly pause on them)."""
        unlimited = {plan: [10**6, 10**6] for plan in ("lite", "growth", "premium", "ultimate")}
        self.settings(enforce_burst_limit=False, burst_limits=unlimited)

    def settings(self, **values: Any) -> None:
        self.admin.patch("/_sandbox/settings", json=values).raise_for_status()

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def now(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def tokens(self) -> dict[str, Any]:
        return dict(self.admin.get("/_sandbox/tokens").json())

    def set_remaining(self, remaining: int) -> None:
        self.admin.post("/_sandbox/tokens", json={"remaining": remaining}).raise_for_status()

    def change(self, entity: str, record_id: int, **values: Any) -> dict[str, Any]:
        answer = self.admin.patch(f"/_sandbox/records/{entity}/{record_id}", json=values)
        answer.raise_for_status()
        return dict(answer.json())

    def create(self, entity: str, **values: Any) -> dict[str, Any]:
        answer = self.admin.post(f"/_sandbox/records/{entity}", json=values)
        answer.raise_for_status()
        return dict(answer.json())

    def delete(self, entity: str, record_id: int) -> None:
        self.admin.delete(f"/_sandbox/records/{entity}/{record_id}").raise_for_status()

    def rows(self, entity: str) -> list[dict[str, Any]]:
        return self.service.state.store.rows(entity)

    def field_code(self, entity: str, name: str) -> str:
        return self.service.state.generated.field_codes[f"{entity}:{name}"]

    def expected_ids(self, entity: str) -> set[int]:
        """What the v2 list endpoints can show: live rows, plus deleted deals (30 days);
        archived deals live behind /deals/archived."""
        rows = self.rows(entity)
        if entity == "deal":
            return {r["id"] for r in rows if not r["is_archived"]}
        return {r["id"] for r in rows if not r["is_deleted"]}

    def close(self) -> None:
        self.admin.close()
        self.service.close()
        self.running.stop()


@pytest.fixture(scope="session")
def pd_sandbox() -> Iterator[PipedriveSandbox]:
    sandbox = PipedriveSandbox()
    yield sandbox
    leakcheck.add_issued({item.value for item in sandbox.service.state.oauth.issued})
    sandbox.close()


def connect(sandbox: PipedriveSandbox, tenant: str = TENANT) -> None:
    """What `ledgerlink connect pipedrive --api-token` stores."""
    leakcheck.add_issued({DEFAULT_API_TOKEN})
    TokenStore().save(
        tenant,
        "pipedrive",
        auth_kind="api_token",
        api_url=sandbox.url,
        account_id=sandbox.service.state.store.company.domain,
        secrets={"api_token": DEFAULT_API_TOKEN},
    )


@pytest.fixture
def pd(pd_sandbox: PipedriveSandbox, clean_db: str) -> PipedriveSandbox:
    """A fresh company (data regenerated at the frozen clock) and tenant ``acme`` connected."""
    pd_sandbox.clock.freeze(START)
    pd_sandbox.reset()
    connect(pd_sandbox)
    return pd_sandbox


@dataclass
class Run:
    messages: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    tap: TapPipedrive | None = None

    @property
    def state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def ids(self, stream: str) -> list[int]:
        return [r["id"] for r in self.records[stream]]


def run_tap(
    config: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> Run:
    """Sync in this process; returns the Singer messages it wrote."""
    tap = TapPipedrive(
        config={"tenant": TENANT, **(config or {})},
        state=state,
        catalog=catalog,
        parse_env_config=False,
    )
    out = io.StringIO()
    with redirect_stdout(out):
        tap.sync_all()
    messages = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    run = Run(messages, tap=tap)
    for message in messages:
        if message["type"] == "RECORD":
            run.records[message["stream"]].append(message["record"])
    return run
