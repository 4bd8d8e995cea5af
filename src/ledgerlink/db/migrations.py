"""Versioned SQL migrations (`migrations/NNNN_name.sql`), applied once each, in order.

Every process may call `upgrade` at start; an advisory lock serialises them so two processes that
start together do not both apply the same file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg.rows import tuple_row

from ledgerlink.db import sessions

log = logging.getLogger(__name__)

# An arbitrary constant that names "ledgerlink schema migration" among advisory locks.
_MIGRATION_LOCK = 0x1ED6E71A


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    folder = resources.files("ledgerlink.db") / "sql"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(found, key=lambda m: m.version)


def upgrade(dsn: str) -> list[Migration]:
    """Apply the migrations the database lacks; return those applied (empty when up to date)."""
    applied: list[Migration] = []
    with sessions.connect(dsn, row_factory=tuple_row) as conn:
        # Up to date (every start but the first): no lock, so processes starting together do
        # not queue for it, each holding a connection.
        if _current(conn) >= max((m.version for m in available()), default=0):
            return applied
        with conn.transaction():
            _apply(conn, applied)
    return applied


def _current(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    exists = conn.execute("SELECT to_regclass('ledgerlink_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM ledgerlink_migrations").fetchone()
    return int(str(row[0])) if row else 0


def _apply(conn: psycopg.Connection[tuple[object, ...]], applied: list[Migration]) -> None:
    # Even CREATE TABLE IF NOT EXISTS races between sessions, so it goes under the lock too.
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
    conn.execute(
        "CREATE TABLE IF NOT EXISTS ledgerlink_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM ledgerlink_migrations")}
    for migration in available():
        if migration.version in done:
            continue
        log.info("Applying migration %04d %s", migration.version, migration.name)
        conn.execute(migration.sql.encode())
        conn.execute(
            "INSERT INTO ledgerlink_migrations (version, name) VALUES (%s, %s)",
            (migration.version, migration.name),
        )
        applied.append(migration)


def current_version(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT coalesce(max(version), 0) FROM ledgerlink_migrations").fetchone()
    return int(row[0]) if row else 0
