"""The `ledgerlink` command: one entry point, a group per concern."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from ledgerlink import redact
from ledgerlink.cli.connect import connect, disconnect
from ledgerlink.cli.db import db
from ledgerlink.cli.demo import demo
from ledgerlink.cli.keys import keys
from ledgerlink.cli.sandbox import sandbox
from ledgerlink.cli.status import refresh, status
from ledgerlink.errors import LedgerlinkError


class _Group(click.Group):
    """Turns ledgerlink's own errors into one actionable line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerlinkError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG level.")
@click.version_option(package_name="ledgerlink")
def main(verbose: bool) -> None:
    """Keep QuickBooks Online, Pipedrive and ShipStation consistent.

    The store is PostgreSQL: LEDGERLINK_DATABASE_URL names a server; unset, an embedded server
    starts under .ledgerlink/ in the project directory.
    """
    redact.install()
    level = logging.DEBUG if verbose else getattr(logging, os.environ.get("LOGLEVEL", "INFO"))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; keep that for --verbose.
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)


main.add_command(db)
main.add_command(keys)
main.add_command(connect)
main.add_command(disconnect)
main.add_command(status)
main.add_command(refresh)
main.add_command(demo)
main.add_command(sandbox)
