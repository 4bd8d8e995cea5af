"""Windowed queries over ``[lo, hi)`` with keyset restarts, and the SDK paginator driving them.

A page is one ``SELECT * FROM <Entity> WHERE MetaData.LastUpdatedTime >= 'lo' AND ... < 'hi'
ORDERBY MetaData.LastUpdatedTime STARTPOSITION n MAXRESULTS m`` (``ledgerlink.quickbooks.query``).
``hi`` is the run's upper bound, fixed by the planner (``plan.py``) from the server's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from ledgerlink.quickbooks import query as q
from tap_quickbooks.idset import IdSet

Token = tuple[str, int]  # (keyset position as UTC ISO, STARTPOSITION within that second)


def lut(row: dict[str, Any]) -> datetime:
    return q.parse_time(row["MetaData"]["LastUpdatedTime"])


@dataclass
class Sweep:
    """Windowed queries over ``[lo, hi)`` with keyset restarts.

    After a full page the next query starts again at the last timestamp seen (``>= t``,
    STARTPOSITION 1) instead of at an offset, so rows that move or vanish between pages cannot
    shift unseen rows past us; rows of second ``t`` already handled are recognised by
    ``(Id, SyncToken)``. Offsets are used only inside one second holding a whole page.
    """

    entity: str
    lo: datetime
    emit_from: datetime  # older rows only feed ``ids`` (catch-up reconciliation)
    page_size: int = q.MAX_RESULTS
    ids: IdSet | None = None
    boundary: datetime | None = None
    boundary_keys: set[tuple[str, str]] = field(default_factory=set)
    page_rows: int = 0
    last_seen: datetime | None = None
    pages: int = 0

    def statement(self, token: Token | None, hi: datetime | None) -> str:
        at, start = token if token else (q.utc_iso(self.lo), 1)
        return q.window_query(
            self.entity, q.parse_time(at), hi, start=start, max_results=self.page_size
        )

    def describe(self, token: Token | None) -> str:
        at, start = token if token else (q.utc_iso(self.lo), 1)
        return f"query window [{at}, hi) STARTPOSITION {start}"

    def take_page(self, rows: list[dict[str, Any]], hi: datetime | None) -> list[dict[str, Any]]:
        """The rows of one page to emit; updates the keyset position and the Id set."""
        self.pages += 1
        self.page_rows = len(rows)
        out = []
        for row in rows:
            stamp = lut(row)
            self.last_seen = stamp
            if hi is not None and stamp >= hi:
                continue  # next run's business
            key = (str(row["Id"]), str(row.get("SyncToken", "")))
            if stamp == self.boundary:
                if key in self.boundary_keys:
                    continue  # seen on the previous page, before the restart
            else:
                self.boundary, self.boundary_keys = stamp, set()
            self.boundary_keys.add(key)
            if self.ids is not None:
                self.ids.add(key[0])
            if stamp >= self.emit_from:
                out.append(row)
        return out

    def next_token(self, token: Token | None, hi: datetime | None) -> Token | None:
        if self.page_rows < self.page_size or self.last_seen is None:
            return None  # a short page is the last one
        if hi is not None and self.last_seen >= hi:
            return None
        at, start = token if token else (q.utc_iso(self.lo), 1)
        position = q.utc_iso(self.last_seen)
        if position == at:
            return (at, start + self.page_size)  # a whole page in one second
        return (position, 1)


class WindowPaginator(BaseAPIPaginator[Token | None]):
    """The SDK paginator driving a ``Sweep``; a page emptied by dedupe is not the end."""

    def __init__(self, sweep: Sweep, hi: Callable[[], datetime | None]) -> None:
        super().__init__(None)
        self.sweep = sweep
        self.hi = hi

    @override
    def get_next(self, response: requests.Response) -> Token | None:
        return self.sweep.next_token(self.current_value, self.hi())

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return self.get_next(response) is not None
