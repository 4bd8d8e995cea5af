"""The run planner on its own: streams as plain objects, the CDC request as a function (no tap,
no sandbox). Which mode each stream gets, how many CDC requests, and the run's bound ``hi``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.quickbooks import query as q
from tap_quickbooks.plan import RunPlanner

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class FakeStream:
    name: str
    entity: str
    mark: datetime | None = None
    tracks_ids: bool = False
    selected: bool = True

    def bookmark(self) -> datetime | None:
        return self.mark


class FakeCdc:
    """Answers the CDC request with the given objects at server time ``time``."""

    def __init__(self, objects: dict[str, list[dict[str, Any]]], time: datetime) -> None:
        self.objects, self.time, self.calls = objects, time, 0

    def __call__(self, path: str, params: dict[str, str], describe: str) -> Any:
        assert path == "/cdc"
        self.calls += 1
        groups = [{name: rows} for name, rows in self.objects.items()]
        return {"CDCResponse": [{"QueryResponse": groups}], "time": q.utc_iso(self.time)}


def _row(id_: str, at: datetime) -> dict[str, Any]:
    return {"Id": id_, "MetaData": {"LastUpdatedTime": q.utc_iso(at)}}


def _planner(streams: list[FakeStream]) -> RunPlanner:
    return RunPlanner(
        streams=lambda: streams,
        start=START,
        settle=timedelta(seconds=60),
        cdc_max_age=timedelta(days=29),
        now=lambda: NOW,
    )


def test_modes_by_bookmark_age_and_one_cdc_request_for_all_fresh_streams() -> None:
    recent = NOW - timedelta(hours=2)
    streams = [
        FakeStream("customers", "Customer"),
        FakeStream("invoices", "Invoice", recent, tracks_ids=True),
        FakeStream("items", "Item", recent),
        FakeStream("payments", "Payment", NOW - timedelta(days=40), tracks_ids=True),
        FakeStream("terms", "Term", recent, selected=False),
    ]
    changed = NOW - timedelta(minutes=30)
    cdc = FakeCdc({"Invoice": [_row("7", changed)], "Item": []}, time=NOW)
    planner = _planner(streams)

    modes = {s.name: planner.plan(s.name, cdc).mode for s in streams if s.selected}

    assert modes == {"customers": "full", "invoices": "cdc", "items": "cdc", "payments": "catchup"}
    assert cdc.calls == 1
    assert planner.hi == NOW - timedelta(seconds=60)
    assert [o["Id"] for o in planner.plan("invoices", cdc).objects] == ["7"]
    assert planner.plan("payments", cdc).reconcile


def test_no_cdc_request_when_no_bookmark_is_fresh() -> None:
    cdc = FakeCdc({}, time=NOW)
    planner = _planner([FakeStream("customers", "Customer")])
    assert planner.plan("customers", cdc).mode == "full"
    assert cdc.calls == 0 and planner.hi is None  # the first query's answer sets it


@given(st.integers(min_value=0, max_value=1200), st.integers(min_value=-600, max_value=600))
def test_cdc_objects_are_exactly_those_in_bookmark_to_hi(ago: int, offset: int) -> None:
    """An object is planned iff bookmark <= LastUpdatedTime < hi (no gap, no duplicate)."""
    mark = NOW - timedelta(seconds=600)
    stamp = mark + timedelta(seconds=offset + ago)
    planner = _planner([FakeStream("items", "Item", mark)])
    plan = planner.plan("items", FakeCdc({"Item": [_row("1", stamp)]}, time=NOW))
    hi = NOW - timedelta(seconds=60)
    assert bool(plan.objects) == (mark <= stamp < hi)
