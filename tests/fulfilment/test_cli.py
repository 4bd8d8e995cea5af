"""`ledgerlink shipments refresh` as a user runs it: a summary line and exit 0, or one line
naming the problem and exit 1 (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import psycopg

from ledgerlink.tokens import TokenStore
from tests import leakcheck
from tests.fulfilment.conftest import create_order, deal_notes, link_deal, map_invoice, ship
from tests.tap_pipedrive.conftest import PipedriveSandbox

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
CLI = [sys.executable, "-m", "ledgerlink.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )
    leakcheck.record_output(done.stdout + done.stderr)
    return done


def test_refresh_prints_what_it_read_and_wrote(
    tenant: str, api: httpx.Client, pd: PipedriveSandbox
) -> None:
    order_id = create_order(api, "QB-acme-8001")
    map_invoice("801", "QB-acme-8001", order_id)
    link_deal(2)
    ship(api, order_id, 1, carrierCode="ups")

    done = run("shipments", "refresh", "--tenant", "acme")
    assert done.returncode == 0, done.stderr
    # Pipedrive: the note, the deal fields read, the status field created, then written.
    assert done.stdout == (
        "acme: 1 orders read, 1 states changed, 1 notes written, 1 deal fields updated;"
        " 3 ShipStation and 4 Pipedrive requests\n"
    )
    assert len(deal_notes(pd, 2)) == 1

    again = run("shipments", "refresh", "--all-tenants")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(
        "acme: 1 orders read, 0 states changed, 0 notes written, 0 deal fields updated;"
        " 4 ShipStation and 0 Pipedrive requests"
    )
    assert len(deal_notes(pd, 2)) == 1


def test_a_tenant_without_shipstation_is_one_line_and_exit_1(tenant: str) -> None:
    done = run("shipments", "refresh", "--tenant", "globex")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "globex" in line and "ledgerlink connect" in line
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_tenant_or_all_tenants_is_required(tenant: str) -> None:
    done = run("shipments", "refresh")
    assert done.returncode == 2 and "give --tenant T or --all-tenants" in done.stderr
    bad = run("shipments", "refresh", "--tenant", "Not A Tenant")
    assert bad.returncode == 2 and "is not a tenant name" in bad.stderr


def test_a_second_run_for_the_same_tenant_changes_nothing(
    tenant: str, api: httpx.Client, database_url: str
) -> None:
    order_id = create_order(api, "QB-acme-8002")
    map_invoice("802", "QB-acme-8002", order_id)
    with psycopg.connect(database_url, autocommit=True) as other:  # a run in another process
        other.execute("SELECT pg_advisory_lock(hashtextextended('ledgerlink.fulfilment:acme', 0))")
        done = run("shipments", "refresh", "--tenant", "acme")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: a fulfilment read-back of tenant 'acme' is already running in another process;"
        " this one changed nothing (run it again once that one has finished)"
    )
    assert run("shipments", "refresh", "--tenant", "acme").returncode == 0  # released


def test_all_tenants_goes_on_past_a_failing_tenant_and_exits_1(
    tenant: str, api: httpx.Client
) -> None:
    order_id = create_order(api, "QB-acme-8003")
    map_invoice("803", "QB-acme-8003", order_id)
    TokenStore().save("beta", "shipstation", auth_kind="api_key", api_url=str(api.base_url),
                      secrets={"api_key": "k" * 32, "api_secret": "s" * 32})  # fmt: skip
    with psycopg.connect(os.environ["LEDGERLINK_DATABASE_URL"], autocommit=True) as conn:
        conn.execute(  # beta has an order to read, and a key pair ShipStation refuses
            "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, order_key, order_number,"
            " state) VALUES ('beta', '1', 'k1', 'QB-beta-1', 'created')"
        )
    done = run("shipments", "refresh", "--all-tenants")
    assert done.returncode == 1
    assert done.stdout.startswith("acme: 1 orders read")
    [line] = done.stderr.strip().splitlines()
    assert (
        line.startswith("error: beta: ") and "ledgerlink connect shipstation --tenant beta" in line
    )
    assert "k" * 32 not in done.stderr + done.stdout
