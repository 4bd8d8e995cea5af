"""A real backfill of raw-quickbooks leaves the tenant's incremental state as it was.

Slow (a real `meltano run`, a minute or more on a small machine): run with `--slow`. The command
line and variables of every backfill are checked quickly in test_backfills.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from ledgerlink import db
from ledgerlink_orchestration.assets.backfills import BACKFILLS
from ledgerlink_orchestration.meltano import MeltanoResource
from tests.orchestration.conftest import Box

pytestmark = pytest.mark.root_project  # runs `meltano` in the repository's project

ROOT = Path(__file__).resolve().parents[2]
STATE_ID = "sandbox:tap-quickbooks-to-target-postgres:acme"
BOOKMARKS = {
    "singer_state": {
        "bookmarks": {
            "customers": {
                "replication_key": "updated_at",
                "replication_key_value": "2026-11-26T00:00:00+00:00",
            }
        }
    }
}


def _meltano(*args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("meltano")), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


@pytest.mark.slow
def test_a_backfill_reapplies_its_range_and_leaves_the_bookmarks_alone(
    box: Box,
    clean_db: str,
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    box.connect_quickbooks("acme")
    for name, value in box.sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{tmp_path / 'meltano.db'}")
    monkeypatch.setenv("LEDGERLINK_SQLALCHEMY_URL", db.sqlalchemy_url(db.dsn()))
    with psycopg.connect(clean_db, autocommit=True) as conn:  # no rows of earlier raw copies
        conn.execute('DROP SCHEMA IF EXISTS "raw_quickbooks_acme" CASCADE')
    _meltano("state", "set", "--force", STATE_ID, json.dumps(BOOKMARKS))
    instance.add_dynamic_partitions("tenants", ["acme"])
    [backfill] = [a for a in BACKFILLS if a.key.path == ["backfill", "raw_quickbooks"]]

    result = dg.materialize(
        [backfill],
        instance=instance,
        resources={"meltano": MeltanoResource()},
        tags={
            "dagster/asset_partition_range_start": "2026-11-01|acme",
            "dagster/asset_partition_range_end": "2026-11-20|acme",
        },
        raise_on_error=False,
    )

    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert json.loads(_meltano("state", "get", STATE_ID)) == BOOKMARKS
    assert _meltano("state", "list").split() == [STATE_ID]  # the backfill wrote no state
    with psycopg.connect(clean_db) as conn:
        stamps = [r[0] for r in conn.execute("SELECT updated_at FROM raw_quickbooks_acme.invoices")]
    assert stamps, "the range holds invoices of the demo company"
    assert all("2026-11-01" <= str(s)[:10] <= "2026-11-20" for s in stamps), sorted(stamps)[-3:]
