"""``sync_audit``: one row per decision a target makes (replays and support questions read it).

Shared by the targets; the caller's ``with db.connection(url)`` block is the transaction.
Parametrized SQL only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ACTIONS = frozenset({"create", "update", "skip", "noop", "fail", "ambiguous"})


@dataclass(frozen=True)
class AuditEntry:
    stream: str
    source_key: str  # the QuickBooks Id
    action: str  # one of ACTIONS
    target_key: str | None = None  # the provider's id or key
    changed: Mapping[str, Any] | None = None  # what changed, or why (JSON)
    error: str | None = None


def write(
    conn: psycopg.Connection[Any],
    tenant: str,
    run_id: str,
    entries: Iterable[AuditEntry],
    *,
    dry_run: bool = False,
) -> int:
    """Append decisions; returns how many rows were written."""
    rows = []
    for e in entries:
        if e.action not in ACTIONS:
            raise ValueError(f"audit action {e.action!r} is not one of {sorted(ACTIONS)}")
        changed = None if e.changed is None else jsonb(dict(e.changed))
        rows.append(
            (
                run_id,
                tenant,
                e.stream,
                e.source_key,
                e.target_key,
                e.action,
                changed,
                e.error,
                dry_run,
            )
        )
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sync_audit (run_id, tenant, stream, source_key, target_key, action,"
                " changed, error, dry_run) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
    return len(rows)


def _plain(value: Any) -> Any:
    """JSON for values a Singer record carries: singer-sdk parses numbers as Decimal."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_plain)


def jsonb(value: Any) -> Jsonb:
    """``value`` as a jsonb parameter, Singer records' decimals included."""
    return Jsonb(value, dumps=dumps)


# --- retries and replays ------------------------------------------------------------------------
# A target that cannot re-read a source record on demand keeps it in its decisions' ``changed``
# under RECORD; the latest decision of a record being a ``fail``, or a replay a person asked for,
# makes the target decide that record again on its next run.
RECORD = "record"
REPLAY = "replay"


@dataclass(frozen=True)
class Retry:
    source_key: str
    record: dict[str, Any]
    replay: bool  # asked for by a person: sent even if unchanged


def to_retry(conn: psycopg.Connection[Any], tenant: str, stream: str) -> list[Retry]:
    """The records whose latest decision was a failure or a replay request (dry runs aside)."""
    found = conn.execute(
        """
        SELECT source_key, changed -> %s AS record, changed ? %s AS replay FROM (
            SELECT DISTINCT ON (source_key) source_key, action, changed
              FROM sync_audit
             WHERE tenant = %s AND stream = %s AND NOT dry_run
             ORDER BY source_key, id DESC
        ) AS last
        WHERE (action = 'fail' OR changed ? %s) AND changed ? %s
        """,
        (RECORD, REPLAY, tenant, stream, REPLAY, RECORD),
    ).fetchall()
    return [Retry(row["source_key"], dict(row["record"]), bool(row["replay"])) for row in found]


def request_replay(
    conn: psycopg.Connection[Any], tenant: str, stream: str, source_key: str, run_id: str
) -> dict[str, Any] | None:
    """Queue one record for its target's next run, as last received; None when no decision
    about it kept the record."""
    row = conn.execute(
        "SELECT changed -> %s AS record FROM sync_audit WHERE tenant = %s AND stream = %s"
        " AND source_key = %s AND changed ? %s ORDER BY id DESC LIMIT 1",
        (RECORD, tenant, stream, source_key, RECORD),
    ).fetchone()
    if row is None:
        return None
    record = dict(row["record"])
    entry = AuditEntry(stream, source_key, "skip", changed={RECORD: record, REPLAY: True})
    write(conn, tenant, run_id, [entry])
    return record
