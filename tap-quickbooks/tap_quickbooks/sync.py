"""The sync plan of a run: which streams come from the one CDC request and which from windowed
queries, the run's upper bound ``hi``, and the keyset-restarting windowed sweep.

Bounds. Every run reads ``[bookmark, hi)`` per stream, where ``hi`` = the server's clock at the
run's first response, cut to the second, minus ``settle_seconds``. ``LastUpdatedTime`` has
one-second resolution, so rows stamped in ``hi``'s second or later are left for the next run, and
the bookmark written at the end is ``hi`` itself: the next run starts with ``>= hi``. Nothing is
read twice (no boundary duplicate) and nothing falls between runs (no gap). The server's clock,
not ours, decides: QBO stamps rows with its own.

Modes per selected stream:
- ``full``: no bookmark yet: windowed queries from ``start_date``.
- ``cdc``: bookmark younger than ``cdc_max_age_days``: objects from the shared CDC answer.
- ``window``: a name list whose CDC answer hit the cap: windowed queries from the bookmark.
- ``catchup``: bookmark too old for CDC (or CDC refused it), or a transaction entity whose CDC
  answer hit the cap: windowed queries over everything, emitting from the bookmark, collecting
  every Id to find the deletions CDC can no longer tell (``reconcile``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.faults import Category, QboApiError
from tap_quickbooks.cdc import CdcResult, cdc_params, parse_cdc
from tap_quickbooks.idset import IdSet

if TYPE_CHECKING:
    import requests

    from tap_quickbooks.streams import EntityStream
    from tap_quickbooks.tap import TapQuickBooks

log = logging.getLogger(__name__)
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


@dataclass
class StreamPlan:
    mode: str  # full | cdc | window | catchup
    lo: datetime
    objects: list[dict[str, Any]] = field(default_factory=list)
    reconcile: bool = False


class RunPlanner:
    """Decides each stream's mode once per run and holds the run's ``hi``."""

    def __init__(self, tap: TapQuickBooks) -> None:
        self.tap = tap
        self.hi: datetime | None = None
        self.plans: dict[str, StreamPlan] | None = None
        self.cdc_requests = 0

    def observe_time(self, text: str | None) -> None:
        """The first server time of the run fixes ``hi``."""
        if self.hi is None and text:
            server = q.parse_time(text).replace(microsecond=0)
            self.hi = server - timedelta(seconds=int(self.tap.config.get("settle_seconds", 60)))
            log.info("This run reads changes before %s (server time %s)", self.hi, text)

    def plan(self, asking: EntityStream) -> StreamPlan:
        if self.plans is None:
            self.plans = self._make_plans(asking)
        return self.plans[asking.name]

    def _make_plans(self, asking: EntityStream) -> dict[str, StreamPlan]:
        config = self.tap.config
        start = q.parse_time(str(config.get("start_date") or "2000-01-01T00:00:00Z"))
        max_age = timedelta(days=float(config.get("cdc_max_age_days", 29)))
        wall = datetime.now(UTC)
        plans: dict[str, StreamPlan] = {}
        fresh: list[tuple[EntityStream, datetime]] = []
        for stream in self.tap.entity_streams():
            if not stream.selected:
                continue
            mark = stream.bookmark()
            if mark is None:
                plans[stream.name] = StreamPlan("full", start)
            elif wall - mark > max_age:
                plans[stream.name] = StreamPlan("catchup", max(mark, start), reconcile=True)
            else:
                fresh.append((stream, max(mark, start)))
        if fresh:
            self._plan_cdc(asking, fresh, plans, max_age)
        summary = ", ".join(f"{k}={v.mode}" for k, v in plans.items())
        log.info("Sync plan: %s", summary)
        return plans

    def _plan_cdc(
        self,
        asking: EntityStream,
        fresh: list[tuple[EntityStream, datetime]],
        plans: dict[str, StreamPlan],
        max_age: timedelta,
    ) -> None:
        entities = [s.entity for s, _ in fresh]
        since = min(mark for _, mark in fresh)
        describe = f"CDC {','.join(entities)} changedSince {q.format_time(since)}"
        self.cdc_requests += 1
        try:
            payload = asking.call("/cdc", cdc_params(entities, since), describe)
        except QboApiError as error:
            if error.category is not Category.CDC_TOO_OLD:
                raise
            # The server's clock says the cursor is beyond the look-back: catch up.
            log.warning("%s; catching up with windowed queries", error)
            self.observe_time(error.server_time)
            for stream, mark in fresh:
                plans[stream.name] = StreamPlan("catchup", mark, reconcile=True)
            return
        result: CdcResult = parse_cdc(payload, entities)
        self.observe_time(result.time)
        hi = self.hi
        for stream, mark in fresh:
            if stream.entity in result.truncated:
                log.warning("CDC answer for %s reached the cap: windowed queries", stream.entity)
                reconcile = stream.tracks_ids
                plans[stream.name] = StreamPlan(
                    "catchup" if reconcile else "window", mark, reconcile=reconcile
                )
                continue
            objects = [
                o
                for o in result.objects.get(stream.entity, [])
                if mark <= lut(o) and (hi is None or lut(o) < hi)
            ]
            plans[stream.name] = StreamPlan("cdc", mark, objects=objects)
