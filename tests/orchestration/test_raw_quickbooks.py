"""Materializing raw_quickbooks for a tenant partition runs a real `meltano run raw-quickbooks`.

One slow test on purpose: before it, a `meltano run` of the same job and tenant is killed, so
Meltano holds the lock of a dead run, as after a crash.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from ledgerlink import db, raw_copies
from ledgerlink_orchestration.assets.quickbooks import raw_quickbooks
from ledgerlink_orchestration.meltano import MeltanoResource
from ledgerlink_sandbox.quickbooks.store import RealmStore
from tests import leakcheck
from tests.orchestration.conftest import Box

pytestmark = pytest.mark.root_project  # runs `meltano` in the repository's project

TABLES = {
    "customers": "Customer",
    "invoices": "Invoice",
    "items": "Item",
    "payments": "Payment",
    "terms": "Term",
}
QUERY_ROUTE = "GET /v3/company/{realm}/query"
ROOT = Path(__file__).resolve().parents[2]


def _served_ids(box: Box) -> dict[str, set[str]]:
    """The ids of every row the sandbox holds, per raw table: what a full sync must load."""
    store = box.sandbox.qbo.store
    assert isinstance(store, RealmStore)  # the in-memory store the sandbox builds
    return {table: set(store.books.table(entity).rows) for table, entity in TABLES.items()}


def _crash_a_run(tenant: str) -> None:
    """Start `meltano run raw-quickbooks` for the tenant and kill it once it holds the lock."""
    env = os.environ | {
        "TAP_QUICKBOOKS_TENANT": tenant,
        "LEDGERLINK_SQLALCHEMY_URL": db.sqlalchemy_url(db.dsn()),
    }
    command = [str(Path(sys.executable).with_name("meltano")), "--log-format=json", "run"]
    process = subprocess.Popen(
        [*command, f"--state-id-suffix={tenant}", "raw-quickbooks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "Reading state from" in line:  # the run's row exists: Meltano's lock is taken
            break
    with contextlib.suppress(ProcessLookupError):  # it may have ended on its own (an error)
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_a_tenant_partition_fills_the_raw_tables_and_reports_each_stream(
    box: Box,
    clean_db: str,
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    box.connect_quickbooks("acme")
    for name, value in box.sandbox.env().items():
        monkeypatch.setenv(name, value)
    # A fresh Meltano system database: no bookmarks from earlier runs, a full sync.
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{tmp_path / 'meltano.db'}")
    instance.add_dynamic_partitions("tenants", ["acme"])
    _crash_a_run("acme")
    before = box.http.get("/_sandbox/stats").json()["routes"].get(QUERY_ROUTE, 0)
    served = _served_ids(box)

    result = dg.materialize(
        [raw_quickbooks],
        partition_key="acme",
        instance=instance,
        resources={"meltano": MeltanoResource()},
        raise_on_error=False,
    )
    leakcheck.record_output(caplog.text)

    assert result.success, [e.message for e in result.all_events if e.is_failure]
    log = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any("pipeline is already running" in line for line in log)
    assert any("no other Dagster run holds it: running again with --force" in line for line in log)
    metadata = {
        m.asset_key.path[-1]: {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("raw_quickbooks")
    }
    assert {s: m["records_loaded"] for s, m in metadata.items()} == {
        table: len(ids) for table, ids in served.items()
    }
    # Every entity of the demo company fits in one page: one query per stream, nothing more.
    assert {s: m["api_requests"] for s, m in metadata.items()} == dict.fromkeys(TABLES, 1)
    assert all(float(m["run_duration_seconds"]) > 0 for m in metadata.values())  # type: ignore[arg-type]
    stats = box.http.get("/_sandbox/stats").json()["routes"]
    assert stats.get(QUERY_ROUTE) - before == len(TABLES)
    with psycopg.connect(clean_db) as conn:
        for table, ids in served.items():
            query = sql.SQL('SELECT "Id" FROM {}.{}').format(
                sql.Identifier(raw_copies.schema("raw_quickbooks", "acme")), sql.Identifier(table)
            )
            assert sorted(str(row[0]) for row in conn.execute(query)) == sorted(ids), table
