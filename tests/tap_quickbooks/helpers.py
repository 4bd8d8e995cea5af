"""Running tap-quickbooks in-process against a sandbox and reading what it emitted."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerlink.quickbooks import query as q
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.quickbooks.store import RealmStore
from ledgerlink_sandbox.sandbox import Sandbox
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

    def run(
        self, state: dict[str, Any] | None = None, select: list[str] | None = None, **extra: Any
    ) -> Run:
        config = self.config(**extra)
        catalog = None
        if select is not None:
            catalog = TapQuickBooks(config=config, parse_env_config=False).catalog_dict
            for entry in catalog["streams"]:
                for meta in entry["metadata"]:
                    if meta["breadcrumb"] == []:
                        meta["metadata"]["selected"] = entry["tap_stream_id"] in select
        tap = TapQuickBooks(
            config=config, state=state or {}, catalog=catalog, parse_env_config=False
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
            store = self.sandbox.qbo.store
            assert isinstance(store, RealmStore)  # the in-memory store the sandbox builds
            return dict(store.books.table(entity).rows)

    def write(
        self, entity: str, body: dict[str, Any], operation: str | None = None
    ) -> dict[str, Any]:
        with self.sandbox.qbo.lock:
            return self.sandbox.qbo.store.write(
                entity, body, operation=operation, include=set(), request_id=None
            )


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30)


class Mutations:
    """Business changes made straight in the sandbox store (no API quota used)."""

    def __init__(self, qbo: Qbo) -> None:
        self.qbo = qbo
        self.serial = 0

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def _pick(self, entity: str, test: Any = None, index: int = 0) -> dict[str, Any] | None:
        rows = [r for r in self.qbo.rows(entity).values() if test is None or test(r)]
        rows.sort(key=lambda r: int(r["Id"]))
        return rows[index % len(rows)] if rows else None

    def create_customer(self, index: int = 0) -> dict[str, Any]:
        return self.qbo.write("Customer", {"DisplayName": f"Tap Test Co {self._next()}"})

    def update_customer(self, index: int = 0) -> dict[str, Any] | None:
        row = self._pick("Customer", lambda r: r.get("Active", True), index)
        if row is None:
            return None
        body = {
            "Id": row["Id"],
            "SyncToken": row["SyncToken"],
            "sparse": True,
            "CompanyName": f"Renamed {self._next()}",
        }
        return self.qbo.write("Customer", body)

    def deactivate_customer(self, index: int = 0) -> dict[str, Any] | None:
        row = self._pick(
            "Customer",
            lambda r: (
                r.get("Active", True)
                and not r.get("Balance")
                and not r.get("Job")
                and not r.get("BalanceWithJobs")
            ),
            index,
        )
        if row is None:
            return None
        body = {"Id": row["Id"], "SyncToken": row["SyncToken"], "sparse": True, "Active": False}
        return self.qbo.write("Customer", body)

    def create_invoice(self, index: int = 0, amount: int = 100) -> dict[str, Any] | None:
        customer = self._pick("Customer", lambda r: r.get("Active", True), index)
        if customer is None:
            return None
        line = {
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": amount},
        }
        return self.qbo.write("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})

    def _open_invoice(self, index: int) -> dict[str, Any] | None:
        return self._pick("Invoice", lambda r: float(r.get("Balance", 0)) > 0, index)

    def pay_invoice(self, index: int = 0) -> dict[str, Any] | None:
        # QBO refuses a payment from a deactivated customer (610), as a person paying would be.
        active = {r["Id"] for r in self.qbo.rows("Customer").values() if r.get("Active", True)}
        invoice = self._pick(
            "Invoice",
            lambda r: float(r.get("Balance", 0)) > 0 and r["CustomerRef"]["value"] in active,
            index,
        )
        if invoice is None:
            return None
        amount = invoice["Balance"]
        body = {
            "CustomerRef": {"value": invoice["CustomerRef"]["value"]},
            "TotalAmt": amount,
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        }
        return self.qbo.write("Payment", body)

    def void_invoice(self, index: int = 0) -> dict[str, Any] | None:
        invoice = self._open_invoice(index)
        if invoice is None:
            return None
        body = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}
        return self.qbo.write("Invoice", body, operation="void")

    def delete_invoice(self, index: int = 0) -> dict[str, Any] | None:
        invoice = self._pick("Invoice", None, index)
        if invoice is None:
            return None
        body = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}
        return self.qbo.write("Invoice", body, operation="delete")

    def delete_payment(self, index: int = 0) -> dict[str, Any] | None:
        payment = self._pick("Payment", None, index)
        if payment is None:
            return None
        body = {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}
        return self.qbo.write("Payment", body, operation="delete")

    def update_item(self, index: int = 0) -> dict[str, Any] | None:
        item = self._pick("Item", None, index)
        if item is None:
            return None
        body = {
            "Id": item["Id"],
            "SyncToken": item["SyncToken"],
            "sparse": True,
            "Description": f"Changed {self._next()}",
        }
        return self.qbo.write("Item", body)


def apply(records: dict[str, dict[str, Any]], run: Run, stream: str) -> None:
    """Fold one run's records of a stream into an Id → record map (tombstones remove)."""
    for record in run.records.get(stream, []):
        if record.get("status") == "Deleted":
            records.pop(record["Id"], None)
        else:
            records[record["Id"]] = record


def key(record: dict[str, Any]) -> tuple[str, str, str]:
    return (record["Id"], record.get("SyncToken", ""), record["updated_at"])


def key_of(row: dict[str, Any]) -> tuple[str, str, str]:
    stamp = q.utc_iso(q.parse_time(row["MetaData"]["LastUpdatedTime"]))
    return (row["Id"], row["SyncToken"], stamp)


def snapshot(qbo: Qbo) -> dict[str, dict[str, tuple[str, str, str]]]:
    return {s: {i: key_of(r) for i, r in qbo.rows(ENTITY[s]).items()} for s in STREAMS}


def assert_changes(before: dict[str, dict[str, tuple[str, str, str]]], run: Run, qbo: Qbo) -> None:
    """The run emitted every changed row once, a tombstone per deletion, and nothing else."""
    for stream in STREAMS:
        rows = qbo.rows(ENTITY[stream])
        changed = {i for i, row in rows.items() if before[stream].get(i) != key_of(row)}
        deleted = set(before[stream]) - set(rows)
        emitted = run.records.get(stream, [])
        ids = [r["Id"] for r in emitted]
        assert len(ids) == len(set(ids)), f"{stream}: duplicates"
        live = {r["Id"] for r in emitted if r.get("status") != "Deleted"}
        tombstones = {r["Id"] for r in emitted if r.get("status") == "Deleted"}
        assert live == changed, (stream, sorted(live ^ changed)[:10])
        assert tombstones == deleted, (stream, sorted(tombstones ^ deleted)[:10])
        assert all(r["_sdc_deleted_at"] for r in emitted if r.get("status") == "Deleted")
        for record in emitted:
            if record["Id"] in rows:
                assert key(record) == key_of(rows[record["Id"]]), (stream, record["Id"])


def assert_exact(run: Run, qbo: Qbo) -> None:
    """A full sync: every stored row once, as stored."""
    assert_changes({s: {} for s in STREAMS}, run, qbo)
