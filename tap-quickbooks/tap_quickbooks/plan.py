"""The sync plan of a run: which streams come from the one CDC request and which from windowed
queries, and the run's upper bound ``hi``.

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

The planner knows streams only through ``PlannedStream`` (a small protocol), so it is tested
without a tap, a sandbox or the SDK.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.cdc import CdcResult, cdc_params, parse_cdc
from ledgerlink.quickbooks.faults import Category, QboApiError
from tap_quickbooks.pagination import lut

log = logging.getLogger(__name__)


class PlannedStream(Protocol):
    """What the planner needs of a stream."""

    @property
    def name(self) -> str: ...

    @property
    def entity(self) -> str: ...

    @property
    def tracks_ids(self) -> bool: ...

    @property
    def selected(self) -> bool: ...

    def bookmark(self) -> datetime | None: ...


# GET ``path`` with ``params`` on the realm; ``describe`` names the request in errors.
Call = Callable[[str, dict[str, str], str], Any]


@dataclass
class StreamPlan:
    mode: str  # full | cdc | window | catchup
    lo: datetime
    objects: list[dict[str, Any]] = field(default_factory=list)
    reconcile: bool = False


class RunPlanner:
    """Decides each stream's mode once per run and holds the run's ``hi``."""

    def __init__(
        self,
        *,
        streams: Callable[[], Iterable[PlannedStream]],
        start: datetime,
        settle: timedelta,
        cdc_max_age: timedelta,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.streams = streams
        self.start = start
        self.settle = settle
        self.cdc_max_age = cdc_max_age
        self.now = now
        self.hi: datetime | None = None
        self.plans: dict[str, StreamPlan] | None = None
        self.cdc_requests = 0

    def observe_time(self, text: str | None) -> None:
        """The first server time of the run fixes ``hi``."""
        if self.hi is None and text:
            server = q.parse_time(text).replace(microsecond=0)
            self.hi = server - self.settle
            log.info("This run reads changes before %s (server time %s)", self.hi, text)

    def plan(self, name: str, call: Call) -> StreamPlan:
        """Stream ``name``'s plan; the first stream to ask plans them all, making the one CDC
        request through ``call`` when any bookmark is fresh enough."""
        if self.plans is None:
            self.plans = self._make_plans(call)
        return self.plans[name]

    def _make_plans(self, call: Call) -> dict[str, StreamPlan]:
        start, wall = self.start, self.now()
        plans: dict[str, StreamPlan] = {}
        fresh: list[tuple[PlannedStream, datetime]] = []
        for stream in self.streams():
            if not stream.selected:
                continue
            mark = stream.bookmark()
            if mark is None:
                plans[stream.name] = StreamPlan("full", start)
            elif wall - mark > self.cdc_max_age:
                plans[stream.name] = StreamPlan("catchup", max(mark, start), reconcile=True)
            else:
                fresh.append((stream, max(mark, start)))
        if fresh:
            self._plan_cdc(fresh, plans, call)
        summary = ", ".join(f"{k}={v.mode}" for k, v in plans.items())
        log.info("Sync plan: %s", summary)
        return plans

    def _plan_cdc(
        self, fresh: list[tuple[PlannedStream, datetime]], plans: dict[str, StreamPlan], call: Call
    ) -> None:
        entities = [s.entity for s, _ in fresh]
        since = min(mark for _, mark in fresh)
        describe = f"CDC {','.join(entities)} changedSince {q.format_time(since)}"
        self.cdc_requests += 1
        try:
            payload = call("/cdc", cdc_params(entities, since), describe)
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
