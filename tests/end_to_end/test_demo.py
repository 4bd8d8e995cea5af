"""The README's demo command: embedded PostgreSQL, the sandbox, real `meltano run` processes.

The expectations are relations, not a generator's counts: the raw tables hold exactly the ids the
demo seed's sandbox serves (built here in-process from the same seed), the printed counts are the
tables' counts, and an incremental run with nothing changed costs QuickBooks one CDC call."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from ledgerlink_sandbox.pipedrive.service import PipedriveService
from ledgerlink_sandbox.quickbooks.store import RealmStore
from ledgerlink_sandbox.sandbox import Sandbox
from tests import leakcheck

pytestmark = pytest.mark.root_project  # runs `meltano` in the repository's project

ROOT = Path(__file__).resolve().parents[2]
QUICKBOOKS_TABLES = {
    "customers": "Customer",
    "invoices": "Invoice",
    "items": "Item",
    "payments": "Payment",
    "terms": "Term",
}
PIPEDRIVE_TABLES = {"organizations": "organization", "persons": "person", "deals": "deal"}


def _sandbox_ids() -> dict[str, dict[str, set[str]]]:
    """The ids each list endpoint of the demo seed's sandbox serves, per raw table."""
    box = Sandbox(seed="demo")  # built, not served: the same generator the demo runs
    realm, pipedrive_service = box.qbo.store, box.services["pipedrive"]
    assert isinstance(realm, RealmStore) and isinstance(pipedrive_service, PipedriveService)
    books, store = realm.books, pipedrive_service.state.store
    pipedrive: dict[str, set[str]] = {}
    for table, entity in PIPEDRIVE_TABLES.items():
        rows = store.rows(entity)
        # Deleted deals stay listed for 30 days; archived deals live behind /deals/archived.
        hidden = "is_archived" if entity == "deal" else "is_deleted"
        pipedrive[table] = {str(r["id"]) for r in rows if not r[hidden]}
    return {
        "raw_quickbooks": {
            table: {str(key) for key in books.table(entity).rows}
            for table, entity in QUICKBOOKS_TABLES.items()
        },
        "raw_pipedrive": pipedrive,
    }


def _table_ids(conn: psycopg.Connection[tuple[object, ...]], schema: str, table: str) -> set[str]:
    column = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s AND lower(column_name) = 'id'",
        (schema, table),
    ).fetchone()
    assert column is not None, f"{schema}.{table} has no id column"
    query = sql.SQL("SELECT {}::text FROM {}.{}").format(
        sql.Identifier(str(column[0])), sql.Identifier(schema), sql.Identifier(table)
    )
    ids = [str(row[0]) for row in conn.execute(query)]
    assert len(ids) == len(set(ids)), f"{schema}.{table} holds a record twice"
    return set(ids)


def _printed_counts(out: str, tap: str, schema: str) -> dict[str, int]:
    found = re.search(rf"{tap} full sync: (.*) rows in {schema}\.\*; (\d+) API calls", out)
    assert found, out
    pairs = (part.rsplit(" ", 1) for part in found.group(1).split(", "))
    return {table: int(count) for table, count in pairs}


def test_demo_syncs_both_taps_into_raw_tables_on_the_embedded_defaults(tmp_path: Path) -> None:
    # A fresh project state folder (no database, no key file) but the repository's Meltano project.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env["LEDGERLINK_PROJECT_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "ledgerlink.cli"]
    try:
        done = subprocess.run(
            [*cli, "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        log = tmp_path / ".ledgerlink" / "logs" / "demo-meltano.log"
        leakcheck.record_output(
            done.stdout + done.stderr + (log.read_text() if log.exists() else "")
        )
        assert done.returncode == 0, done.stderr[-3000:]
        out = done.stdout
        assert "tap-quickbooks incremental run with nothing changed: 1 API call(s)" in out
        assert re.search(r"demo\s+quickbooks\s+\d+\s+active", out), out
        assert re.search(r"demo\s+pipedrive\s+\S+\s+active", out), out
        assert (tmp_path / ".ledgerlink" / "secret.key").stat().st_mode & 0o777 == 0o600
        url = subprocess.run(
            [*cli, "db", "url"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        expected = _sandbox_ids()
        printed = {
            "raw_quickbooks": _printed_counts(out, "tap-quickbooks", "raw_quickbooks"),
            "raw_pipedrive": _printed_counts(out, "tap-pipedrive", "raw_pipedrive"),
        }
        with psycopg.connect(url) as conn:
            for schema, tables in expected.items():
                for table, ids in tables.items():
                    assert ids, f"the demo seed serves no {table}"
                    assert _table_ids(conn, schema, table) == ids, f"{schema}.{table}"
                    assert printed[schema][table] == len(ids), f"printed count of {table}"
    finally:
        subprocess.run([*cli, "db", "stop"], env=env, capture_output=True, check=False)
