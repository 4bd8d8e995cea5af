"""Connections of their own, outside the pool, that wait for a free server slot.

Two kinds of work want one: a session that holds something beyond a transaction (the token
store's advisory lock, which must never go back into a pool), and a process that needs the
database for one short job (a plugin fetching its token). Such a process holds exactly this one
connection, so fifty plugin processes of a tenant need fifty, not the pool's idle ones on top.

When the server is full (`max_connections` reached) a new connection is refused at once. Those
slots are usually held by processes that are about to finish (other plugins waiting for the same
token), so the refusal is retried with backoff for a while, then reported in one line that names
the setting; it never hangs.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ledgerlink.errors import LedgerlinkError
from ledgerlink.retry import Backoff

log = logging.getLogger(__name__)

# How long a refused connection is retried, in seconds (`LEDGERLINK_DB_CONNECT_WAIT_SECONDS`).
DEFAULT_CONNECT_WAIT = 60.0
_BACKOFF = Backoff(base=0.05, cap=2.0)
# What PostgreSQL says when every slot is taken (SQLSTATE 53300; a failed connection carries no
# SQLSTATE in psycopg, only the server's text): the server's max_connections, or the connection
# limit of the database or the role.
_FULL = (
    "too many clients",
    "remaining connection slots are reserved",
    "too many connections for",
)


class ServerFull(LedgerlinkError):
    """PostgreSQL refused connections for longer than the connect wait."""


def connect_wait() -> float:
    value = os.environ.get("LEDGERLINK_DB_CONNECT_WAIT_SECONDS")
    return float(value) if value else DEFAULT_CONNECT_WAIT


def is_full(error: psycopg.OperationalError) -> bool:
    text = str(error)
    return any(marker in text for marker in _FULL)


def connect(dsn: str, *, wait: float | None = None, **kwargs: Any) -> psycopg.Connection[Any]:
    """An autocommit connection with dict rows (unless `kwargs` say otherwise), retried while
    the server is full for up to `wait` seconds (default `connect_wait()`)."""
    options: dict[str, Any] = {"autocommit": True, "row_factory": dict_row} | kwargs
    limit = connect_wait() if wait is None else wait
    deadline = time.monotonic() + limit
    tries = 0
    while True:
        try:
            return psycopg.connect(dsn, **options)
        except psycopg.OperationalError as error:
            if not is_full(error):
                raise
            tries += 1
            left = deadline - time.monotonic()
            if left <= 0:
                said = _said(error)
                msg = (
                    f"PostgreSQL refused every new connection for {limit:.0f} s ({said}):"
                    " raise the server's max_connections (or the connection limit of the"
                    " database or role) or run fewer ledgerlink processes at once"
                )
                raise ServerFull(msg) from None
            pause = min(left, _BACKOFF.delay(tries))
            if tries == 1:
                log.info("PostgreSQL is full (%s); waiting for a free connection", _said(error))
            time.sleep(pause)


def _said(error: psycopg.OperationalError) -> str:
    """The server's own words, e.g. 'sorry, too many clients already'."""
    text = str(error)
    for marker in _FULL:
        at = text.find(marker)
        if at >= 0:
            start = text.rfind(":", 0, at) + 1
            return text[start:].split("\n", 1)[0].strip()
    return text.splitlines()[0] if text else "full"
