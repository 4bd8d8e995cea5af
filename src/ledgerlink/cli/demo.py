"""`ledgerlink demo`: the main job on the embedded defaults, against the local sandbox.

It uses exactly the paths a real deployment uses (embedded PostgreSQL, migrations, the OAuth
authorization-code flow, the TokenStore); only the provider is the sandbox, and the "person who
approves in the browser" is a background request to the sandbox's auto-approving consent page.
"""

from __future__ import annotations

import os
import threading

import click
import httpx

from ledgerlink import db
from ledgerlink.cli.connect import connect_quickbooks
from ledgerlink.cli.status import status
from ledgerlink.db import migrations
from ledgerlink.tokens import TokenStore


def _approve_in_background(url: str) -> None:
    """Play the user: open the consent page, which redirects to our callback."""

    def visit() -> None:
        httpx.get(url, follow_redirects=True, timeout=30)

    threading.Thread(target=visit, daemon=True).start()


@click.command()
@click.option("--tenant", default="demo", show_default=True, help="Tenant to connect.")
@click.pass_context
def demo(ctx: click.Context, tenant: str) -> None:
    """Run the main job against a local sandbox on the embedded defaults."""
    try:
        from ledgerlink.sandbox.sandbox import Sandbox
    except ImportError as exc:
        raise click.ClickException("the demo needs: pip install 'ledgerlink[sandbox]'") from exc

    click.echo("1/4 starting the sandbox (QuickBooks emulator, seed demo)")
    with Sandbox(seed="demo").start() as box:
        os.environ.update(box.env())
        click.echo("2/4 preparing the store")
        dsn = db.dsn()
        migrations.upgrade(dsn)
        click.echo(f"    PostgreSQL: {dsn}  (schema v{migrations.current_version(dsn)})")
        click.echo(f"3/4 connecting tenant '{tenant}' to QuickBooks by OAuth")
        realm = connect_quickbooks(
            tenant,
            os.environ["LEDGERLINK_QUICKBOOKS_CLIENT_ID"],
            os.environ["LEDGERLINK_QUICKBOOKS_CLIENT_SECRET"],
            "http://127.0.0.1:0/callback",
            _approve_in_background,
            timeout=60,
        )
        creds = TokenStore().refresh(tenant, "quickbooks")
        click.echo(f"    company {realm}; refreshed once, token version {creds.version}")
        click.echo("4/4 connection status")
        ctx.invoke(status, tenant=tenant, as_json=False)
