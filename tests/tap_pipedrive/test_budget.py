"""Token cost as the sandbox counts it, and the clean stop at the budget reserve."""

from __future__ import annotations

import logging
import math
from collections import Counter

import pytest

from tests.tap_pipedrive.conftest import PipedriveSandbox, run_tap

LISTS = {"organizations": "organization", "persons": "person", "deals": "deal"}
FIELDS = ("GET /api/v2/dealFields", "GET /api/v2/organizationFields", "GET /api/v2/personFields")


def test_full_sync_costs_ten_tokens_per_500_records_per_stream_plus_fields(
    pd: PipedriveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        run_tap()
    spent = pd.tokens()["by_operation"]
    for stream, entity in LISTS.items():
        pages = math.ceil(len(pd.expected_ids(entity)) / 500)
        assert spent[f"GET /api/v2/{stream}"] == 10 * pages, stream
    assert all(spent[op] == 10 for op in FIELDS)  # one page of definitions each, read once
    assert spent["GET /api/v2/pipelines"] == spent["GET /api/v2/stages"] == 5
    total = sum(spent.values())
    assert f"Pipedrive tokens spent this run: {total} tokens" in caplog.text
    assert "Pipedrive tokens spent by stream 'deals': 20 in 2 requests" in caplog.text


def test_incremental_run_with_nothing_changed_costs_one_list_page_per_stream(
    pd: PipedriveSandbox,
) -> None:
    first = run_tap()
    before = Counter(pd.tokens()["by_operation"])
    run_tap(state=first.state)
    after = Counter(pd.tokens()["by_operation"])
    assert after - before == Counter(
        {
            "GET /api/v2/organizations": 10,
            "GET /api/v2/persons": 10,
            "GET /api/v2/deals": 10,
            "GET /api/v2/dealFields": 10,
            "GET /api/v2/organizationFields": 10,
            "GET /api/v2/personFields": 10,
            "GET /api/v2/pipelines": 5,
            "GET /api/v2/stages": 5,
        }
    )


def test_the_reserve_stops_the_run_cleanly_and_the_next_run_resumes_exactly(
    pd: PipedriveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    # A tiny company budget: 1,000 tokens a day, 100 of them kept for other apps. Each run gets
    # 170 left, so it can spend 70: the first stops after 6 of the 8 deal pages (100 records
    # each), later ones mid organizations and persons; a run re-reads the field definitions,
    # pipelines and stages, and one page of each finished stream, so every run makes progress.
    pd.settings(plan="lite", seats=1, daily_base_tokens=1000)
    config = {"page_size": 100, "budget_reserve": 100}
    state: dict[str, object] | None = None
    seen: dict[str, list[int]] = {stream: [] for stream in LISTS}
    stops = 0
    for _ in range(40):
        pd.set_remaining(170)
        with caplog.at_level(logging.WARNING):
            run = run_tap(config, state=state)
        assert run.tap is not None
        for stream in LISTS:
            seen[stream] += run.ids(stream)
        state = run.state
        assert pd.tokens()["remaining"] >= 100  # the reserve was never touched
        if run.tap.session.stopped is None:
            break
        stops += 1
    else:
        pytest.fail("the sync never finished")

    assert stops >= 3  # the stop happened mid-stream, repeatedly
    assert "are reserved for its other apps" in caplog.text
    assert "the next run resumes where this one stopped" in caplog.text
    for stream, entity in LISTS.items():
        counts = Counter(seen[stream])
        assert set(counts) == pd.expected_ids(entity), stream  # no gap
        assert max(counts.values()) == 1, stream  # no duplicate


def test_a_budget_refusal_from_pipedrive_also_ends_the_run_cleanly(pd: PipedriveSandbox) -> None:
    # Other apps of the company spent the budget since the tap last saw the headers (here: the
    # tap has not seen any yet). Pipedrive answers 429 and the tap stops as at the reserve.
    first = run_tap({"budget_reserve": 0})
    catalog = first.tap.catalog_dict if first.tap else None
    pd.advance(5)
    pd.change("deal", first.ids("deals")[0], title="changed")

    pd.set_remaining(5)  # less than the first request (a field page, 10 tokens) costs
    run = run_tap({"budget_reserve": 0}, state=first.state, catalog=catalog)
    assert run.tap is not None and run.tap.session.stopped is not None
    assert "HTTP 429" in str(run.tap.session.stopped)
    assert "cannot cover more requests today" in str(run.tap.session.stopped)
    assert not any(run.records.values())
    assert run.state["bookmarks"]["deals"] == first.state["bookmarks"]["deals"]
    assert pd.tokens()["remaining"] == 5  # refused requests cost nothing

    pd.set_remaining(0)  # nothing left, and without a catalog discovery is the first request
    blocked = run_tap({"budget_reserve": 0}, state=run.state)
    assert blocked.tap is not None and blocked.tap.session.stopped is not None
    assert not any(blocked.records.values())

    pd.set_remaining(1000)
    after = run_tap({"budget_reserve": 0}, state=blocked.state)
    assert after.ids("deals") == [first.ids("deals")[0]]
