"""target-pipedrive's cost and speed against the sandbox's `small` seed, counted by the sandbox.

    uv run python -m benchmarks.target_pipedrive [--writers 4]

One sandbox (QuickBooks and Pipedrive) in this process, a fresh database on the embedded
PostgreSQL (or the server named by LEDGERLINK_DATABASE_URL), tenant `bench` connected to both.
tap-quickbooks reads the customers in this process and its Singer output goes to
target-pipedrive (also in this process) exactly as `meltano run customers-to-pipedrive` pipes
it. Measured, for

- a first run (the company already holds organizations named like half the customers),
- an unchanged rerun (the tap sends every customer again: a full re-sync),
- a 1 % change (the phone number of 1 % of the customers changed in QuickBooks; incremental),

the Pipedrive requests and tokens the sandbox counted (`/_sandbox/stats`, `/_sandbox/tokens`),
per 1,000 customers sent and per 1,000 customers of the company. The first run goes on the wall
clock with the plan's real burst window (growth, API token: 40 requests per 2 s), so its writes
per second are compared with what the window allows, with the busiest window and the 429s the
sandbox saw.
Results go to benchmarks/results/target_pipedrive.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import httpx
import psycopg
from psycopg.conninfo import make_conninfo

from benchmarks.common import database, write
from ledgerlink import crypto, db
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.sandbox import Sandbox
from tap_quickbooks.tap import TapQuickBooks
from target_pipedrive.target import TargetPipedrive
from tests.tap_quickbooks.helpers import Qbo

TENANT = "bench"
WRITES = ("POST /api/v2/organizations", "PATCH /api/v2/organizations/{id}")


def tap_output(qbo: Qbo, state: dict[str, Any] | None) -> tuple[str, dict[str, Any], int]:
    """tap-quickbooks' customers stream as Singer lines, its last state, the records sent."""
    config = {**qbo.config(), "tenant": TENANT}
    catalog = TapQuickBooks(config=config, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == "customers"
    out = io.StringIO()
    tap = TapQuickBooks(config=config, state=state or {}, catalog=catalog, parse_env_config=False)
    with redirect_stdout(out):
        tap.sync_all()
    lines = out.getvalue()
    last: dict[str, Any] = {}
    records = 0
    for line in lines.splitlines():
        message = json.loads(line)
        if message["type"] == "STATE":
            last = message["value"]
        records += message["type"] == "RECORD"
    return lines, last, records


def run_target(lines: str, config: dict[str, Any]) -> tuple[list[str], float]:
    err = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        target = TargetPipedrive(config={"tenant": TENANT, **config})
        try:
            target.listen(io.StringIO(lines))
        except SystemExit as stop:
            if stop.code not in (None, 0):
                raise
    wall = time.perf_counter() - started
    return [x for x in err.getvalue().splitlines() if x.startswith("target-pipedrive:")], wall


class Counts:
    def __init__(self, pipedrive: httpx.Client) -> None:
        self.api = pipedrive

    def reset(self) -> None:
        self.api.post("/_sandbox/reset", json={}).raise_for_status()  # request counts
        self._spent = int(self.api.get("/_sandbox/tokens").json()["spent_total"])

    def measure(self, customers: int) -> dict[str, Any]:
        routes = {
            k: n
            for k, n in self.api.get("/_sandbox/stats").json()["routes"].items()
            if " /_sandbox" not in k
        }
        tokens = int(self.api.get("/_sandbox/tokens").json()["spent_total"]) - self._spent
        requests = sum(routes.values())
        per = 1000 / customers if customers else 0
        return {
            "customers_sent": customers,
            "requests": requests,
            "tokens": tokens,
            "requests_per_1000_customers": round(requests * per, 1),
            "tokens_per_1000_customers": round(tokens * per, 1),
            "by_route": routes,
        }


def change_phones(qbo: Qbo, fraction: float) -> int:
    """A new phone number for ``fraction`` of the active top-level customers."""
    rows = sorted(
        (r for r in qbo.rows("Customer").values() if r.get("Active", True) and not r.get("Job")),
        key=lambda r: int(r["Id"]),
    )
    step = max(1, round(1 / fraction))
    chosen = rows[::step]
    for n, row in enumerate(chosen):
        body = {
            "Id": row["Id"],
            "SyncToken": row["SyncToken"],
            "sparse": True,
            "PrimaryPhone": {"FreeFormNumber": f"555-01{n:02d}"},
        }
        qbo.write("Customer", body)
    return len(chosen)


def measure(writers: int) -> dict[str, Any]:
    print("building the small sandbox …", flush=True)
    with Sandbox(seed="small").start() as sandbox:
        qbo = Qbo(sandbox)
        qbo.settings(rate_limit_per_minute_realm=1_000_000, rate_limit_per_second_realm_app=10_000)
        store = TokenStore()
        store.connections()  # migrations
        qbo.connect(store, TENANT)
        pipedrive = httpx.Client(base_url=sandbox.url("pipedrive"), timeout=60)
        creds = pipedrive.get("/_sandbox/credentials").json()
        store.save(
            TENANT,
            "pipedrive",
            auth_kind="api_token",
            api_url=sandbox.url("pipedrive"),
            account_id=creds["company_domain"],
            secrets={"api_token": creds["api_token"]},
        )
        settings = pipedrive.get("/_sandbox/settings").json()
        plan = settings["plan"]
        burst = int(settings["burst_limits"][plan][0])  # API token
        window = float(settings["burst_window_seconds"])
        config = {"writers": writers, "database_url": os.environ["LEDGERLINK_DATABASE_URL"]}
        counts = Counts(pipedrive)
        results: dict[str, Any] = {"writers": writers, "plan": plan}

        print("first run (wall clock, real burst window) …", flush=True)
        lines, state, sent = tap_output(qbo, None)
        counts.reset()
        sandbox.clock.unfreeze()
        report, wall = run_target(lines, config)
        sandbox.clock.freeze()
        first = counts.measure(sent)
        writes = sum(first["by_route"].get(k, 0) for k in WRITES)
        seen = pipedrive.get("/_sandbox/tokens").json()
        first["report"] = report[:1]
        first["wall_seconds"] = round(wall, 1)
        first["writes"] = writes
        first["writes_per_second"] = round(writes / wall, 2)
        first["requests_per_second"] = round(first["requests"] / wall, 2)
        first["burst_limit_per_second"] = burst / window
        first["writes_per_second_of_burst_limit"] = round(writes / wall / (burst / window), 3)
        first["requests_per_second_of_burst_limit"] = round(
            first["requests"] / wall / (burst / window), 3
        )
        first["busiest_window"] = {"requests": seen["peak_in_window"], "limit": burst}
        first["burst_429s"] = seen["burst_refusals"]
        results["first_run"] = first

        print("unchanged rerun (every customer sent again) …", flush=True)
        counts.reset()
        report, _ = run_target(lines, config)
        results["unchanged_rerun"] = {**counts.measure(sent), "report": report[:1]}

        print("1 % of the customers changed …", flush=True)
        sandbox.clock.advance(60)
        changed = change_phones(qbo, 0.01)
        sandbox.clock.advance(120)
        lines, state, sent = tap_output(qbo, state)
        counts.reset()
        report, _ = run_target(lines, config)
        results["one_percent_change"] = {
            **counts.measure(sent),
            "customers_changed": changed,
            "report": report[:1],
        }
        pipedrive.close()
        # Per 1,000 customers of the company (the first run sent them all), the figure a
        # company plans its daily budget with.
        company = results["first_run"]["customers_sent"]
        for phase in ("first_run", "unchanged_rerun", "one_percent_change"):
            done = results[phase]
            done["requests_per_1000_company_customers"] = round(
                done["requests"] * 1000 / company, 1
            )
            done["tokens_per_1000_company_customers"] = round(done["tokens"] * 1000 / company, 1)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    server, name = database()
    os.environ["LEDGERLINK_DATABASE_URL"] = make_conninfo(server, dbname=name)
    os.environ.setdefault("LEDGERLINK_SECRET_KEY", crypto.generate_key())
    try:
        results = {"python": sys.version.split()[0], "seed": "small", **measure(args.writers)}
    finally:
        db.close()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    path = write("target_pipedrive", results)
    print(json.dumps(results, indent=1))
    print(f"written {path}")


if __name__ == "__main__":
    main()
