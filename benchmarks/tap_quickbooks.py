"""tap-quickbooks throughput, CPU and memory against the sandbox: `small` and `large` seeds.

    uv run python -m benchmarks.tap_quickbooks [--seeds small large]

For each seed: a sandbox in this process, a fresh database on the embedded PostgreSQL (or the
server named by LEDGERLINK_DATABASE_URL), a connected tenant, then one full sync run as a
subprocess (`tap-quickbooks --config …`, stdout read and counted here). Measured from the child's
rusage: wall seconds, records/s, CPU seconds per 1,000 records, peak RSS. Also the API cost
(query requests per stream vs ceil(rows/1000)+1) and one no-change incremental run.

The tap's pacer and the sandbox's limits are raised for the measurement: at Intuit's 500
requests/min the large seed would measure the limit, not the tap (the pacing itself is tested).
Results go to benchmarks/results/tap_quickbooks.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from benchmarks.common import database
from ledgerlink import crypto, db
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.sandbox import Sandbox
from tests.tap_quickbooks.helpers import ENTITY, QUERY_ROUTE, TENANT, Qbo

RESULTS = Path(__file__).resolve().parent / "results" / "tap_quickbooks.json"
EXECUTABLE = Path(sys.executable).with_name("tap-quickbooks")


class PeakRss:
    """Polls /proc/<pid>/status VmHWM (high-water RSS of the current image) until stopped."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self.path.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.kb = max(self.kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass

    def _poll(self) -> None:
        while not self._done.wait(0.1):
            self._read()

    def stop(self) -> None:
        self._read()
        self._done.set()
        self._thread.join()


def run_tap(config: dict[str, Any], state: dict[str, Any] | None, workdir: Path) -> dict[str, Any]:
    config_file = workdir / "config.json"
    config_file.write_text(json.dumps(config))
    args = [str(EXECUTABLE), "--config", str(config_file)]
    if state is not None:
        state_file = workdir / "state.json"
        state_file.write_text(json.dumps(state))
        args += ["--state", str(state_file)]
    counts: dict[str, int] = {}
    last_state: dict[str, Any] = {}
    started = time.perf_counter()
    with (workdir / "stderr.log").open("w") as stderr:
        child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
        assert child.stdout is not None
        peak = PeakRss(child.pid)
        for line in child.stdout:
            if line.startswith('{"type":"RECORD"') or '"type": "RECORD"' in line[:30]:
                stream = json.loads(line)["stream"]
                counts[stream] = counts.get(stream, 0) + 1
            elif '"STATE"' in line[:30]:
                last_state = json.loads(line)["value"]
        peak.stop()
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"tap failed; see {workdir / 'stderr.log'}")
    records = sum(counts.values())
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "records": records,
        "per_stream": counts,
        "wall_seconds": round(wall, 2),
        "records_per_second": round(records / wall, 1) if wall else None,
        "cpu_seconds": round(cpu, 2),
        "cpu_seconds_per_1000_records": round(cpu / records * 1000, 3) if records else None,
        # VmHWM of the tap's own image: rusage's ru_maxrss would also count the pages the
        # child shared with this (sandbox-holding) process between fork and exec.
        "peak_rss_mb": round(peak.kb / 1024, 1),
        "state": last_state,
    }


def measure(seed: str, workdir: Path) -> dict[str, Any]:
    print(f"[{seed}] building the sandbox …", flush=True)
    with Sandbox(seed=seed).start() as sandbox:
        qbo = Qbo(sandbox)
        qbo.settings(rate_limit_per_minute_realm=1_000_000, rate_limit_per_second_realm_app=10_000)
        sandbox.clock.advance(120)
        TokenStore().connections()  # migrations
        qbo.connect(TokenStore(), TENANT)
        rows = {s: len(qbo.rows(e)) for s, e in ENTITY.items()}
        config = qbo.config(max_requests_per_second=1000, max_requests_per_minute=1_000_000)
        config["database_url"] = os.environ["LEDGERLINK_DATABASE_URL"]
        costs: dict[str, Any] = {}
        for stream in ENTITY:  # cost per stream: one stream selected per run
            qbo.reset_stats()
            single = qbo.run(
                select=[stream], max_requests_per_second=1000, max_requests_per_minute=1_000_000
            )
            used = qbo.stats().get(QUERY_ROUTE, 0)
            n = len(single.records.get(stream, []))
            costs[stream] = {"rows": n, "query_requests": used, "bound": math.ceil(n / 1000) + 1}
            del single
        print(f"[{seed}] full sync …", flush=True)
        qbo.reset_stats()
        full = run_tap(config, None, workdir)
        full["requests"] = qbo.stats()
        sandbox.clock.advance(120)
        qbo.reset_stats()
        incremental = run_tap(config, full.pop("state"), workdir)
        incremental.pop("state")
        incremental["requests"] = qbo.stats()
        return {
            "rows": rows,
            "full_sync": full,
            "no_change_incremental": incremental,
            "cost_per_stream": costs,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", default=["small", "large"])
    args = parser.parse_args()
    server, name = database()
    os.environ["LEDGERLINK_DATABASE_URL"] = make_conninfo(server, dbname=name)
    os.environ.setdefault("LEDGERLINK_SECRET_KEY", crypto.generate_key())
    results: dict[str, Any] = {"python": sys.version.split()[0], "seeds": {}}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for seed in args.seeds:
                results["seeds"][seed] = measure(seed, Path(tmp))
                print(json.dumps(results["seeds"][seed]["full_sync"], indent=1), flush=True)
    finally:
        db.close()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
