"""From a payment in the sandbox to its ShipStation order, through the Dagster daemon.

    uv run python -m benchmarks.payment_to_order [--interval 30] [--payments 2]

The production path with the paid-invoice sensor's interval shortened
(LEDGERLINK_PAID_INVOICE_SECONDS): `dagster-daemon run` on the code location, its sensor ticking
against the sandbox, the queued run it requests launched as a subprocess, `meltano run
invoices-to-shipstation`. Setup as the main job's (a fresh project state folder: embedded
PostgreSQL, tenant `demo` connected to the three services, history cutoff three days back), one
`ship_invoices` run first so the tenant's bookmarks exist. Then per payment: a Due on Receipt
invoice, and after a sensor interval its payment; the clock runs from the payment's answer to the
order's row in invoice_order_map. The settle time stays at its default (60 s, tap-quickbooks'
`settle_seconds`): the sensor judges a change only once the tap would read it, so the delay is
about settle + up to one interval + the run. Results: benchmarks/results/payment_to_order.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TENANT = "demo"
INSTANCE = """\
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
telemetry:
  enabled: false
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=30, help="sensor interval, seconds")
    parser.add_argument("--payments", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ll-bench-") as folder:
        os.environ["LEDGERLINK_PROJECT_DIR"] = folder
        os.environ.pop("LEDGERLINK_DATABASE_URL", None)
        os.environ.pop("DAGSTER_HOME", None)
        os.environ["LEDGERLINK_PAID_INVOICE_SECONDS"] = str(args.interval)
        try:
            results = measure(args.interval, args.payments)
        finally:
            from ledgerlink.db import embedded

            embedded.stop()
    from benchmarks.common import write

    print(write("payment_to_order", results))


def measure(interval: int, payments: int) -> dict[str, Any]:
    import dagster as dg

    from ledgerlink_orchestration import jobs
    from ledgerlink_orchestration.mainjob import setup
    from ledgerlink_orchestration.mainjob.business import Business
    from ledgerlink_orchestration.mainjob.dagster_path import DagsterPath, use_project_home
    from ledgerlink_orchestration.mainjob.run import CUTOFF_DAYS
    from ledgerlink_sandbox.sandbox import Sandbox

    with Sandbox(seed="demo").start() as box:
        os.environ.update(box.env())
        setup.prepare_store()
        setup.connect_tenant(TENANT, os.environ)
        cutoff = setup.history_cutoff(datetime.now(UTC).date(), CUTOFF_DAYS)
        os.environ["TARGET_SHIPSTATION_HISTORY_CUTOFF"] = cutoff.isoformat()
        setup.use_project_meltano_state()
        home = use_project_home()
        (home / "dagster.yaml").write_text(INSTANCE)
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("tenants", [TENANT])
            DagsterPath(instance).run(jobs.INVOICES, TENANT)  # the tenant's bookmarks
            daemon = _start_daemon(home)
            try:
                _wait_for_first_tick(instance)
                business = Business(TENANT)
                customer = business.new_customer()
                samples = [
                    _one_payment(instance, business, customer, interval) for _ in range(payments)
                ]
            finally:
                daemon.terminate()
                daemon.wait(60)
    totals = [s["payment_to_order_seconds"] for s in samples]
    return {
        "path": "dagster-daemon: paid_invoices sensor → queued ship_invoices run → meltano run "
        "invoices-to-shipstation",
        "seed": "demo",
        "sensor_interval_seconds": interval,
        "settle_seconds": 60,
        "samples": samples,
        "median_seconds": statistics.median(totals),
        "max_seconds": max(totals),
    }


def _start_daemon(home: Path) -> subprocess.Popen[bytes]:
    log = (home / "daemon.log").open("w")
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-daemon")),
            *("run", "-m", "ledgerlink_orchestration.definitions"),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _sensor_cursor(instance: Any) -> str | None:
    for state in instance.all_instigator_state():
        if state.name == "paid_invoices" and state.instigator_data is not None:
            cursor: str | None = getattr(state.instigator_data, "cursor", None)
            return cursor
    return None


def _wait_for_first_tick(instance: Any, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while TENANT not in (_sensor_cursor(instance) or ""):
        if time.monotonic() > deadline:
            raise RuntimeError("the paid_invoices sensor did not tick (see daemon.log)")
        time.sleep(1)
    _wait_for_runs(instance, timeout)


def _wait_for_runs(instance: Any, timeout: float) -> None:
    import dagster as dg

    deadline = time.monotonic() + timeout
    busy = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
    ]
    while instance.get_runs(filters=dg.RunsFilter(statuses=busy)):
        if time.monotonic() > deadline:
            raise RuntimeError("runs still busy")
        time.sleep(1)


def _order_of(invoice_id: str) -> bool:
    from ledgerlink import db

    with db.connection() as conn:
        row = conn.execute(
            "SELECT 1 FROM invoice_order_map WHERE tenant = %s AND qbo_invoice_id = %s"
            " AND state IN ('created', 'updated')",
            (TENANT, invoice_id),
        ).fetchone()
    return row is not None


def _one_payment(instance: Any, business: Any, customer: str, interval: int) -> dict[str, Any]:
    import dagster as dg

    invoice = business.due_on_receipt_invoice(customer)
    time.sleep(interval)  # issued a while before it is paid
    before = {r.run_id for r in instance.get_runs()}
    business.pay(invoice)
    paid = time.time()
    deadline = time.monotonic() + 900
    while not _order_of(invoice.invoice_id):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no order for invoice {invoice.doc_number} in 15 minutes")
        time.sleep(0.5)
    ordered = time.time()
    _wait_for_runs(instance, 600)
    [record] = [
        r
        for r in instance.get_run_records(dg.RunsFilter(job_name="ship_invoices"))
        if r.dagster_run.run_id not in before
    ] or [None]
    sample: dict[str, Any] = {
        "invoice": invoice.doc_number,
        "payment_to_order_seconds": round(ordered - paid, 1),
    }
    if record is not None:
        requested = record.create_timestamp.timestamp()
        sample["payment_to_run_request_seconds"] = round(requested - paid, 1)
        if record.start_time and record.end_time:
            sample["run_seconds"] = round(record.end_time - record.start_time, 1)
    return sample


if __name__ == "__main__":
    main()
