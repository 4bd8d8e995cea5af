"""The Dagster instance configurations: local (repository root) and production (PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import pytest
import yaml
from psycopg.conninfo import make_conninfo

from ledgerlink import db
from ledgerlink_orchestration.jobs import TENANT_JOBS

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "dagster.yaml"
PRODUCTION = ROOT / "orchestration" / "deploy" / "dagster.yaml"
SHARED = ("concurrency", "run_retries", "run_monitoring", "telemetry")


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_both_instances_share_the_queue_retries_and_monitoring() -> None:
    local, production = _load(LOCAL), _load(PRODUCTION)
    assert {k: local[k] for k in SHARED} == {k: production[k] for k in SHARED}
    limits = {
        entry["key"]: entry for entry in local["concurrency"]["runs"]["tag_concurrency_limits"]
    }
    # One limit per lock tag a tenant job carries (Meltano jobs, the shipment read-back), one
    # run per tenant (the value of the tag).
    locks = {lock for tenant_job in TENANT_JOBS for lock in tenant_job.locks}
    assert "meltano/invoices-to-shipstation" in locks
    for lock in locks:
        assert limits[lock]["value"] == {"applyLimitPerUniqueValue": True}
        assert limits[lock]["limit"] == 1


@pytest.fixture
def dagster_database(database_url: str) -> Iterator[str]:
    """A database of its own on the test server, as a psycopg2 URL for dagster-postgres."""
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db.sqlalchemy_url(make_conninfo(database_url, dbname=name))
    yield url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_production_instance_keeps_runs_in_postgresql(
    dagster_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _load(PRODUCTION)
    config["compute_logs"]["config"]["base_dir"] = str(tmp_path / "logs")
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DAGSTER_PG_URL", dagster_database)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert instance.run_coordinator is not None
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        instance.add_dynamic_partitions("tenants", ["acme"])
        assert instance.get_dynamic_partitions("tenants") == ["acme"]
    with psycopg.connect(dagster_database) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
    assert {"runs", "event_logs", "dynamic_partitions", "job_ticks"} <= tables
