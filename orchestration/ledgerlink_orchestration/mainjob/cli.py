"""`ledgerlink-mainjob run` (what `ledgerlink demo` hands over to) and `ledgerlink-mainjob ui`."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import click

from ledgerlink.errors import LedgerlinkError
from ledgerlink_orchestration.mainjob import setup
from ledgerlink_orchestration.mainjob.dagster_path import use_project_home
from ledgerlink_orchestration.mainjob.run import main_job
from ledgerlink_orchestration.mainjob.sandbox_link import sandbox
from ledgerlink_orchestration.meltano.project import MeltanoProject

TENANT = click.option("--tenant", default="demo", show_default=True, help="Tenant to connect.")
PORT = click.option(
    "--port",
    type=int,
    default=8700,  # the sandbox's own default (`ledgerlink sandbox serve`)
    show_default=True,
    envvar="LEDGERLINK_SANDBOX_PORT",
    help="Sandbox QuickBooks port (Pipedrive and ShipStation on the next two); 0 = any free.",
)


@click.group(name="ledgerlink-mainjob")
def mainjob() -> None:
    """The main job against the local sandbox, and the Dagster UI on the same setup."""


@mainjob.command()
@TENANT
@PORT
@click.option(
    "--attach",
    is_flag=True,
    envvar="LEDGERLINK_SANDBOX_ATTACH",
    help="Use the sandbox already served on --port (`ledgerlink sandbox serve`) instead of "
    "starting one.",
)
@click.option(
    "--seed",
    type=click.Choice(["demo", "small"]),
    default="demo",
    show_default=True,
    envvar="LEDGERLINK_SANDBOX_SEED",
    help="The sandbox's data set (an attached sandbox must serve the same).",
)
def run(tenant: str, port: int, attach: bool, seed: str) -> None:
    """Run the whole product end to end against the sandbox (README command 1)."""
    # The terminal shows the main job's progress and summary only: instance migrations (the run
    # history says enough) and the store's start and migrations (step 1 prints its version).
    for noisy in ("alembic", "dagster", "ledgerlink.db"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        with sandbox(port, attach=attach, seed=seed) as link:
            main_job(link, tenant, seed)
    except LedgerlinkError as error:
        raise click.ClickException(str(error)) from None


@mainjob.command()
@TENANT
@PORT
@click.option("--ui-port", type=int, default=3000, show_default=True)
def ui(tenant: str, port: int, ui_port: int) -> None:
    """`dagster dev` on the project's DAGSTER_HOME, with the sandbox served again on the same
    ports and the tenant reconnected (the sandbox keeps its data in memory: it starts again from
    the seed; the store and the run history are the main job's)."""
    try:
        with sandbox(port, attach=False) as link:
            os.environ.update(link.env)
            click.echo(f"sandbox (seed demo) on {link.url('quickbooks')} and the next two ports")
            setup.prepare_store()
            setup.connect_tenant(tenant, os.environ)
            setup.use_project_meltano_state()  # the main job's bookmarks
            home = use_project_home()
            click.echo(f"tenant '{tenant}' reconnected; DAGSTER_HOME={home}")
            _dagster_dev(ui_port)
    except LedgerlinkError as error:
        raise click.ClickException(str(error)) from None


def _dagster_dev(ui_port: int) -> None:
    dagster = Path(sys.executable).with_name("dagster")
    root = MeltanoProject.find().root  # `dagster dev` finds the code location from there
    process = subprocess.Popen(
        [str(dagster), "dev", "--port", str(ui_port)], cwd=root, env=os.environ.copy()
    )
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    mainjob()
