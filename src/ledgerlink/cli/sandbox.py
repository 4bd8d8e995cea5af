"""``ledgerlink sandbox``: the local emulators, where the ``ledgerlink-sandbox`` distribution is.

The emulators are a distribution of their own (``sandbox/`` in the repository, import name
``ledgerlink_sandbox``, command ``ledgerlink-sandbox``) that neither ledgerlink nor its plugins
install. The development setup (``python3 tasks.py setup``) installs it, and then

    ledgerlink sandbox serve --port 8700 --seed demo   # QBO 8700, Pipedrive 8701, ShipStation 8702
    eval "$(ledgerlink sandbox env --port 8700)"        # LEDGERLINK_* variables for that sandbox

hands its arguments to ``ledgerlink-sandbox``; elsewhere it says in one line how to get it. Also
runnable as ``python -m ledgerlink.cli.sandbox``.
"""

from __future__ import annotations

import click

NOT_INSTALLED = (
    "the sandbox emulators are not installed: run `python3 tasks.py setup` in a ledgerlink "
    "checkout (or `pip install ./sandbox` there)"
)


def is_missing_sandbox(exc: ModuleNotFoundError) -> bool:
    """The import failed because the emulators are not installed (not one of their own deps)."""
    return (exc.name or "").partition(".")[0] == "ledgerlink_sandbox"


def sandbox_command() -> click.Command:
    """The emulators' own command group; ``click.ClickException`` where they are not installed."""
    # Imported on use: the distribution is optional, and `ledgerlink` must start without the
    # web stack the emulators bring.
    try:
        from ledgerlink_sandbox.cli import sandbox as command
    except ModuleNotFoundError as exc:
        if not is_missing_sandbox(exc):
            raise
        raise click.ClickException(NOT_INSTALLED) from None
    return command


@click.command(
    name="sandbox",
    add_help_option=False,  # --help goes to the emulators' command, which knows its options
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def sandbox(args: tuple[str, ...]) -> None:
    """Local emulators of QuickBooks Online, Pipedrive and ShipStation (serve, env)."""
    sandbox_command().main(list(args), prog_name="ledgerlink sandbox")


if __name__ == "__main__":
    sandbox()
