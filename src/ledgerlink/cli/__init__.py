"""The `ledgerlink` command: one entry point, a group per concern.

Each command's module is imported only when that command runs (OAuth, HTTP and sandbox libraries
cost a second of start-up that `ledgerlink status` has no use for).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from ledgerlink import config, redact
from ledgerlink.errors import LedgerlinkError

if TYPE_CHECKING:
    import psycopg

COMMANDS = {  # name → the module of ledgerlink.cli that defines it
    "db": "db",
    "keys": "keys",
    "connect": "connect",
    "disconnect": "connect",
    "status": "status",
    "refresh": "status",
    "demo": "demo",
    "sandbox": "sandbox",
    "shipments": "shipments",
    "replay": "replay",
}


class _Group(click.Group):
    """Loads each command on use, and turns ledgerlink's own errors and any database failure into
    one line and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(importlib.import_module(f"ledgerlink.cli.{module}"), cmd_name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerlinkError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except Exception as exc:
            # Not imported yet means not the store's failure.
            psycopg = sys.modules.get("psycopg")
            if psycopg is None or not isinstance(exc, psycopg.Error):
                raise
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
