"""Durable refresh attempts (`token_refresh_attempts`): what the TokenStore knows about refreshes
whose answer it may never have seen.

An attempt is committed before the token endpoint is called and finished in the transaction that
stores the new tokens. The latest attempt on the current refresh token that is still open (in
flight, or its outcome unknown) means: the provider may be processing, or may already have
processed, that refresh token. Presenting it again before the provider's processing window has
passed is exactly the concurrent reuse that makes QuickBooks answer `invalid_grant` and revoke the
grant, so nobody does.

Times come from the database's clock, so processes on different machines agree on them.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

Outcome = Literal["refreshed", "rejected", "unknown", "failed"]


@dataclass(frozen=True)
class Attempt:
    id: int
    refresh_version: int
    host: str
    pid: int
    started_at: datetime
    outcome: str | None

    @property
    def by(self) -> str:
        return f"{self.host} pid {self.pid}"


def begin(conn: Any, tenant: str, provider: str, refresh_version: int) -> int:
    """Record an attempt; the caller's connection is in autocommit mode, so it is committed."""
    row = conn.execute(
        "INSERT INTO token_refresh_attempts (tenant, provider, refresh_version, host, pid)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (tenant, provider, refresh_version, socket.gethostname(), os.getpid()),
    ).fetchone()
    return int(row["id"])


def finish(conn: Any, attempt_id: int, outcome: Outcome, detail: str | None = None) -> None:
    conn.execute(
        "UPDATE token_refresh_attempts SET finished_at = clock_timestamp(), outcome = %s,"
        " detail = %s WHERE id = %s",
        (outcome, detail, attempt_id),
    )


def unsettled(conn: Any, tenant: str, provider: str, refresh_version: int) -> Attempt | None:
    """The latest attempt on this refresh token if its outcome is not known, else None."""
    row = conn.execute(
        "SELECT id, refresh_version, host, pid, started_at, outcome FROM token_refresh_attempts"
        " WHERE tenant = %s AND provider = %s ORDER BY id DESC LIMIT 1",
        (tenant, provider),
    ).fetchone()
    if row is None or row["refresh_version"] != refresh_version:
        return None  # the stored refresh token changed since (refreshed, reconnected)
    if row["outcome"] not in (None, "unknown"):
        return None
    return Attempt(
        id=row["id"],
        refresh_version=row["refresh_version"],
        host=row["host"],
        pid=row["pid"],
        started_at=row["started_at"],
        outcome=row["outcome"],
    )


def seconds_until_settled(conn: Any, attempt: Attempt, window: timedelta) -> float:
    """Seconds until the provider's processing window after `attempt` has passed (>= 0)."""
    row = conn.execute(
        "SELECT extract(epoch FROM (%s::timestamptz + %s::interval - clock_timestamp())) AS left",
        (attempt.started_at, window),
    ).fetchone()
    return max(0.0, float(row["left"]))
