"""README command 1 (`python3 tasks.py demo` → `ledgerlink demo` → the orchestration's main job)
on a fresh project state folder, against a sandbox served by the test so that what it served can
be compared with what the main job printed.

Every printed figure is checked against the store (the test's own queries) and the sandbox's data
(organizations in Pipedrive, orders and labels in ShipStation, invoices in QuickBooks, request
counters and Pipedrive tokens): relations, not a generator's counts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.pipedrive.service import PipedriveService
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.quickbooks.store import RealmStore
from ledgerlink_sandbox.sandbox import Sandbox
from ledgerlink_sandbox.shipstation.service import ShipStationService
from ledgerlink_sandbox.shipstation.settings import DEFAULT_API_SECRET
from tests import leakcheck

pytestmark = pytest.mark.root_project  # runs `meltano` in the repository's project

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SECONDS = 600  # the acceptance: the summary in under 10 minutes
NEW_CUSTOMER = "Larkspur Tea Roasters"
PROGRESS = re.compile(r"^(\d/5 | {4})")
LOG_LINE = re.compile(r" - dagster - |\b(DEBUG|INFO)\b")
FIGURE = re.compile(r"^ {4}(?P<label>\S.*?) {2,}(?P<n>\d+)(?: \((?P<own>\d+) of them .*\))?$")


def _free_base_port() -> int:
    """A port P with P, P+1 and P+2 free (the sandbox's three services)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base > 65000:
            continue
        try:
            for offset in (1, 2):
                with socket.socket() as other:
                    other.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no three consecutive free ports")


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, int]]:
    port = _free_base_port()
    with Sandbox(seed="demo").start(port=port) as box:
        yield box, port
        for service in ("quickbooks", "pipedrive"):  # every token issued: never printed
            issued = httpx.get(f"{box.url(service)}/_sandbox/oauth/issued").json()["issued"]
            leakcheck.add_issued({str(item["value"]) for item in issued})
        leakcheck.add_issued({DEFAULT_API_TOKEN, DEFAULT_API_SECRET, DEFAULT_CLIENT_SECRET})


def _summary(out: str) -> dict[str, tuple[int, int | None]]:
    block = out.split("4/5 summary", 1)[1].split("5/5 ", 1)[0]
    figures = {}
    for line in block.splitlines()[1:]:
        found = FIGURE.match(line)
        assert found, f"not a figure: {line!r}"
        own = found.group("own")
        figures[found.group("label")] = (int(found.group("n")), int(own) if own else None)
    return figures


def _count(conn: psycopg.Connection[dict[str, Any]], query: str) -> int:
    row = conn.execute(query, ("demo",)).fetchone()
    assert row is not None
    return int(row["n"])


@pytest.mark.timeout(BUDGET_SECONDS + 120)  # the subprocess's own budget, then the checks
def test_the_main_job_runs_everything_and_its_summary_matches_the_store_and_the_sandbox(
    served: tuple[Sandbox, int], tmp_path: Path
) -> None:
    box, port = served
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGERLINK_", "DAGSTER_"))}
    env |= {
        "LEDGERLINK_PROJECT_DIR": str(tmp_path),
        "LEDGERLINK_SANDBOX_PORT": str(port),
        "LEDGERLINK_SANDBOX_ATTACH": "1",
    }
    cli = [sys.executable, "-m", "ledgerlink.cli"]
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*cli, "demo"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUDGET_SECONDS,
        )
        seconds = time.monotonic() - started
        leakcheck.record_output(done.stdout + done.stderr)
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        out = done.stdout
        print(f"main job wall time: {seconds:.0f} s")
        assert seconds < BUDGET_SECONDS

        # What the sandbox served, read before this test asks it anything itself.
        stats = {n: box.services[n].core.stats.snapshot()["total"] for n in box.services}
        pipedrive = box.services["pipedrive"]
        shipstation = box.services["shipstation"]
        assert isinstance(pipedrive, PipedriveService)
        assert isinstance(shipstation, ShipStationService)
        tokens = pipedrive.state.limits.spent_total

        figures = _summary(out)
        for service in ("quickbooks", "pipedrive", "shipstation"):
            total, own = figures[f"API calls to {service}"]
            assert total == stats[service], service
            assert own is not None and 0 < own < total, service
        assert figures["Pipedrive tokens spent"][0] == tokens > 0

        # The story, each step through Dagster: one run per payment, the deal's two statuses.
        assert re.search(r"customers_sync → Pipedrive organization \d+ created", out), out
        assert re.search(r"sensor tick: 0 run \(waits for the payment\)", out), out
        assert re.search(
            r"sensor tick: 1 run → ShipStation order \d+ created; the same tick "
            r"again: 0 run",
            out,
        ), out
        assert re.search(r'part 1 of 2 shipped .* shows "1/2 Shipped"', out), out
        assert re.search(r'part 2 of 2 shipped .* shows "Shipped"', out), out
        assert "python3 tasks.py ui" in out
        # Only the main job's own progress and summary reach the terminal: no Dagster or library
        # log lines (the sensors' ticks are in their log file, the runs in the run history).
        strays = [line for line in out.splitlines() if line and not PROGRESS.match(line)]
        assert strays == [], strays
        assert not LOG_LINE.search(done.stderr), done.stderr[-2000:]

        url = subprocess.run(
            [*cli, "db", "url"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        _check_store_and_data(url, figures, box, pipedrive, shipstation)
        assert (tmp_path / ".ledgerlink" / "dagster" / "dagster.yaml").is_file()
    finally:
        subprocess.run([*cli, "db", "stop"], env=env, capture_output=True, check=False)


def _check_store_and_data(
    url: str,
    figures: dict[str, tuple[int, int | None]],
    box: Sandbox,
    pipedrive: PipedriveService,
    shipstation: ShipStationService,
) -> None:
    printed = {label: n for label, (n, _) in figures.items()}
    orgs = {int(r["id"]): r for r in pipedrive.state.store.rows("organization")}
    realm = box.qbo.store
    assert isinstance(realm, RealmStore)
    invoices = realm.books.table("Invoice").rows
    customers = realm.books.table("Customer").rows
    with psycopg.connect(url, row_factory=dict_row) as conn:
        created = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id FROM customer_org_map"
            " WHERE tenant = 'demo' AND state = 'linked' AND match_method = 'created'"
        ).fetchall()
        assert printed["organizations created"] == len(created) > 0
        for row in created:  # each one a Pipedrive organization named after its customer
            name = customers[str(row["qbo_customer_id"])]["DisplayName"]
            assert orgs[int(row["pipedrive_org_id"])]["name"] == name
        assert NEW_CUSTOMER in {
            customers[str(r["qbo_customer_id"])]["DisplayName"] for r in created
        }
        linked = conn.execute(
            "SELECT pipedrive_org_id FROM customer_org_map"
            " WHERE tenant = 'demo' AND state = 'linked' AND match_method <> 'created'"
        ).fetchall()
        assert printed["organizations linked (already in Pipedrive)"] == len(linked)
        assert all(int(r["pipedrive_org_id"]) in orgs for r in linked)
        assert printed["organizations updated"] == _count(
            conn,
            "SELECT count(DISTINCT target_key) AS n FROM sync_audit WHERE tenant = %s"
            " AND stream = 'customers' AND action = 'update' AND NOT dry_run",
        )
        ambiguous = conn.execute(
            "SELECT candidates FROM customer_org_map WHERE tenant = 'demo' AND state = 'ambiguous'"
        ).fetchall()
        assert printed["ambiguous names (left for a person)"] == len(ambiguous)
        for row in ambiguous:  # two or more organizations in Pipedrive fit the name
            assert len(row["candidates"]) >= 2
            assert all(int(c) in orgs for c in row["candidates"])
        deals = conn.execute(
            "SELECT pipedrive_deal_id, pipedrive_org_id FROM deal_map"
            " WHERE tenant = 'demo' AND unlinked_at IS NULL AND qbo_customer_id IS NOT NULL"
        ).fetchall()
        assert printed["deals linked to their customer's organization"] == len(deals) > 0
        deal_rows = {int(r["id"]): r for r in pipedrive.state.store.rows("deal")}
        for row in deals:
            assert deal_rows[int(row["pipedrive_deal_id"])]["org_id"] == row["pipedrive_org_id"]
        orders = conn.execute(
            "SELECT qbo_invoice_id, shipstation_order_id, shipments FROM invoice_order_map"
            " WHERE tenant = 'demo' AND state IN ('created', 'updated')"
        ).fetchall()
        assert printed["ShipStation orders created"] == len(orders) > 0
        assert {int(r["shipstation_order_id"]) for r in orders} <= set(shipstation.store.orders)
        pending = conn.execute(
            "SELECT qbo_invoice_id FROM pending_invoices"
            " WHERE tenant = 'demo' AND resolved_at IS NULL"
        ).fetchall()
        assert printed["invoices pending (waiting for payment)"] == len(pending)
        for row in pending:  # still unpaid in QuickBooks
            assert float(invoices[str(row["qbo_invoice_id"])]["Balance"]) > 0
        read_back = sum(len(r["shipments"]) for r in orders)
        assert printed["shipments read back"] == read_back >= 2
        ordered = {int(r["shipstation_order_id"]) for r in orders}
        labels = [
            s.data
            for s in shipstation.store.labels.values()
            if s.data["orderId"] in ordered and not s.data["voided"]
        ]
        assert read_back == len(labels)
