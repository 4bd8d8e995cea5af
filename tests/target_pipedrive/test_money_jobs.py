"""Lifecycle of money on the CRM against the sandboxes' books (``demo`` seed, 7 sub-customers
with invoices): with ``jobs: parent`` a parent's organization shows its own and its jobs'
balances, after a full run and after incremental runs; a merged customer's money shows on its
survivor's organization."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.retry import Backoff
from target_pipedrive import families, ledger, store
from target_pipedrive.merges import mark_merged
from tests.tap_quickbooks.conftest import demo, demo_server
from tests.tap_quickbooks.helpers import Qbo
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox
from tests.target_pipedrive.test_money_sync import World, _amount, books, held

__all__ = ["demo", "demo_server"]


@pytest.fixture
def families_world(demo: Qbo, pd: PipedriveSandbox) -> Iterator[World]:
    """Top-level customers linked to organizations, jobs known only as their parents' (what
    customers-to-pipedrive leaves with ``jobs: parent``)."""
    orgs: dict[str, int] = {}
    customers = demo.rows("Customer")
    with db.connection() as conn:
        families.save_parents(conn, TENANT, customers.values())
        for customer_id, row in sorted(customers.items()):
            if row.get("Job"):
                continue
            org = pd.create("organization", name=row["DisplayName"])
            store.link(conn, TENANT, customer_id, int(org["id"]), "manual", {})
            orgs[customer_id] = int(org["id"])
    client = PipedriveClient.for_tenant(TENANT, backoff=Backoff(base=0.01, cap=0.05))
    yield World(demo, pd, client, orgs, "", 0)
    client.close()


def _account(customer: str, rows: dict[str, dict[str, Any]], merged: dict[str, str]) -> str:
    while True:
        if customer in merged:
            customer = merged[customer]
        elif rows[customer].get("Job"):
            customer = rows[customer]["ParentRef"]["value"]
        else:
            return customer


def assert_family_books(world: World, merged: dict[str, str] | None = None) -> None:
    """Each organization shows the open balance and invoice count of its customer's whole family
    as the books say, which is also QuickBooks' own BalanceWithJobs less payments on account."""
    merged = merged or {}
    rows = world.qbo.rows("Customer")
    expected: dict[str, tuple[Decimal, int]] = {}
    for customer, (open_, _, count) in books(world.qbo, world.today).items():
        account = _account(customer, rows, merged)
        total, n = expected.get(account, (Decimal(0), 0))
        expected[account] = (total + open_, n + count)
    credits: dict[str, Decimal] = {}
    for payment in world.qbo.rows("Payment").values():
        account = _account(payment["CustomerRef"]["value"], rows, merged)
        unapplied = Decimal(str(payment.get("UnappliedAmt") or 0))
        credits[account] = credits.get(account, Decimal(0)) + unapplied
    rolled_up = 0
    for customer, org_id in world.orgs.items():
        if customer in merged:
            continue
        fields = held(world.client, "organization", org_id)
        open_, count = expected.get(customer, (Decimal(0), 0))
        assert _amount(fields["Open Balance"]) == open_, customer
        assert int(fields["Open Invoices"] or 0) == count, customer
        if not merged:
            with_jobs = Decimal(str(rows[customer].get("BalanceWithJobs") or 0))
            assert open_ - credits.get(customer, Decimal(0)) == with_jobs, customer
        own = books(world.qbo, world.today).get(customer, (Decimal(0), Decimal(0), 0))[0]
        rolled_up += open_ != own
    assert rolled_up > 0  # some parents' figures include their jobs'


def _job_invoice(qbo: Qbo, job: str, amount: int) -> None:
    line = {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": amount},
    }
    qbo.write("Invoice", {"CustomerRef": {"value": job}, "Line": [line]})


def test_a_parent_shows_its_jobs_money_and_a_survivor_its_merged_customers(
    families_world: World,
) -> None:
    world = families_world
    tap, summary = world.run("full")
    assert summary.failures == {} and summary.unlinked == []  # jobs need no organization
    assert_family_books(world)
    # An incremental run after a new invoice of a job.
    (job, *_) = sorted(c for c, r in world.qbo.rows("Customer").items() if r.get("Job"))
    world.qbo.advance(3600)
    _job_invoice(world.qbo, job, 300)
    world.qbo.advance(120)
    tap, summary = world.run("incremental", tap.state)
    assert summary.failures == {} and summary.unlinked == []
    assert_family_books(world)
    # A customer merged into another (as customers-to-pipedrive records it): its money, and its
    # jobs', shows on the survivor's organization from the next run.
    owing = books(world.qbo, world.today)
    loser, survivor = [c for c in sorted(world.orgs) if c in owing][:2]
    with db.connection() as conn:
        mark_merged(conn, TENANT, loser, survivor)
        ledger.mark_dirty(conn, TENANT, {loser, survivor})
        merged = store.load_mappings(conn, TENANT)[loser]
    assert (merged.state, merged.merged_into, merged.active) == ("merged", survivor, False)
    world.qbo.advance(120)
    _, summary = world.run("after-merge", tap.state)
    assert summary.failures == {} and summary.unlinked == []
    assert_family_books(world, {loser: survivor})
