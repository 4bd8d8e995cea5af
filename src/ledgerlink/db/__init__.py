"""PostgreSQL access: one DSN (a server by URL, else the embedded one), a pool, sessions of their
own (`ledgerlink.db.sessions`), migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ledgerlink import config
from ledgerlink.db import embedded, migrations, sessions
from ledgerlink.errors import LedgerlinkError

_lock = threading.Lock()
_pool: ConnectionPool[psycopg.Connection[dict]] | None = None  # type: ignore[type-arg]
_pool_dsn: str | None = None
_migrated: set[str] = set()  # DSNs this process has brought up to date


def dsn(url: str | None = None) -> str:
    """The DSN in force: `url` when given, else `LEDGERLINK_DATABASE_URL`, else the embedded
    server (started if needed)."""
    return url or config.database_url() or embedded.ensure_started()


def sqlalchemy_url(conninfo: str | None = None) -> str:
    """The DSN as a SQLAlchemy URL (psycopg 3 driver), for loaders such as target-postgres."""
    params = conninfo_to_dict(conninfo or dsn())
    host = str(params.pop("host", "") or "")
    port = params.pop("port", None)
    user = quote(str(params.pop("user", "") or ""), safe="")
    password = params.pop("password", None)
    dbname = quote(str(params.pop("dbname", "") or ""), safe="")
    credentials = f"{user}:{quote(str(password), safe='')}@" if password else f"{user}@"
    if host.startswith("/"):  # a Unix socket folder travels as a query parameter
        params["host"] = host
        host = ""
    location = host + (f":{port}" if port else "")
    query = urlencode({k: str(v) for k, v in params.items()})
    return f"postgresql+psycopg://{credentials}{location}/{dbname}" + (f"?{query}" if query else "")


def migrated(url: str | None = None) -> str:
    """The DSN in force (see `dsn`), its migrations applied; checked once per process."""
    url = dsn(url)
    if url not in _migrated:
        migrations.upgrade(url)
        _migrated.add(url)
    return url


def pool(url: str | None = None) -> ConnectionPool[psycopg.Connection[dict]]:  # type: ignore[type-arg]
    """The process-wide pool for `url` (default: the DSN in force), created on first use with
    migrations applied."""
    global _pool, _pool_dsn
    with _lock:
        url = dsn(url)
        if _pool is not None and _pool_dsn == url:
            return _pool
        if _pool is not None:
            _pool.close()
        migrations.upgrade(url)
        _migrated.add(url)
        _pool = ConnectionPool(
            url,
            min_size=1,
            max_size=4,
            kwargs={"row_factory": dict_row},
            open=True,
            name="ledgerlink",
        )
        # A first request made while the first connection is still being opened would make
        # the pool open a second one, held idle for the life of the process.
        try:
            _pool.wait(timeout=sessions.connect_wait())
        except PoolTimeout:
            _pool = None  # wait() closed it
            msg = (
                "No connection to the ledgerlink database within"
                f" {sessions.connect_wait():.0f} s: the server is down or its max_connections"
                " is reached"
            )
            raise LedgerlinkError(msg) from None
        _pool_dsn = url
        return _pool


@contextmanager
def connection(url: str | None = None) -> Iterator[psycopg.Connection[dict]]:  # type: ignore[type-arg]
    """A pooled connection (to `url`, default the DSN in force); the block is one transaction,
    committed on success."""
    with pool(url).connection() as conn:
        yield conn


@contextmanager
def session(url: str | None = None) -> Iterator[psycopg.Connection[dict]]:  # type: ignore[type-arg]
    """A connection of its own (autocommit, dict rows; `url`, default the DSN in force),
    closed after the block: the only connection a short job holds, and one that may hold a
    session-level lock. Waits for a free slot while the server is full
    (`ledgerlink.db.sessions`)."""
    with sessions.connect(migrated(url)) as conn:
        yield conn


def close() -> None:
    """Close the pool (tests switch databases; long-lived processes call it on shutdown)."""
    global _pool, _pool_dsn
    with _lock:
        if _pool is not None:
            _pool.close()
        _pool, _pool_dsn = None, None
        _migrated.clear()
