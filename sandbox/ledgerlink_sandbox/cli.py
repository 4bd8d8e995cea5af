"""``ledgerlink-sandbox``: run the local emulators and print how to point clients at them.

    ledgerlink-sandbox serve --port 8700 --seed demo   # QBO 8700, Pipedrive 8701, ShipStation 8702
    eval "$(ledgerlink-sandbox env --port 8700)"        # LEDGERLINK_* variables for that sandbox

Also runnable as ``python -m ledgerlink_sandbox.cli``, and as ``ledgerlink sandbox ...`` where the
sandbox is installed beside ledgerlink (the development setup). Everything binds 127.0.0.1 only.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import time
from types import FrameType

import click

from ledgerlink_sandbox.sandbox import SEEDS, Sandbox, static_env

DEFAULT_PORT = 8700


PORT = click.option(
    "--port",
    type=int,
    default=DEFAULT_PORT,
    show_default=True,
    help="QuickBooks port; Pipedrive and ShipStation are on the next two ports.",
)
SEED = click.option(
    "--seed",
    type=click.Choice(SEEDS),
    default="demo",
    show_default=True,
    help="Data set (deterministic per seed; the QuickBooks realm id depends on it).",
)


@click.group(name="ledgerlink-sandbox")
def sandbox() -> None:
    """Local emulators of QuickBooks Online, Pipedrive and ShipStation."""


@sandbox.command()
@PORT
@SEED
def serve(port: int, seed: str) -> None:
    """Serve the sandbox on 127.0.0.1 until interrupted (Ctrl-C or SIGTERM)."""
    started = time.monotonic()
    try:
        box = Sandbox(seed=seed).start(port=port)
    except RuntimeError as exc:  # port in use, typically
        raise click.ClickException(str(exc)) from exc
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(f"ledgerlink-sandbox (seed {seed}) ready in {time.monotonic() - started:.1f} s")
    for name, running in box.running.items():
        click.echo(f"{name:<12} {running.url}")
    for line in box.describe():
        click.echo(line)
    click.echo("Admin: GET <url>/_sandbox/stats, POST <url>/_sandbox/clock, ... (Ctrl-C stops)")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        box.stop()


@sandbox.command()
@PORT
@SEED
def env(port: int, seed: str) -> None:
    """Print `export` lines pointing ledgerlink at a sandbox on PORT."""
    for key, value in static_env(port, seed).items():
        click.echo(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    sandbox()
