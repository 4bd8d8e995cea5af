"""The `ledgerlink` command: one entry point, a group per concern."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click
import psycopg

from ledgerlink import config, redact
from ledgerlink.cli.connect import connect, disconnect
from ledgerlink.cli.db import db
from ledgerlink.cli.demo import demo
from ledgerlink.cli.keys import keys
from ledgerlink.cli.replay import replay
from ledgerlink.cli.sandbox import sandbox
from ledgerlink.cli.shipments import shipments
from ledgerlink.cli.status import refresh, status
from ledgerlink.errors import LedgerlinkError


class _Group(click.Group):
    """Turns ledgerlink's own errors, and any database failure, into one line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerlinkError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except psycopg.Error as exc:
            click.echo(f"error: {store_failure(exc)}", err=True)
            sys.exit(1)


def store_failure(exc: psycopg.Error) -> str:
    """One line for a database failure: what failed, the server's first line, what to check."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    where = "LEDGERLINK_DATABASE_URL" if config.database_url() else "the embedded PostgreSQL"
    return redact.redact(
        f"the ledgerlink store failed ({type(exc).__name__}: {first}); check {where}"
        " (`ledgerlink db url`) and run `ledgerlink db upgrade`"
    )


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
main.add_command(shipments)
main.add_command(replay)
