"""`ledgerlink demo`: the main job on the embedded defaults, against the local sandbox.

Where the orchestration is installed (the development setup), the command hands over to its main
job (entry point group ``ledgerlink.demo``: every job through Dagster, the business acting in the
sandbox, a summary; `docs/main-job.md`). Elsewhere, or with ``--raw-copies``, it runs the two raw
copies below, which need only the core, the taps and target-postgres.

It uses exactly the paths a real deployment uses (embedded PostgreSQL, migrations, the OAuth
authorization-code flow, the TokenStore, `meltano run` with the project's plugins); only the
providers are the sandbox, and the "person who approves in the browser" is a background request
to the sandbox's auto-approving consent page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import httpx
import psycopg

from ledgerlink import config, db, raw_copies
from ledgerlink.cli.connect import connect_pipedrive_token, connect_quickbooks
from ledgerlink.cli.options import tenant_option
from ledgerlink.cli.sandbox import NOT_INSTALLED, is_missing_sandbox
from ledgerlink.cli.status import status
from ledgerlink.db import migrations
from ledgerlink.errors import LedgerlinkError

# What the demo syncs: tap, its load_schema (+ _<tenant>), the sandbox service it talks to.
JOBS = (
    ("tap-quickbooks", "raw_quickbooks", "quickbooks"),
    ("tap-pipedrive", "raw_pipedrive", "pipedrive"),
)


def approve_in_background(url: str) -> None:
    """Play the user: open the consent page, which redirects to our callback."""

    def visit() -> None:
        httpx.get(url, follow_redirects=True, timeout=30)

    threading.Thread(target=visit, daemon=True).start()


def _meltano_project() -> Path | None:
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / "meltano.yml").is_file():
            return candidate
    return None


def _meltano() -> str | None:
    beside = Path(sys.executable).with_name("meltano")
    return str(beside) if beside.exists() else shutil.which("meltano")


class _Meltano:
    """Runs `meltano` in the project with the sandbox's environment, logging to a file."""

    def __init__(self, executable: str, project: Path, env: Mapping[str, str]) -> None:
        self.executable, self.project, self.env = executable, project, dict(env)
        self.log = config.state_dir() / "logs" / "demo-meltano.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")

    def __call__(self, *args: str) -> None:
        with self.log.open("a") as out:
            out.write(f"$ meltano {' '.join(args)}\n")
            out.flush()
            done = subprocess.run(
                [self.executable, "--environment=sandbox", *args],
                cwd=self.project,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            tail = "\n".join(self.log.read_text().splitlines()[-15:])
            msg = f"meltano {' '.join(args)} failed (log: {self.log}):\n{tail}"
            raise LedgerlinkError(msg)


def _api_calls(box: Any, service: str) -> int:
    """Requests the provider's API received (the sandbox counts them; admin calls excluded)."""
    snapshot = box.services[service].core.stats.snapshot()
    return sum(n for route, n in snapshot["routes"].items() if "oauth" not in route)


def _raw_counts(dsn: str, schema: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                (schema,),
            )
        ]
        counts = {}
        for table in tables:
            query = psycopg.sql.SQL("SELECT count(*) FROM {}.{}").format(
                psycopg.sql.Identifier(schema), psycopg.sql.Identifier(table)
            )
            row = conn.execute(query).fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


def main_job_command() -> click.Command | None:
    """The orchestration's main job, where it is installed (the core never imports it)."""
    for entry in entry_points(group="ledgerlink.demo"):
        loaded = entry.load()
        if isinstance(loaded, click.Command):
            return loaded
    return None


@click.command()
@tenant_option(required=False, default="demo", show_default=True, help="Tenant to connect.")
@click.option(
    "--raw-copies", is_flag=True, help="Only the two raw copies, even with the orchestration."
)
@click.pass_context
def demo(ctx: click.Context, tenant: str, raw_copies: bool) -> None:
    """Run the main job against a local sandbox on the embedded defaults."""
    handover = None if raw_copies else main_job_command()
    if handover is not None:
        # Parsed as its own command line, so its options' environment variables apply.
        handover.main(["--tenant", tenant], prog_name="ledgerlink demo", standalone_mode=False)
        return
    # Imported on use: the emulators are an optional distribution (see ledgerlink.cli.sandbox).
    try:
        from ledgerlink_sandbox.sandbox import Sandbox
    except ModuleNotFoundError as exc:
        if not is_missing_sandbox(exc):
            raise
        raise click.ClickException(f"the demo needs the sandbox: {NOT_INSTALLED}") from None

    click.echo("1/5 starting the sandbox (QuickBooks, Pipedrive and ShipStation emulators)")
    with Sandbox(seed="demo").start() as box:
        os.environ.update(box.env())
        click.echo("2/5 preparing the store")
        dsn = db.dsn()
        migrations.upgrade(dsn)
        click.echo(f"    PostgreSQL: {dsn}  (schema v{migrations.current_version(dsn)})")
        click.echo(
            f"3/5 connecting tenant '{tenant}' (QuickBooks by OAuth, Pipedrive by API token)"
        )
        realm = connect_quickbooks(
            tenant,
            os.environ["LEDGERLINK_QUICKBOOKS_CLIENT_ID"],
            os.environ["LEDGERLINK_QUICKBOOKS_CLIENT_SECRET"],
            "http://127.0.0.1:0/callback",
            approve_in_background,
            timeout=60,
        )
        domain = connect_pipedrive_token(tenant, os.environ["LEDGERLINK_PIPEDRIVE_API_TOKEN"])
        click.echo(f"    QuickBooks company {realm}, Pipedrive company {domain}")
        _sync(box, tenant, dsn)
        click.echo("5/5 connection status")
        ctx.invoke(status, tenant=tenant, as_json=False)


def _sync(box: Any, tenant: str, dsn: str) -> None:
    project, executable = _meltano_project(), _meltano()
    if project is None or executable is None:
        click.echo("4/5 skipped: run the demo inside the ledgerlink Meltano project to sync")
        return
    env = os.environ | {
        "LEDGERLINK_TENANT": tenant,
        "LEDGERLINK_PROJECT_DIR": str(config.project_dir()),
        "LEDGERLINK_SQLALCHEMY_URL": db.sqlalchemy_url(dsn),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
    }
    meltano = _Meltano(executable, project, env)
    click.echo(
        "4/5 meltano run <tap> target-postgres: raw copies for analysts, full then incremental"
    )
    click.echo("    installing the plugins (first run only)")
    for tap, _schema, _service in JOBS:
        meltano("install", "extractor", tap)
    meltano("install", "loader", "target-postgres")
    for tap, load_schema, service in JOBS:
        schema = raw_copies.schema(load_schema, tenant)  # the tenant's own, as Dagster loads it
        meltano.env[raw_copies.load_schema_variable(tap)] = schema
        before = _api_calls(box, service)
        meltano("run", "--full-refresh", tap, "target-postgres")
        rows = ", ".join(f"{table} {n}" for table, n in _raw_counts(dsn, schema).items())
        click.echo(
            f"    {tap} full sync: {rows} rows in {schema}.*; "
            f"{_api_calls(box, service) - before} API calls"
        )
        before = _api_calls(box, service)
        meltano("run", tap, "target-postgres")
        click.echo(
            f"    {tap} incremental run with nothing changed: "
            f"{_api_calls(box, service) - before} API call(s)"
        )
