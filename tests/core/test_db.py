"""The store: migrations, constraints that make duplicates impossible, the embedded default."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from ledgerlink.db import migrations

pytestmark = pytest.mark.store

TABLES = {
    "connections",
    "customer_org_map",
    "deal_map",
    "pending_invoices",
    "invoice_order_map",
    "sync_audit",
}


def _fresh_database(url: str) -> str:
    name = f"ll_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(url, dbname=name)


def _upgrade(url: str) -> int:
    return len(migrations.upgrade(url))


def test_upgrade_is_idempotent_and_safe_when_processes_race(clean_db: str) -> None:
    fresh = _fresh_database(clean_db)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        applied = pool.map(_upgrade, [fresh] * 3)
    # Exactly one process applied each migration; the others found it done.
    assert sorted(applied) == [0, 0, len(migrations.available())]
    assert migrations.upgrade(fresh) == []
    with psycopg.connect(fresh) as conn:
        names = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
        versions = conn.execute("SELECT count(*) FROM ledgerlink_migrations").fetchone()
    assert names >= TABLES
    assert versions == (len(migrations.available()),)


def test_one_organization_per_customer_and_one_customer_per_organization(clean_db: str) -> None:
    insert = (
        "INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id, match_method)"
        " VALUES (%s, %s, %s, %s)"
    )
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute(insert, ("acme", "58", 1001, "created"))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ("acme", "58", 1002, "created"))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ("acme", "59", 1001, "name"))
        conn.execute(insert, ("other-tenant", "58", 1001, "created"))  # tenants are separate
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(insert, ("acme", "60", 1003, "guessed"))


def test_one_order_per_invoice_and_per_order_key(clean_db: str) -> None:
    insert = (
        "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, doc_number, order_key)"
        " VALUES (%s, %s, %s, %s)"
    )
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute(insert, ("acme", "130", "1037", "QB-acme-1037"))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ("acme", "131", "1037", "QB-acme-1037"))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ("acme", "130", "1038", "QB-acme-1038"))


@pytest.mark.parametrize("tenant", ["", "Acme", "a b", "x" * 64, "-lead"])
def test_tenant_names_are_checked(clean_db: str, tenant: str) -> None:
    with psycopg.connect(clean_db) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO deal_map (tenant, pipedrive_deal_id) VALUES (%s, %s)", (tenant, 1)
        )


def test_embedded_default_starts_on_first_use_and_psql_sees_the_tables(tmp_path: Path) -> None:
    """With no LEDGERLINK_DATABASE_URL, the CLI starts a server under .ledgerlink/ by itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env["LEDGERLINK_PROJECT_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "ledgerlink.cli"]
    try:
        upgrade = subprocess.run(
            [*cli, "db", "upgrade"], env=env, capture_output=True, text=True, check=True
        )
        assert "schema at version" in upgrade.stdout
        url = subprocess.run(
            [*cli, "db", "url"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        assert str(tmp_path / ".ledgerlink") in url
        listing = subprocess.run(
            ["psql", url, "-c", r"\dt"], capture_output=True, text=True, check=True
        ).stdout
        assert all(table in listing for table in TABLES)
    finally:
        subprocess.run([*cli, "db", "stop"], env=env, capture_output=True, check=False)


def test_processes_that_start_the_embedded_server_at_once_all_get_it(tmp_path: Path) -> None:
    """The first use on a fresh machine is often several processes at once (test workers, a tap
    and its target): each must get the server and the database, none an error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env["LEDGERLINK_PROJECT_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "ledgerlink.cli"]
    starts = [
        subprocess.Popen(
            [*cli, "db", "url"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    try:
        answers = [start.communicate(timeout=120) for start in starts]
        assert [start.returncode for start in starts] == [0, 0, 0], [e for _, e in answers]
        (url,) = {out.strip() for out, _ in answers}
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("ledgerlink",)
    finally:
        subprocess.run([*cli, "db", "stop"], env=env, capture_output=True, check=False)
