"""`ledgerlink shipments refresh`: read fulfilment back from ShipStation to the mapping tables and
the linked Pipedrive deals (``ledgerlink.fulfilment``)."""

from __future__ import annotations

import click

from ledgerlink import db
from ledgerlink.cli.options import tenant_option
from ledgerlink.errors import LedgerlinkError
from ledgerlink.fulfilment import store
from ledgerlink.fulfilment.deal_push import DEFAULT_STATUS_FIELD
from ledgerlink.fulfilment.readback import DEFAULT_WATCH_DAYS
from ledgerlink.fulfilment.readback import refresh as refresh_tenant


@click.group()
def shipments() -> None:
    """Shipments of the orders made from invoices."""


@shipments.command()
@tenant_option(required=False)
@click.option("--all-tenants", is_flag=True, help="Every tenant with a ShipStation connection.")
@click.option(
    "--watch-days",
    type=click.IntRange(1, 365),
    default=DEFAULT_WATCH_DAYS,
    show_default=True,
    help="Shipped orders are read until delivered or this many days after their last change.",
)
@click.option(
    "--status-field",
    default=DEFAULT_STATUS_FIELD,
    show_default=True,
    help="Visible name of the deal field that shows the state (created if missing).",
)
def refresh(tenant: str | None, all_tenants: bool, watch_days: int, status_field: str) -> None:
    """Read the shipments of open orders and update the mappings and the linked deals."""
    if bool(tenant) == all_tenants:
        raise click.UsageError("give --tenant T or --all-tenants")
    if tenant:
        tenants = [tenant]
    else:
        with db.connection() as conn:
            tenants = list(store.tenants_with_shipstation(conn))
    failed = 0
    for name in tenants:
        try:
            click.echo(
                refresh_tenant(name, watch_days=watch_days, status_field=status_field).line()
            )
        except LedgerlinkError as exc:
            if not all_tenants:
                raise
            failed += 1  # one tenant's failure does not stop the others
            click.echo(f"error: {name}: {exc}", err=True)
    if failed:
        raise SystemExit(1)
