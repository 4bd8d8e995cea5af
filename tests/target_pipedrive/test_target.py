"""The Target in this process on Singer input against the sandbox: customers become
organizations, the run report, state only for what was written, the budget stop (exit 75 and its
last line, resumable), deleted customers and sub-customers, and streams it does not load."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerlink import db
from ledgerlink.errors import LedgerlinkError
from target_pipedrive.report import EXIT_BUDGET_STOP
from tests.target_pipedrive.conftest import PipedriveSandbox, customer, stats
from tests.target_pipedrive.singer_io import (
    customers_input,
    record,
    run_target,
    schema,
    state,
)

FAST = {"backoff_base_seconds": 0.01}


def _mappings() -> dict[str, dict[str, Any]]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state, active FROM customer_org_map"
        ).fetchall()
    return {r["qbo_customer_id"]: r for r in rows}


def _live_orgs(pd: PipedriveSandbox, name: str) -> list[dict[str, Any]]:
    return [o for o in pd.rows("organization") if o["name"] == name and not o["is_deleted"]]


def test_customers_become_organizations_and_an_unchanged_rerun_makes_no_request(
    pd: PipedriveSandbox,
) -> None:
    records = [customer("9001", "Target One Ltd"), customer("9002", "Target Two Ltd")]
    first = run_target(customers_input(records), **FAST)
    assert first.exit_code == 0
    assert first.states == [{"bookmarks": {"customers": {"replication_key_value": "b1"}}}]
    assert first.report[0] == "target-pipedrive: customers → organizations: create 2"
    assert "Pipedrive requests" in first.report[-1]
    mapped = _mappings()
    for record_id, name in (("9001", "Target One Ltd"), ("9002", "Target Two Ltd")):
        (org,) = _live_orgs(pd, name)
        assert mapped[record_id]["pipedrive_org_id"] == org["id"]
    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()  # counts from zero
    second = run_target(customers_input(records, bookmark="b2"), **FAST)
    assert second.exit_code == 0
    assert second.report[0] == "target-pipedrive: customers → organizations: noop 2"
    assert stats(pd) == {}


def test_an_empty_input_makes_no_request_and_passes_the_state_on(pd: PipedriveSandbox) -> None:
    done = run_target(customers_input([]), **FAST)
    assert done.exit_code == 0
    assert done.states == [{"bookmarks": {"customers": {"replication_key_value": "b1"}}}]
    assert stats(pd) == {}


def test_the_budget_stop_exits_75_with_its_last_line_and_the_rerun_resumes(
    pd: PipedriveSandbox,
) -> None:
    warm = run_target(customers_input([customer("9000", "Budget Warmup")]), **FAST)
    assert warm.exit_code == 0  # the custom fields exist and are stored from here on
    records = [customer(str(9010 + n), f"Budget Target {n}") for n in range(6)]
    messages = [
        schema("customers", {"Id": {}, "DisplayName": {}, "Active": {}, "Balance": {}}),
        state({"bookmarks": {"customers": "b0"}}),
        *(record("customers", r) for r in records[:3]),
        state({"bookmarks": {"customers": "b3"}}),
        *(record("customers", r) for r in records[3:]),
        state({"bookmarks": {"customers": "b6"}}),
    ]
    # The listing (10 tokens a page of 500) and four creates (5 each) fit above the reserve.
    pages = len(pd.rows("organization")) // 500 + 1
    pd.set_remaining(1000 + 10 * pages + 4 * 5 + 3)
    # One writer: the stop falls after exactly four creates (test_writers covers the reserve
    # with several writers, where which customers land first is a race).
    config = {**FAST, "budget_reserve": 1000, "batch_size_rows": 3, "writers": 1}
    stopped = run_target(messages, **config)
    assert stopped.exit_code == EXIT_BUDGET_STOP, stopped.report
    assert stopped.report[-1] == (
        "target-pipedrive: stopped at the daily token reserve: 2 customers left"
    )
    assert "customers → organizations: create 4" in stopped.report[0]
    assert stopped.states == []  # no bookmark past the stop: the rerun gets the records again
    assert pd.tokens()["remaining"] >= 1000
    pd.set_remaining(100_000)
    resumed = run_target(messages, **config)
    assert resumed.exit_code == 0
    assert resumed.states[-1] == {"bookmarks": {"customers": "b6"}}
    assert "customers → organizations: create 2, noop 4" in resumed.report[0]
    for n in range(6):
        assert len(_live_orgs(pd, f"Budget Target {n}")) == 1


def test_deleted_customers_are_marked_inactive_and_sub_customers_follow_the_jobs_setting(
    pd: PipedriveSandbox,
) -> None:
    parent = customer("9201", "Parent Holdings")
    job = customer("9202", "Parent Holdings:Kitchen", Job=True, ParentRef={"value": "9201"})
    assert run_target(customers_input([parent, job]), **FAST).exit_code == 0
    assert set(_mappings()) == {"9201"}  # jobs: parent (the default) makes no organization
    assert not _live_orgs(pd, "Parent Holdings:Kitchen")
    tombstone = {"Id": "9201", "status": "Deleted", "_sdc_deleted_at": "2026-11-20T12:00:00Z"}
    done = run_target(customers_input([tombstone]), **FAST)
    assert done.exit_code == 0
    assert "target-pipedrive: customers skipped: 1 deleted" in done.report
    assert _mappings()["9201"]["active"] is False
    assert len(_live_orgs(pd, "Parent Holdings")) == 1  # nothing is deleted in Pipedrive
    separate = run_target(customers_input([job]), jobs="separate", **FAST)
    assert separate.exit_code == 0
    assert len(_live_orgs(pd, "Parent Holdings:Kitchen")) == 1


def test_a_stream_the_target_does_not_load_is_refused_when_it_carries_records(
    pd: PipedriveSandbox,
) -> None:
    schema_only = run_target([schema("items", {"Id": {}}), *customers_input([])], **FAST)
    assert schema_only.exit_code == 0  # a SCHEMA alone costs nothing
    with pytest.raises(LedgerlinkError, match="does not load stream 'items'"):
        run_target([schema("items", {"Id": {}}), record("items", {"Id": "1"})], **FAST)
    assert stats(pd) == {}


def test_a_mapping_the_settings_cannot_express_fails_before_any_record(
    pd: PipedriveSandbox,
) -> None:
    bad = [{"field": "Website", "policy": "fill_if_empty", "clear_when_empty": True}]
    with pytest.raises(LedgerlinkError, match="clear_when_empty needs the policy 'overwrite'"):
        run_target(customers_input([customer("1", "x")]), organization_fields=bad, **FAST)
    assert stats(pd) == {}


def test_bad_records_are_audited_and_the_others_still_land(pd: PipedriveSandbox) -> None:
    good = customer("9501", "Good Input Ltd")
    keyless = {"DisplayName": "No Key Ltd", "Active": True}
    malformed = customer("9502", "Malformed Ltd", Active="not a boolean")
    done = run_target(customers_input([keyless, good, malformed]), **FAST)
    assert done.exit_code == 0
    assert "target-pipedrive: customer ?: failed: a customer record without an Id" in done.report
    assert len(_live_orgs(pd, "Good Input Ltd")) == 1
    assert set(_mappings()) == {"9501", "9502"}
    with db.connection() as conn:
        failed = conn.execute(
            "SELECT source_key, error FROM sync_audit WHERE action = 'fail'"
        ).fetchall()
    assert failed == [{"source_key": "?", "error": "a customer record without an Id"}]
