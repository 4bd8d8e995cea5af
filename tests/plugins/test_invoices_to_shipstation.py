"""`meltano run invoices-to-shipstation` end to end against the sandbox (QuickBooks → ShipStation),
through the installed plugins of the shared project copy (``world``): on the ``small`` seed
(3,000 invoices) history held back, one order per shippable invoice with lines and totals equal
to it, a rerun that sends nothing, a payment and a void followed, and the read-back of every open
order in a few account-wide listings; on ``demo``, SIGKILLs at random points that never
duplicate or lose an order.

Here rather than in tests/target_shipstation/: the project copy with its installed plugins is a
session fixture of this folder, and a second install costs minutes.
"""

from __future__ import annotations

import contextlib
import json
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

from ledgerlink.fulfilment.readback import refresh
from ledgerlink.shiprule import Release, ShipPolicy, term_name
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.sandbox import Sandbox
from ledgerlink_sandbox.shipstation.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests import leakcheck
from tests.core.conftest import QboSandbox
from tests.plugins.conftest import TENANT, World, connect_all
from tests.target_shipstation import expect

JOB = "invoices-to-shipstation"
BULK = "bulk"  # the tenant of the small seed
EARLY = "2000-01-01"
JSON = dict[str, Any]


@dataclass
class Ran:
    returncode: int
    output: str

    def report(self) -> str:
        """The target's run report (the event of Meltano's JSON log line)."""
        lines = [line for line in self.output.splitlines() if "run report" in line]
        assert len(lines) == 1, self.output[-3000:]
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return str(json.loads(lines[0])["event"])
        return lines[0]


def meltano_run(
    world: World,
    tenant: str,
    *,
    cutoff: str | None = None,
    full_refresh: bool = False,
    suffix: str | None = None,
    force: bool = False,
    sandbox: dict[str, str] | None = None,
) -> Ran:
    done = subprocess.run(
        _command(world, suffix or tenant, full_refresh, force),
        cwd=world.project.root,
        env=_env(world, tenant, cutoff) | (sandbox or {}),
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
    def __init__(self, box: Sandbox) -> None:
        self.http = httpx.Client(base_url=box.url("shipstation"), timeout=30)
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

    def routes(self) -> dict[str, int]:
        routes: dict[str, int] = self.http.get("/_sandbox/stats").json()["routes"]
        return routes

    def creates(self) -> int:
        return self.routes().get("POST /orders/createorders", 0)


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
    made = ShipStation(world.sandbox)
    yield made
    made.http.close()


@dataclass
class Small:
    """The ``small`` seed in a sandbox of its own, tenant ``bulk`` connected to it."""

    box: Sandbox
    env: dict[str, str]
    ship: ShipStation


@pytest.fixture(scope="module")
def small(world: World) -> Iterator[Small]:
    with Sandbox(seed="small").start() as box:
        qbo = QboSandbox(box)
        store = TokenStore()
        qbo.connect(store, BULK)
        store.save(
            BULK,
            "shipstation",
            auth_kind="api_key",
            api_url=box.url("shipstation"),
            secrets={"api_key": DEFAULT_API_KEY, "api_secret": DEFAULT_API_SECRET},
        )
        # The sandbox environment of meltano.yml pins LEDGERLINK_TENANT to demo: prod reads it
        # from here (and wants the sandbox's SKU-less items sent as qbo-item-{id}).
        env = box.env() | {
            "MELTANO_ENVIRONMENT": "prod",
            "LEDGERLINK_TENANT": BULK,
            "TARGET_SHIPSTATION_SKU_FALLBACK": "item_id",
        }
        made = Small(box, env, ShipStation(box))
        yield made
        made.ship.http.close()
        leakcheck.add_issued(qbo.issued())
        qbo.http.close()


def _sales_lines(invoice: JSON) -> dict[str, JSON]:
    """lineItemKey → sales line: the line's id (``{bundle}.{line}`` inside a bundle); shipping
    and empty lines aside. Each is one order item."""
    keyed: dict[str, JSON] = {}
    for line in invoice["Line"]:
        inner = (line.get("GroupLineDetail") or {}).get("Line", [])
        keyed |= {f"{line['Id']}.{sub['Id']}": sub for sub in inner if "SalesItemLineDetail" in sub}
        if "SalesItemLineDetail" in line:
            keyed[str(line["Id"])] = line
    return {
        key: line
        for key, line in keyed.items()
        if line["SalesItemLineDetail"]["ItemRef"]["value"] != "SHIPPING_ITEM_ID"
        and (Decimal(str(line.get("Amount") or 0)) or line["SalesItemLineDetail"].get("Qty"))
    }


def _equal_to_invoice(order: JSON, invoice: JSON) -> None:
    """Totals equal, and each sales line is one item of the line's amount (services too)."""
    assert Decimal(str(order["orderTotal"])) == Decimal(str(invoice["TotalAmt"])), order
    items = {i["lineItemKey"]: i for i in order["items"]}
    lines = _sales_lines(invoice)
    made = {k for k in items if not k.startswith("discount-") and not k.endswith("-rounding")}
    assert made == set(lines), (order, invoice)
    for key, line in lines.items():
        item, rounding = items[key], items.get(f"{key}-rounding", {"unitPrice": 0})
        amount = Decimal(str(item["quantity"])) * Decimal(str(item["unitPrice"]))
        amount += Decimal(str(rounding["unitPrice"]))
        assert amount == Decimal(str(line["Amount"])), (line, item)


@pytest.mark.timeout(1500)
def test_invoices_become_orders_exactly_once_and_follow_the_invoice(
    world: World, small: Small
) -> None:
    ship = small.ship
    qbo = Qbo(BULK)
    invoices = qbo.query("Invoice")

    # The default cutoff (the day ShipStation was connected: today) sends no history: only the
    # seed's invoices of today become orders.
    expected = shippable(qbo, BULK)
    today = time.strftime("%Y-%m-%d")
    first = meltano_run(world, BULK, full_refresh=True, sandbox=small.env)
    held = sum(1 for inv in invoices if inv["TxnDate"] < today)
    assert held > 2000 and f"{held} held back by the history cutoff" in first.report(), (
        first.report()
    )
    todays = {n for n, inv in expected.items() if inv["TxnDate"] >= today}
    assert {o["orderNumber"] for o in ship.orders(BULK)} == todays
    creates = ship.creates()
    assert creates == math.ceil(len(todays) / 100)

    # An earlier cutoff, deliberately, over the whole history (a full refresh re-reads it).
    second = meltano_run(world, BULK, cutoff=EARLY, full_refresh=True, sandbox=small.env)
    made = ship.orders(BULK)
    numbers = Counter(o["orderNumber"] for o in made)
    assert [n for n, count in numbers.items() if count > 1] == []  # never twice
    assert set(numbers) == set(expected), second.report()
    for order in made:
        _equal_to_invoice(order, expected[order["orderNumber"]])
    sent = len(made) - len(todays)
    assert f"{sent} created" in second.report(), second.report()
    assert ship.creates() - creates == math.ceil(sent / 100), (ship.creates(), sent)
    creates = ship.creates()
    print(f"\nsmall: {len(made)} orders; the run creating {sent} sent"
          f" {math.ceil(sent / 100)} createorders requests")  # fmt: skip

    # Nothing changed: nothing created or updated.
    third = meltano_run(world, BULK, cutoff=EARLY, sandbox=small.env)
    assert "0 created, 0 updated, 0 cancelled" in third.report(), third.report()
    assert ship.creates() == creates

    # Paying a pending Due on receipt invoice creates its order; voiding an ordered one cancels
    # its order (one run for both).
    terms = {str(t["Id"]): t for t in qbo.query("Term")}
    policy = ShipPolicy()
    pending = [inv for inv in invoices
               if policy.release(inv, term_name(inv, terms)) is Release.WAIT]  # fmt: skip
    assert pending, "the seed has unpaid Due on receipt invoices"
    qbo.pay(pending[0])
    ordered = next(inv for inv in expected.values() if inv["Balance"])  # a Net-terms order
    qbo.void(ordered)
    fourth = meltano_run(world, BULK, cutoff=EARLY, sandbox=small.env)
    assert "1 created, 0 updated, 1 cancelled" in fourth.report(), fourth.report()
    assert ship.creates() == creates + 1
    status = {o["orderNumber"]: o["orderStatus"] for o in ship.orders(BULK)}
    assert status[f"QB-{BULK}-{pending[0]['DocNumber']}"] == "awaiting_shipment"
    assert status[f"QB-{BULK}-{ordered['DocNumber']}"] == "cancelled"

    # The read-back of every open order: a few account-wide listings, within 40 a minute
    # (counted from a fresh window: the runs above used this one).
    ship.http.post("/_sandbox/reset", json={}).raise_for_status()
    started = time.monotonic()
    summary = refresh(BULK)
    minutes = (time.monotonic() - started) / 60
    reads = sum(ship.routes().values())
    open_orders = len(made)  # all but the cancelled one, plus the paid one
    assert summary.orders_read == open_orders and not summary.missing
    assert reads == summary.shipstation_requests <= math.ceil(open_orders / 500) + 3
    print(f"small: read-back of {open_orders} open orders: {reads} requests in"
          f" {minutes * 60:.1f} s")  # fmt: skip
    assert reads <= 40  # so within 40 a minute whatever it takes


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


# Three kills in the default run; twenty in the slow one (`python3 tasks.py test --slow`
# selects the slow-marked tests, so the long loop is its own parameter).
@pytest.mark.parametrize("runs", [3, pytest.param(20, marks=pytest.mark.slow)])
def test_sigkill_at_random_points_never_duplicates_or_loses_an_order(
    world: World, ship: ShipStation, runs: int
) -> None:
    # From nothing: the emulator's orders back to its seed, the tenant's rows gone, and a state
    # id of its own (one tenant = one QuickBooks company and one ShipStation account).
    ship.http.post("/_sandbox/reset", json={"data": True}).raise_for_status()
    for table in ("invoice_order_map", "pending_invoices", "sync_audit", "qbo_reference"):
        _execute(world, f"DELETE FROM {table} WHERE tenant = %s", TENANT)  # noqa: S608 - constant
    suffix = f"{TENANT}-killed"
    _kill_runs(world, suffix, runs, random.Random(runs))
    meltano_run(world, TENANT, cutoff=EARLY, suffix=suffix, force=True)  # then one that finishes
    made = Counter(o["orderNumber"] for o in ship.orders(TENANT))
    assert [n for n, count in made.items() if count > 1] == []  # never twice
    expected = set(shippable(Qbo(TENANT)))
    assert set(made) == expected  # none lost
    states = _rows(world, "SELECT state, count(*) FROM invoice_order_map WHERE tenant = %s"
                          " GROUP BY state", TENANT)  # fmt: skip
    assert dict(states) == {"created": len(expected)}
