"""`ledgerlink status` and `refresh`: the health of every connection, and the keep-alive.

Exit codes (what alerting hooks into): 0 all good; 1 a connection needs a reconnect now (or a
refresh failed); 3 no connection is dead but one will need a reconnect within `--warn-days`.
Click's own usage errors exit 2.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from ledgerlink import config
from ledgerlink.cli.options import tenant_option
from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens import Connection, TokenStore

EXIT_NEEDS_REAUTH = 1
EXIT_REAUTH_SOON = 3


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "-"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _state(conn: Connection, warn_days: int) -> str:
    if conn.needs_reauth:
        return "needs_reauth"
    if conn.expires_within(warn_days):
        return "reconnect_soon"
    return conn.status


def _as_dict(conn: Connection, warn_days: int) -> dict[str, object]:
    return {
        "tenant": conn.tenant,
        "provider": conn.provider,
        "account": conn.account_id,
        "status": _state(conn, warn_days),
        "detail": conn.problem if conn.needs_reauth else conn.status_detail,
        "reauth_cause": conn.reauth_cause,
        "reconnect_command": conn.reconnect if _state(conn, warn_days) != conn.status else None,
        "access_expires_at": _iso(conn.access_expires_at),
        "refresh_expires_at": _iso(conn.refresh_expires_at),
        "refresh_hard_expires_at": _iso(conn.refresh_hard_expires_at),
        "reconnect_by": _iso(conn.refresh_deadline) if not conn.needs_reauth else None,
        "days_left": conn.days_left,
        "last_refreshed_at": _iso(conn.last_refreshed_at),
    }


def _connections(store: TokenStore, tenant: str | None) -> list[Connection]:
    found = store.connections(tenant)
    if tenant is not None and not found:
        raise LedgerlinkError(f"No connection for tenant '{tenant}': see `ledgerlink status`")
    return found


def _table(connections: list[Connection], warn_days: int) -> None:
    header = (
        "TENANT",
        "PROVIDER",
        "ACCOUNT",
        "STATUS",
        "ACCESS EXPIRES",
        "REFRESH EXPIRES",
        "HARD EXPIRY",
        "DAYS LEFT",
        "LAST REFRESH",
    )
    rows = [header] + [
        (
            c.tenant,
            c.provider,
            c.account_id or "-",
            _state(c, warn_days),
            _when(c.access_expires_at),
            _when(c.refresh_expires_at),
            _when(c.refresh_hard_expires_at),
            "-" if c.days_left is None else str(c.days_left),  # never for a dead connection
            _when(c.last_refreshed_at),
        )
        for c in connections
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@click.command()
@tenant_option(required=False, help="Only this tenant (an error if it has no connection).")
@click.option(
    "--warn-days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Exit 3 when a reconnect is due within this many days (rolling window or hard expiry).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(tenant: str | None, warn_days: int, as_json: bool) -> None:
    """Show every connection. Exit 1 when one needs a reconnect now, 3 when one will within
    --warn-days, else 0."""
    connections = _connections(TokenStore(), tenant)
    if as_json:
        click.echo(json.dumps([_as_dict(c, warn_days) for c in connections], indent=2))
    elif not connections:
        click.echo("no connections yet: see `ledgerlink connect --help`")
    else:
        _table(connections, warn_days)
    for c in connections:
        if c.needs_reauth:
            click.echo(
                f"{c.tenant}/{c.provider}: needs a reconnect now ({c.problem}). "
                f"Reconnect with: {c.reconnect}",
                err=True,
            )
        elif c.expires_within(warn_days) and c.refresh_deadline is not None:
            click.echo(
                f"{c.tenant}/{c.provider}: needs a reconnect by {_when(c.refresh_deadline)} UTC"
                f" ({c.deadline_kind}, {c.days_left} days left). Reconnect with: {c.reconnect}",
                err=True,
            )
    if any(c.needs_reauth for c in connections):
        sys.exit(EXIT_NEEDS_REAUTH)
    if any(c.expires_within(warn_days) for c in connections):
        sys.exit(EXIT_REAUTH_SOON)


@click.command()
@tenant_option(required=False, help="Only this tenant (an error if it has no connection).")
@click.option("--provider", type=click.Choice(config.PROVIDERS), help="Only this provider.")
@click.option(
    "--force",
    is_flag=True,
    help="Refresh valid access tokens too (Intuit asks to refresh only expired ones).",
)
def refresh(tenant: str | None, provider: config.Provider | None, force: bool) -> None:
    """Keep every OAuth connection alive: refresh expired access tokens, which also renews the
    refresh token's rolling window. Reports each connection; exits 1 at the end if any failed."""
    store = TokenStore()
    failed = 0
    for conn in _connections(store, tenant):
        if conn.auth_kind != "oauth" or (provider and conn.provider != provider):
            continue
        name = f"{conn.tenant}/{conn.provider}"
        try:
            if force:
                creds = store.refresh(conn.tenant, conn.provider)  # type: ignore[arg-type]
            else:
                creds = store.credentials(conn.tenant, conn.provider)  # type: ignore[arg-type]
        except LedgerlinkError as exc:
            failed += 1
            click.echo(f"{name}: failed: {exc}")
            continue
        until = _when(creds.access_expires_at)
        if creds.version != conn.version:
            click.echo(f"{name}: refreshed, access token valid until {until} UTC")
        else:
            click.echo(f"{name}: still valid until {until} UTC (not refreshed)")
    if failed:
        click.echo(f"{failed} connection(s) failed; see above", err=True)
        sys.exit(1)
