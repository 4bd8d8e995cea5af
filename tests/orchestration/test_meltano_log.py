"""Recorded `meltano --log-format=json run` output turned into metadata and one-line errors.

The fixtures are real output of `meltano --log-format=json run tap-quickbooks target-postgres`
against the demo sandbox (paths shortened): a full sync, a run for a tenant with no connection,
and a run refused because a killed run still held Meltano's lock.
"""

from __future__ import annotations

import json

from ledgerlink.pipedrive.transport import Usage
from ledgerlink_orchestration.meltano import RunSummary, parse_line
from tests.orchestration.conftest import FIXTURES

DEMO_COUNTS = {"customers": 40, "invoices": 116, "items": 20, "payments": 102, "terms": 5}


def _replay(name: str) -> RunSummary:
    summary = RunSummary()
    for text in (FIXTURES / name).read_text().splitlines():
        summary.add(parse_line(text))
    return summary


def test_a_successful_run_gives_records_and_requests_per_stream() -> None:
    summary = _replay("meltano-run-success.jsonl")
    assert summary.succeeded is True
    assert {s: st.records_extracted for s, st in summary.streams.items()} == DEMO_COUNTS
    assert {s: st.records_loaded for s, st in summary.streams.items()} == DEMO_COUNTS
    assert {s: st.http_requests for s, st in summary.streams.items()} == dict.fromkeys(
        DEMO_COUNTS, 1
    )
    assert all(0 < st.http_seconds < 1 for st in summary.streams.values())
    metadata = summary.metadata()
    assert metadata["records_loaded"] == sum(DEMO_COUNTS.values())
    assert metadata["api_requests"] == 5
    assert metadata["duration_seconds"] == 31.144


def test_a_plugin_failure_is_the_plugins_own_last_line() -> None:
    summary = _replay("meltano-run-plugin-failure.jsonl")
    assert summary.succeeded is False
    assert summary.error_line() == (
        "tap-quickbooks: No quickbooks connection for tenant 'nobody'. "
        "Connect with: ledgerlink connect quickbooks --tenant nobody"
    )
    assert not summary.refused_as_already_running


def test_a_run_refused_for_a_dead_runs_lock_says_so_in_meltanos_words() -> None:
    summary = _replay("meltano-run-already-running.jsonl")
    assert summary.succeeded is False
    assert summary.refused_as_already_running
    line = summary.error_line()
    assert line.startswith("Another 'sandbox:tap-quickbooks-to-target-postgres:acme' pipeline")
    assert "--force" in line and "\n" not in line


def test_structured_metric_lines_count_like_text_ones() -> None:
    def metric(value: int) -> dict[str, object]:
        tags = {"stream": "deals"}
        return {"type": "counter", "metric": "record_count", "value": value, "tags": tags}

    plugin = {"string_id": "tap-pipedrive", "producer": True}
    summary = RunSummary()
    summary.add(parse_line(json.dumps({"event": "METRIC: " + json.dumps(metric(3)), **plugin})))
    summary.add(parse_line(json.dumps({"event": "METRIC", "metric_info": metric(4), **plugin})))
    summary.add(parse_line("not json at all"))
    assert summary.streams["deals"].records_extracted == 7


def test_failed_requests_are_counted_apart() -> None:
    plugin = {"string_id": "tap-pipedrive", "producer": True}
    summary = RunSummary()
    for status in ("failed", "failed", "succeeded"):
        tags = {"stream": "deals", "endpoint": "/deals", "status": status}
        metric = {"type": "timer", "metric": "http_request_duration", "value": 0.5, "tags": tags}
        summary.add(parse_line(json.dumps({"event": "METRIC: " + json.dumps(metric), **plugin})))
    assert (summary.streams["deals"].http_errors, summary.streams["deals"].http_seconds) == (2, 1.5)


def test_a_stop_at_the_pipedrive_token_reserve_is_a_clean_stop_not_a_failure() -> None:
    summary = _replay("meltano-run-budget-stop.jsonl")
    assert summary.succeeded is False  # Meltano calls it a failed run (the loader exited 75)
    assert summary.exit_codes == {"loaders": 75}
    assert summary.stopped_at_budget_reserve
    assert summary.budget_stop == (
        "target-pipedrive: stopped at the daily token reserve: 12 customers left"
    )
    assert not _replay("meltano-run-plugin-failure.jsonl").stopped_at_budget_reserve


def test_exit_status_75_without_the_stop_line_is_a_failure() -> None:
    summary = RunSummary()
    for text in (FIXTURES / "meltano-run-budget-stop.jsonl").read_text().splitlines():
        if "daily token reserve" not in text and "token budget" not in text:
            summary.add(parse_line(text))
    assert summary.exit_codes == {"loaders": 75}
    assert summary.budget_stop is None
    assert not summary.stopped_at_budget_reserve


def test_the_pipedrive_requests_and_tokens_come_from_the_plugins_usage_line() -> None:
    summary = _replay("meltano-run-budget-stop.jsonl")
    assert summary.pipedrive_usage == {"target-pipedrive": (14, 140)}
    assert summary.metadata()["pipedrive_tokens"] == 140
    assert summary.metadata()["pipedrive_requests"] == 14
    # The line is the core's own description of a client's usage.
    usage = Usage(3, 30, {"GET /api/v2/organizations": (3, 30)})
    line = parse_line(json.dumps({"event": usage.describe(), "string_id": "tap-pipedrive"}))
    again = RunSummary()
    again.add(line)
    assert again.pipedrive_usage == {"tap-pipedrive": (3, 30)}
    assert _replay("meltano-run-success.jsonl").metadata()["pipedrive_tokens"] == 0
