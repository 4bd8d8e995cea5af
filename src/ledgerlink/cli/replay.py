"""`ledgerlink replay --tenant T invoice <QuickBooks id>`: send one record through its target
again.

The target kept the record with its last decision (``sync_audit``); the replay queues it for the
target's next run, which decides it again and sends its order even if nothing changed (an order
that shipped or was cancelled in ShipStation is still left alone, and flagged). Run the job then:
`meltano run invoices-to-shipstation` (with `dry_run` first to see the plan).
"""

from __future__ import annotations

import uuid

import click

from ledgerlink import audit, db
from ledgerlink.cli.options import tenant_option
from ledgerlink.errors import LedgerlinkError

JOBS = {"invoice": ("invoices", "invoices-to-shipstation")}


@click.group()
@tenant_option(required=True)
@click.pass_context
def replay(ctx: click.Context, tenant: str) -> None:
    """Send one record through its target again on the target's next run."""
    ctx.obj = tenant


@replay.command("invoice")
@click.argument("qbo_id")
@click.pass_obj
def replay_invoice(tenant: str, qbo_id: str) -> None:
    """Queue QuickBooks invoice QBO_ID for target-shipstation's next run."""
    stream, job = JOBS["invoice"]
    with db.connection() as conn:
        record = audit.request_replay(conn, tenant, stream, qbo_id, f"replay-{uuid.uuid4().hex}")
    if record is None:
        raise LedgerlinkError(
            f"target-shipstation has not seen QuickBooks invoice {qbo_id} of tenant '{tenant}': "
            f"run `meltano run {job}` (the tap sends it when it changes)"
        )
    doc = record.get("DocNumber") or "(no number)"
    click.echo(
        f"Invoice {doc} (QuickBooks id {qbo_id}) is queued: the next `meltano run {job}` "
        "sends its order again."
    )
