"""`ledgerlink status` and `refresh`: the health of every connection."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from ledgerlink import config
from ledgerlink.tokens import Connection, TokenStore


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "-"


def _as_dict(conn: Connection) -> dict[str, object]:
    return {
        "tenant": conn.tenant,
        "provider": conn.provider,
        "account": conn.account_id,
        "status": "needs_reauth" if conn.needs_reauth else conn.status,
        "detail": conn.status_detail,
        "access_expires_at": conn.access_expires_at.isoformat() if conn.access_expires_at else None,
        "refresh_expires_at": conn.refresh_expires_at.isoformat()
        if conn.refresh_expires_at
        else None,
        "refresh_hard_expires_at": conn.refresh_hard_expires_at.isoformat()
        if conn.refresh_hard_expires_at
        else None,
        "days_left": conn.days_left,
        "last_refreshed_at": conn.last_refreshed_at.isoformat() if conn.last_refreshed_at else None,
    }


@click.command()
@click.option("--tenant", help="Only this tenant.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(tenant: str | None, as_json: bool) -> None:
    """Show every connection; exit code 1 when any needs re-authorization."""
    connections = TokenStore().connections(tenant)
    if as_json:
        click.echo(json.dumps([_as_dict(c) for c in connections], indent=2))
    elif not connections:
        click.echo("no connections yet: see `ledgerlink connect --help`")
    else:
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
                "needs_reauth" if c.needs_reauth else c.status,
                _when(c.access_expires_at),
                _when(c.refresh_expires_at),
                _when(c.refresh_hard_expires_at),
                "-" if c.days_left is None else str(c.days_left),
                _when(c.last_refreshed_at),
            )
            for c in connections
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for row in rows:
            click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        for c in connections:
            if c.needs_reauth:
                click.echo(
                    f"{c.tenant}/{c.provider}: {c.status_detail or 'refresh token expired'}. "
                    f"Reconnect with: ledgerlink connect {c.provider} --tenant {c.tenant}",
                    err=True,
                )
    if any(c.needs_reauth for c in connections):
        sys.exit(1)


@click.command()
@click.option("--tenant", help="Only this tenant.")
@click.option("--provider", type=click.Choice(config.PROVIDERS), help="Only this provider.")
def refresh(tenant: str | None, provider: config.Provider | None) -> None:
    """Refresh OAuth access tokens now (what the scheduled token job runs)."""
    store = TokenStore()
    for conn in store.connections(tenant):
        if conn.auth_kind != "oauth" or (provider and conn.provider != provider):
            continue
        creds = store.refresh(conn.tenant, conn.provider)  # type: ignore[arg-type]
        click.echo(f"{conn.tenant}/{conn.provider}: valid until {_when(creds.access_expires_at)}")
