"""The embedded PostgreSQL under `.ledgerlink/pgdata`, started on first use and shared by processes.

pgserver ships real server binaries in its wheel. The server outlives the process that started it
(taps, targets, Dagster and the CLI all come and go) until `ledgerlink db stop`; pgserver's
inter-process lock makes concurrent first starts safe.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
import warnings
from pathlib import Path
from typing import Any

from ledgerlink import config
from ledgerlink.errors import LedgerlinkError

DATABASE = "ledgerlink"
log = logging.getLogger(__name__)
# pgserver narrates every start at INFO, with full command lines; only its problems matter here.
logging.getLogger("pgserver").setLevel(logging.WARNING)


def data_dir() -> Path:
    return config.state_dir() / "pgdata"


def _server(create: bool) -> Any:
    pgdata = data_dir()
    if not create and not (pgdata / "PG_VERSION").exists():
        return None
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("Using the embedded PostgreSQL in %s (started if it was not running)", pgdata)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI), on import and when
        # pgserver asks for its runtime folder; the fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver

        return pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]


_started: dict[Path, str] = {}


def ensure_started() -> str:
    """Start the server if needed, make sure the `ledgerlink` database exists, return its DSN.

    Cached per data folder: once this process has seen the server up, asking again is free.
    """
    pgdata = data_dir()
    if pgdata in _started:
        return _started[pgdata]
    server = _server(create=True)
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if not found.fetchone():
            # Another process may create it between our check and our CREATE: PostgreSQL says
            # so as a duplicate database, or, when both CREATEs run at once, as a unique
            # violation in its catalog.
            raced = (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation)
            with contextlib.suppress(*raced):
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
    _started[pgdata] = str(server.get_uri(DATABASE))
    return _started[pgdata]


def running_pid() -> int | None:
    """The postmaster's pid when the embedded server of this project is running, else None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # importing pgserver: the XDG_RUNTIME_DIR note, as above
        from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir())
    return info.pid if info is not None and _alive(info.pid) else None


def _alive(pid: int) -> bool:
    import psutil

    try:
        status: str = psutil.Process(pid).status()
        return bool(status != psutil.STATUS_ZOMBIE)  # exited, not yet reaped
    except psutil.NoSuchProcess:
        return False


def stop(timeout: float = 30.0) -> bool:
    """Stop the embedded server; False when none was running, True once it is gone.

    A fast shutdown (SIGINT): open sessions of taps, Dagster or pools are disconnected rather than
    waited for. pgserver's own stop path silently does nothing while another process that once
    used the server is alive, so it is not used here. Raises `LedgerlinkError` when the server
    is still running after `timeout` seconds.
    """
    pid = running_pid()
    if pid is None:
        return False
    _started.pop(data_dir(), None)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while running_pid() is not None:
        if time.monotonic() > deadline:
            msg = (
                f"The embedded PostgreSQL (pid {pid}, {data_dir()}) is still running"
                f" {timeout:.0f} s after the stop request"
            )
            raise LedgerlinkError(msg)
        time.sleep(0.1)
    return True
