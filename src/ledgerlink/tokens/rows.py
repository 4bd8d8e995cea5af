"""The `connections` table as the token modules read it: columns, row lookup, locks, expiries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# Pipedrive's refresh token lives 60 days from its last use and the response does not say so.
PIPEDRIVE_REFRESH_WINDOW = timedelta(days=60)

COLUMNS = (
    "tenant, provider, auth_kind, account_id, api_url, token_url, revoke_url, client_id, secrets,"
    " access_expires_at, refresh_expires_at, refresh_hard_expires_at, status, status_detail,"
    " reauth_cause, reconnect_command, version, last_refreshed_at, created_at, updated_at"
)


def select(conn: Any, tenant: str, provider: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = conn.execute(
        f"SELECT {COLUMNS} FROM connections WHERE tenant = %s AND provider = %s",  # noqa: S608
        (tenant, provider),
    ).fetchone()
    return row


def lock_key(tenant: str, provider: str) -> str:
    return f"ledgerlink.tokens:{tenant}:{provider}"


def xact_lock(conn: Any, tenant: str, provider: str) -> None:
    """The refresh lock, transaction-scoped (saving, disconnecting): released at commit or
    rollback, and by the server if the client dies. It excludes the refresh's session-level lock
    on the same key."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock_key(tenant, provider),)
    )


def expiry(now: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)
