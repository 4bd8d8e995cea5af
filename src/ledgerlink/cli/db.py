"""`ledgerlink db`: migrations, the DSN, the embedded server."""

from __future__ import annotations

import click

from ledgerlink import config
from ledgerlink import db as store
from ledgerlink.db import embedded, migrations


@click.group()
def db() -> None:
    """The PostgreSQL store (a server by LEDGERLINK_DATABASE_URL, else the embedded one)."""


@db.command()
def upgrade() -> None:
    """Apply pending migrations (safe to run any number of times)."""
    dsn = store.dsn()
    applied = migrations.upgrade(dsn)
    for migration in applied:
        click.echo(f"applied {migration.version:04d} {migration.name}")
    click.echo(f"schema at version {migrations.current_version(dsn)}")


@db.command()
@click.option(
    "--sqlalchemy", is_flag=True, help="As a SQLAlchemy URL (postgresql+psycopg://), for loaders."
)
def url(sqlalchemy: bool) -> None:
    """Print the DSN, e.g. for psql "$(ledgerlink db url)" or a BI tool."""
    click.echo(store.sqlalchemy_url() if sqlalchemy else store.dsn())


@db.command()
def stop() -> None:
    """Stop the embedded PostgreSQL (it starts again on next use)."""
    if config.database_url():
        raise click.UsageError(
            "LEDGERLINK_DATABASE_URL names a server; ledgerlink does not stop it"
        )
    click.echo("stopped" if embedded.stop() else "the embedded PostgreSQL was not running")
