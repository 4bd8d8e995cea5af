"""Running tap-quickbooks in-process against a sandbox and reading what it emitted."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerlink.sandbox.sandbox import Sandbox
from ledgerlink.tokens import TokenStore
from tap_quickbooks.tap import TapQuickBooks
from tests.core.conftest import QboSandbox

TENANT = "acme"
STREAMS = ("customers", "invoices", "payments", "items", "terms")
ENTITY = {
    "customers": "Customer",
    "invoices": "Invoice",
    "payments": "Payment",
    "items": "Item",
    "terms": "Term",
}
QUERY_ROUTE = "GET /v3/company/{realm}/query"
CDC_ROUTE = "GET /v3/company/{realm}/cdc"


@dataclass
class Run:
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    states: int = 0

    def ids(self, stream: str) -> list[str]:
        return [r["Id"] for r in self.records.get(stream, [])]

    def count(self) -> dict[str, int]:
        return {s: len(self.records.get(s, [])) for s in STREAMS}


class Qbo(QboSandbox):
    """The QBO sandbox plus what the tap tests need: config, runs, stats, data access."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox)

    def config(self, **extra: Any) -> dict[str, Any]:
        return {
            "tenant": TENANT,
            "api_url": self.url,
            "realm_id": self.realm,
            "start_date": "2000-01-01T00:00:00Z",
            "backoff_base_seconds": 0.01,
            "throttle_wait_seconds": 0.05,
            **extra,
        }

    def connect_tenant(self) -> None:
        self.connect(TokenStore(), TENANT)

    def run(self, state: dict[str, Any] | None = None, **extra: Any) -> Run:
        tap = TapQuickBooks(
            config=self.config(**extra), state=state or {}, parse_env_config=False
        )
        out = io.StringIO()
        with redirect_stdout(out):
            tap.sync_all()
        run = Run()
        for line in out.getvalue().splitlines():
            message = json.loads(line)
            if message["type"] == "RECORD":
                run.records.setdefault(message["stream"], []).append(message["record"])
            elif message["type"] == "STATE":
                run.state = message["value"]
                run.states += 1
        return run

    def stats(self) -> dict[str, int]:
        return dict(self.http.get("/_sandbox/stats").json()["routes"])

    def reset_stats(self) -> None:
        self.http.post("/_sandbox/reset", json={}).raise_for_status()

    def reset_data(self) -> None:
        body = {"data": True, "settings": True, "tokens": False, "clock": False}
        self.http.post("/_sandbox/reset", json=body).raise_for_status()

    def fault(self, **rule: Any) -> None:
        self.http.post("/_sandbox/faults", json=rule).raise_for_status()

    def advance(self, seconds: float) -> None:
        self.sandbox.clock.advance(seconds)

    def rows(self, entity: str) -> dict[str, dict[str, Any]]:
        """Every stored row of an entity (the truth a full sync must reproduce)."""
        with self.sandbox.qbo.lock:
            table = self.sandbox.qbo.store.books.table(entity)  # type: ignore[attr-defined]
            return dict(table.rows)

    def write(self, entity: str, body: dict[str, Any], operation: str | None = None) -> Any:
        with self.sandbox.qbo.lock:
            return self.sandbox.qbo.store.write(
                entity, body, operation=operation, include=set(), request_id=None
            )


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30)
