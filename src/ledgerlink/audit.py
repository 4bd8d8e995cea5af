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
