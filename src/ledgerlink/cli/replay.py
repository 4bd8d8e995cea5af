"""`ledgerlink replay --tenant T invoice|customer <QuickBooks id>`: send one record through its
target again.

The target kept the record with its last decision (``sync_audit``); the replay queues it for the
target's next run, which decides it again through the same path as any record and writes it
even if nothing changed:

- ``invoice``: target-shipstation sends its order again (an order that shipped or was cancelled
  in ShipStation is still left alone, and flagged); job `invoices-to-shipstation`;
- ``customer``: target-pipedrive compares the customer with what its organization holds now
  (not with what was last pushed) and writes what differs; job `customers-to-pipedrive`.

Run the job then (with `dry_run` first to see the plan).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import click

from ledgerlink import audit, db
from ledgerlink.cli.options import tenant_option
from ledgerlink.errors import LedgerlinkError


@dataclass(frozen=True)
class Replayable:
    stream: str
    job: str
    target: str
    what: str  # what the next run sends

    def label(self, record: dict[str, Any], qbo_id: str) -> str:
        if self.stream == "invoices":
            return f"Invoice {record.get('DocNumber') or '(no number)'} (QuickBooks id {qbo_id})"
        return f"Customer {record.get('DisplayName') or '(no name)'} (QuickBooks id {qbo_id})"


JOBS = {
    "invoice": Replayable("invoices", "invoices-to-shipstation", "target-shipstation", "its order"),
    "customer": Replayable(
        "customers", "customers-to-pipedrive", "target-pipedrive", "its organization"
    ),
}


@click.group()
@tenant_option(required=True)
@click.pass_context
def replay(ctx: click.Context, tenant: str) -> None:
    """Send one record through its target again on the target's next run."""
    ctx.obj = tenant


def _queue(kind: str, tenant: str, qbo_id: str) -> None:
    job = JOBS[kind]
    with db.connection() as conn:
        record = audit.request_replay(
            conn, tenant, job.stream, qbo_id, f"replay-{uuid.uuid4().hex}"
        )
    if record is None:
        raise LedgerlinkError(
            f"{job.target} has not seen QuickBooks {kind} {qbo_id} of tenant '{tenant}': "
            f"run `meltano run {job.job}` (the tap sends it when it changes)"
        )
    click.echo(
        f"{job.label(record, qbo_id)} is queued: the next `meltano run {job.job}` "
        f"sends {job.what} again."
    )


@replay.command("invoice")
@click.argument("qbo_id")
@click.pass_obj
def replay_invoice(tenant: str, qbo_id: str) -> None:
    """Queue QuickBooks invoice QBO_ID for target-shipstation's next run."""
    _queue("invoice", tenant, qbo_id)


@replay.command("customer")
@click.argument("qbo_id")
@click.pass_obj
def replay_customer(tenant: str, qbo_id: str) -> None:
    """Queue QuickBooks customer QBO_ID for target-pipedrive's next run."""
    _queue("customer", tenant, qbo_id)
