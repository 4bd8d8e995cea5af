"""`meltano run invoices-to-shipstation` end to end against the sandbox (QuickBooks → ShipStation),
through the installed plugins of the shared project copy (``world``): history held back, one
order per shippable invoice with lines and totals equal to it, a payment and a void followed, a
rerun that sends nothing, and SIGKILLs at random points that never duplicate or lose an order.

Here rather than in tests/target_shipstation/: the project copy with its installed plugins is a
session fixture of this folder, and a second install costs minutes.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest

from ledgerlink.shiprule import Release, ShipPolicy, term_name
from ledgerlink.tokens import TokenStore
from tests import leakcheck
from tests.plugins.conftest import TENANT, World, connect_all
from tests.target_shipstation import expect

JOB = "invoices-to-shipstation"
EARLY = "2000-01-01"
JSON = dict[str, Any]


@dataclass
class Ran:
    returncode: int
    output: str

    def report(self) -> str:
        lines = [line for line in self.output.splitlines() if "run report" in line]
        assert len(lines) == 1, self.output[-3000:]
        return lines[0]


def meltano_run(
    world: World,
    tenant: str,
    *,
    cutoff: str | None = None,
    full_refresh: bool = False,
    suffix: str | None = None,
    force: bool = False,
) -> Ran:
    done = subprocess.run(
        _command(world, suffix or tenant, full_refresh, force),
        cwd=world.project.root,
        env=_env(world, tenant, cutoff),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    leakcheck.record_output(output)
    assert done.returncode == 0, output[-3000:]
    return Ran(done.returncode, output)


def _command(world: World, suffix: str, full_refresh: bool, force: bool = False) -> list[str]:
    # --force after a killed run: Meltano still counts the killed one as running for minutes,
    # and no other run of the job is alive (the orchestration's rule, docs/operations.md).
    options = (["--full-refresh"] if full_refresh else []) + (["--force"] if force else [])
    return world.project.meltano("run", f"--state-id-suffix={suffix}", *options, JOB)


def _env(world: World, tenant: str, cutoff: str | None) -> dict[str, str]:
    env = world.project.env | {"LEDGERLINK_TENANT": tenant, "TAP_QUICKBOOKS_SETTLE_SECONDS": "0"}
    if cutoff:
        env["TARGET_SHIPSTATION_HISTORY_CUTOFF"] = cutoff
    return env


class Qbo:
    """The tenant's QuickBooks company through its API, as a person in QuickBooks would act."""

    def __init__(self, tenant: str) -> None:
        creds = TokenStore().credentials(tenant, "quickbooks")
        self.base = f"{creds.api_url}/v3/company/{creds.account_id}"
        self.headers = {**creds.headers(), "Accept": "application/json"}

    def query(self, entity: str) -> list[JSON]:
        rows: list[JSON] = []
        while True:
            start = len(rows) + 1
            statement = f"select * from {entity} startposition {start} maxresults 1000"  # noqa: S608
            answer = httpx.get(
                f"{self.base}/query", params={"query": statement}, headers=self.headers, timeout=30
            )
            answer.raise_for_status()
            page = answer.json()["QueryResponse"].get(entity) or []
            rows += page
            if len(page) < 1000:
                return rows

    def post(self, path: str, body: JSON, **params: str) -> JSON:
        answer = httpx.post(
            f"{self.base}/{path}", json=body, params=params, headers=self.headers, timeout=30
        )
        answer.raise_for_status()
        found: JSON = answer.json()
        return found

    def pay(self, invoice: JSON) -> None:
        balance = invoice["Balance"]
        self.post("payment", {
            "CustomerRef": invoice["CustomerRef"], "TotalAmt": balance,
            "Line": [{"Amount": balance,
                      "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        })  # fmt: skip

    def void(self, invoice: JSON) -> None:
        answer = httpx.get(f"{self.base}/invoice/{invoice['Id']}", headers=self.headers, timeout=30)
        answer.raise_for_status()
        token = answer.json()["Invoice"]["SyncToken"]  # the payment changed it
        self.post("invoice", {"Id": invoice["Id"], "SyncToken": token}, operation="void")


class ShipStation:
    def __init__(self, world: World) -> None:
        self.http = httpx.Client(base_url=world.sandbox.url("shipstation"), timeout=30)
        pair = self.http.get("/_sandbox/credentials").json()
        self.http.auth = (pair["apiKey"], pair["apiSecret"])

    def orders(self, tenant: str) -> list[JSON]:
        prefix = f"QB-{tenant}-"
        found: list[JSON] = []
        page = 1
        while True:
            answer = self.http.get(
                "/orders", params={"orderNumber": prefix, "pageSize": 500, "page": page}
            ).json()
            found += [o for o in answer["orders"] if o["orderNumber"].startswith(prefix)]
            if page >= answer["pages"]:
                return found
            page += 1

    def creates(self) -> int:
        routes: dict[str, int] = self.http.get("/_sandbox/stats").json()["routes"]
        return routes.get("POST /orders/createorders", 0)


def shippable(qbo: Qbo, tenant: str = TENANT) -> dict[str, JSON]:
    """Order number → invoice, for the invoices that become orders (see ``expect``)."""
    return expect.shippable(qbo.query("Invoice"), qbo.query("Term"), qbo.query("Item"), tenant)


def _rows(world: World, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(world.database_url) as conn:
        return list(conn.execute(sql, params).fetchall())


def _execute(world: World, sql: str, *params: Any) -> None:
    with psycopg.connect(world.database_url) as conn:
        conn.execute(sql, params)


@pytest.fixture(scope="module")
def ship(world: World) -> Iterator[ShipStation]:
    connect_all(world, TENANT)
    made = ShipStation(world)
    yield made
    made.http.close()


def _equal_to_invoice(order: JSON, invoice: JSON) -> None:
    assert Decimal(str(order["orderTotal"])) == Decimal(str(invoice["TotalAmt"])), order
    sold = sum(
        Decimal(str(line["SalesItemLineDetail"].get("Qty") or 1))
        for line in invoice["Line"]
        if line.get("DetailType") == "SalesItemLineDetail"
    )
    shipped = sum(Decimal(str(i["quantity"])) for i in order["items"] if not i.get("adjustment"))
    assert shipped <= sold and order["items"], order


@pytest.mark.timeout(1500)
def test_invoices_become_orders_exactly_once_and_follow_the_invoice(
    world: World, ship: ShipStation
) -> None:
    qbo = Qbo(TENANT)
    invoices = qbo.query("Invoice")

    # The default cutoff (the day ShipStation was connected: today) sends no history.
    first = meltano_run(world, TENANT, full_refresh=True)
    held = sum(1 for inv in invoices if inv["TxnDate"] < time.strftime("%Y-%m-%d"))
    assert f"{held} held back by the history cutoff" in first.report(), first.report()
    assert ship.orders(TENANT) == []

    # An earlier cutoff, deliberately, over the whole history (a full refresh re-reads it).
    expected = shippable(qbo)
    before = ship.creates()
    second = meltano_run(world, TENANT, cutoff=EARLY, full_refresh=True)
    made = ship.orders(TENANT)
    numbers = Counter(o["orderNumber"] for o in made)
    assert [n for n, count in numbers.items() if count > 1] == []  # never twice
    assert set(numbers) == set(expected), second.report()
    for order in made:
        _equal_to_invoice(order, expected[order["orderNumber"]])
    assert ship.creates() - before <= math.ceil(len(made) / 100)
    assert f"{len(made)} created" in second.report()

    # Nothing changed: nothing created or updated.
    before = ship.creates()
    third = meltano_run(world, TENANT, cutoff=EARLY)
    assert "0 created, 0 updated, 0 cancelled" in third.report(), third.report()
    assert ship.creates() == before

    # Paying a pending Due on receipt invoice creates its order.
    terms = {str(t["Id"]): t for t in qbo.query("Term")}
    policy = ShipPolicy()
    items = {str(i["Id"]): i for i in qbo.query("Item")}
    pending = [inv for inv in qbo.query("Invoice")
               if policy.release(inv, term_name(inv, terms)) is Release.WAIT
               and expect.has_goods(inv, items)]  # fmt: skip
    assert pending, "the seed has unpaid Due on receipt invoices"
    qbo.pay(pending[0])
    paid = meltano_run(world, TENANT, cutoff=EARLY)
    assert "1 created" in paid.report(), paid.report()
    number = f"QB-{TENANT}-{pending[0]['DocNumber']}"
    [order] = [o for o in ship.orders(TENANT) if o["orderNumber"] == number]
    assert order["orderStatus"] == "awaiting_shipment"

    # Voiding an ordered invoice cancels its order.
    qbo.void(pending[0])
    voided = meltano_run(world, TENANT, cutoff=EARLY)
    assert "1 cancelled" in voided.report(), voided.report()
    [order] = [o for o in ship.orders(TENANT) if o["orderNumber"] == number]
    assert order["orderStatus"] == "cancelled"


def _kill_runs(world: World, suffix: str, runs: int, rng: random.Random) -> None:
    for _ in range(runs):
        process = subprocess.Popen(
            _command(world, suffix, full_refresh=False, force=True),
            cwd=world.project.root,
            env=_env(world, TENANT, EARLY),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill reaches the plugins
        )
        time.sleep(rng.uniform(1.0, 12.0))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


def test_sigkill_at_random_points_never_duplicates_or_loses_an_order(
    world: World, ship: ShipStation, request: pytest.FixtureRequest
) -> None:
    # From nothing: the emulator's orders back to its seed, the tenant's rows gone, and a state
    # id of its own (one tenant = one QuickBooks company and one ShipStation account).
    ship.http.post("/_sandbox/reset", json={"data": True}).raise_for_status()
    for table in ("invoice_order_map", "pending_invoices", "sync_audit", "qbo_reference"):
        _execute(world, f"DELETE FROM {table} WHERE tenant = %s", TENANT)  # noqa: S608 - constant
    suffix = f"{TENANT}-killed"
    runs = 20 if request.config.getoption("--slow") else 3
    _kill_runs(world, suffix, runs, random.Random(runs))
    meltano_run(world, TENANT, cutoff=EARLY, suffix=suffix, force=True)  # then one that finishes
    made = Counter(o["orderNumber"] for o in ship.orders(TENANT))
    assert [n for n, count in made.items() if count > 1] == []  # never twice
    expected = set(shippable(Qbo(TENANT)))
    assert set(made) == expected  # none lost
    states = _rows(world, "SELECT state, count(*) FROM invoice_order_map WHERE tenant = %s"
                          " GROUP BY state", TENANT)  # fmt: skip
    assert dict(states) == {"created": len(expected)}
