"""The main job's five steps, each a numbered progress line."""

import os
from datetime import UTC, datetime

import dagster as dg

from ledgerlink import db
from ledgerlink.errors import LedgerlinkError
from ledgerlink_orchestration import jobs
from ledgerlink_orchestration.mainjob import setup
from ledgerlink_orchestration.mainjob.business import NEW_CUSTOMER, UNITS, Business
from ledgerlink_orchestration.mainjob.dagster_path import DagsterPath, use_project_home
from ledgerlink_orchestration.mainjob.progress import Progress
from ledgerlink_orchestration.mainjob.sandbox_link import SandboxLink
from ledgerlink_orchestration.mainjob.summary import SERVICES, SandboxCounters, Summary
from ledgerlink_orchestration.meltano.project import MeltanoProject

# Invoices dated in the last CUTOFF_DAYS (sandbox clock) become orders on the first run; older
# ones are history: counted by target-shipstation, never sent.
CUTOFF_DAYS = 3
# tap-quickbooks reads only changes older than its settle time (60 s by default): after each
# QuickBooks change the sandbox clock moves on by this much, as time would.
SETTLE_SECONDS = 61
UI_COMMAND = "python3 tasks.py ui"


def main_job(box: SandboxLink, tenant: str, seed: str = "demo") -> Summary:
    progress = Progress(5)
    progress.step(
        f"sandbox (seed {seed}), store, tenant connected to QuickBooks, Pipedrive and ShipStation"
    )
    os.environ.update(box.env)
    for name in SERVICES:
        progress.info(f"{name:<12} {box.url(name)}")
    progress.info(setup.prepare_store())
    connected = setup.connect_tenant(tenant, os.environ)
    progress.info(
        f"tenant '{tenant}': QuickBooks company {connected.realm} (OAuth), Pipedrive "
        f"{connected.pipedrive_domain} (API token), ShipStation stores "
        f"{connected.shipstation_stores} (key pair)"
    )
    today = box.today()
    cutoff = setup.history_cutoff(today, CUTOFF_DAYS)
    os.environ["TARGET_SHIPSTATION_HISTORY_CUTOFF"] = cutoff.isoformat()
    setup.use_project_meltano_state()
    if setup.install_plugins(MeltanoProject.find()):
        progress.info("meltano install: the four plugins and target-postgres (first run only)")
    home = use_project_home()
    progress.info(f"Dagster instance under {home}")
    counters = SandboxCounters({name: box.url(name) for name in SERVICES})

    with dg.DagsterInstance.get() as instance:
        path = DagsterPath(instance)
        path.discover_tenants()
        progress.step("every job once, as the schedules run them (Dagster, tenant partition)")
        progress.info(
            f"history cutoff {cutoff} ({CUTOFF_DAYS} days back): invoices dated since then ship"
        )
        for tenant_job in jobs.TENANT_JOBS:
            started = datetime.now(UTC)
            path.run(tenant_job, tenant)
            seconds = (datetime.now(UTC) - started).total_seconds()
            progress.info(f"{tenant_job.job.name:<22} ok in {seconds:.0f} s")
        baseline = path.paid_invoice_tick(jobs.INVOICES)
        progress.info(f"paid-invoice sensor, first tick: {len(baseline)} run(s)")

        progress.step("the business acts in the sandbox; each change arrives the scheduled way")
        _business(progress, path, Business(tenant), counters, tenant)

        summary = Summary.read(tenant, counters)
        progress.step(f"summary for tenant '{tenant}' (from the store and the sandbox)")
        for line in summary.lines():
            progress.info(line)
    progress.step("the Dagster UI on the same setup (assets, schedules, sensor, this run history)")
    progress.info(f"{UI_COMMAND}   then open http://127.0.0.1:3000")
    progress.info(f"main job done in {progress.elapsed():.0f} s")
    return summary


def _business(
    progress: Progress,
    path: DagsterPath,
    business: Business,
    counters: SandboxCounters,
    tenant: str,
) -> None:
    with counters.by_business():
        customer = business.new_customer()
    business.time_passes(SETTLE_SECONDS)
    progress.info(f"QuickBooks: new customer {NEW_CUSTOMER} (Id {customer})")
    path.run(jobs.CUSTOMERS, tenant)
    org = _one(
        "SELECT pipedrive_org_id FROM customer_org_map"
        " WHERE tenant = %s AND qbo_customer_id = %s AND state = 'linked'",
        (tenant, customer),
        f"customer {customer} has no organization after customers_sync",
    )
    progress.info(f"  customers_sync → Pipedrive organization {org} created")

    with counters.by_business():
        deal = business.new_deal(int(org))
    path.run(jobs.MONEY_AND_DEAL_LINKS, tenant)
    linked = _one(
        "SELECT qbo_customer_id FROM deal_map"
        " WHERE tenant = %s AND pipedrive_deal_id = %s AND unlinked_at IS NULL",
        (tenant, deal),
        f"deal {deal} is not linked after money_and_deal_links",
    )
    progress.info(
        f"Pipedrive: deal {deal} on it → money_and_deal_links linked it to customer {linked}"
    )

    with counters.by_business():
        invoice = business.due_on_receipt_invoice(customer)
    business.time_passes(SETTLE_SECONDS)
    waiting = path.paid_invoice_tick(jobs.INVOICES)
    progress.info(
        f"QuickBooks: invoice {invoice.doc_number} ({UNITS} units, {invoice.total}, Due on "
        f"receipt) → sensor tick: {len(waiting)} run (waits for the payment)"
    )
    with counters.by_business():
        payment = business.pay(invoice)
    business.time_passes(SETTLE_SECONDS)
    paid = path.paid_invoice_tick(jobs.INVOICES)
    order = _one(
        "SELECT shipstation_order_id FROM invoice_order_map"
        " WHERE tenant = %s AND qbo_invoice_id = %s AND state IN ('created', 'updated')",
        (tenant, invoice.invoice_id),
        f"invoice {invoice.doc_number} has no ShipStation order after its payment",
    )
    again = path.paid_invoice_tick(jobs.INVOICES)
    progress.info(
        f"QuickBooks: payment {payment} → sensor tick: {len(paid)} run → ShipStation order "
        f"{order} created; the same tick again: {len(again)} run"
    )
    if len(paid) != 1 or again:
        raise LedgerlinkError("the paid-invoice sensor did not request exactly one run")

    for part in (1, 2):
        with counters.by_business():
            tracking = business.ship_one_unit(int(order))
        path.run(jobs.SHIPMENTS, tenant)
        label = _one(
            "SELECT fulfilment_label FROM deal_map WHERE tenant = %s AND pipedrive_deal_id = %s",
            (tenant, deal),
            f"deal {deal} shows no shipping status",
        )
        progress.info(
            f"ShipStation: part {part} of 2 shipped ({tracking}) → shipment_status → deal "
            f'{deal} shows "{label}"'
        )


def _one(query: str, params: tuple[object, ...], missing: str) -> str:
    with db.connection() as conn:
        row = conn.execute(query, params).fetchone()
    if not row or next(iter(row.values())) is None:
        raise LedgerlinkError(missing)
    return str(next(iter(row.values())))
