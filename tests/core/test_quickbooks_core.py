"""The shared QBO knowledge: query text, fault shapes, pacing, retry policy, backoff."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.faults import Category, QboApiError, classify, parse_body
from ledgerlink.quickbooks.pacing import QboRetry, RealmPacer
from ledgerlink.retry import Backoff

LO = datetime(2026, 1, 1, tzinfo=UTC)
HI = datetime(2026, 2, 1, 12, 30, 5, 999_000, tzinfo=UTC)


def test_window_query_for_name_lists_and_transactions() -> None:
    assert q.window_query("Customer", LO, HI) == (
        "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-01-01T00:00:00Z'"
        " AND MetaData.LastUpdatedTime < '2026-02-01T12:30:05Z' AND Active IN (true, false)"
        " ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000"
    )
    text = q.window_query("Invoice", LO, None, start=1001, max_results=10)
    assert (
        "Active" not in text
        and "<" not in text
        and text.endswith("STARTPOSITION 1001 MAXRESULTS 10")
    )


def test_escaping_and_literals() -> None:
    assert q.escape("Adam's \\ Shop") == "Adam\\'s \\\\ Shop"
    assert q.literal("Adam's") == "'Adam\\'s'"
    assert q.literal(1000) == "'1000'"  # numbers quoted: WHERE Balance > 0 is a parse error
    assert q.literal(True) == "true"
    assert q.ids_query("Invoice", ["12", "3"]).startswith(
        "SELECT * FROM Invoice WHERE Id IN ('3', '12')"
    )
    with pytest.raises(ValueError):
        q.select("Invoice; DROP", [])
    with pytest.raises(ValueError):
        q.select("Invoice", [], max_results=1001)


def test_time_formats() -> None:
    pacific = datetime(2026, 7, 1, 5, 0, 0, tzinfo=timezone(timedelta(hours=-7)))
    assert q.format_time(pacific) == "2026-07-01T12:00:00Z"
    assert q.parse_time("2026-07-01T05:00:00-07:00") == pacific
    assert q.parse_time("2026-07-01T05:00:00.123-07:00").microsecond == 123_000
    assert q.utc_iso(pacific) == "2026-07-01T12:00:00+00:00"
    with pytest.raises(ValueError):
        q.format_time(datetime(2026, 1, 1))


def fault_json(code: str, type_: str = "ValidationFault", detail: str = "d") -> bytes:
    body = {
        "Fault": {"Error": [{"Message": "m", "Detail": detail, "code": code}], "type": type_},
        "time": "2026-01-01T00:00:00.000-08:00",
    }
    return json.dumps(body).encode()


def test_fault_shapes_and_categories() -> None:
    payload, fault = parse_body(fault_json("4001"))
    assert fault and fault.code == "4001" and fault.time and payload
    assert classify(400, fault) is Category.FATAL
    _, fault = parse_body(fault_json("10000", "SystemFault"))
    assert classify(200, fault) is Category.TRANSIENT  # a Fault inside HTTP 200 is an error
    gateway = b'{"fault":{"error":[{"message":"m","detail":"Token expired","code":"3200"}]}}'
    _, fault = parse_body(gateway)
    assert fault and fault.code == "3200" and classify(401, fault) is Category.AUTH
    xml = (
        b'<?xml version="1.0"?>\n<Fault type="SERVICE"><Error code="3001"><Message>message='
        b"ThrottleExceeded</Message><Detail>Try again later</Detail></Error></Fault>"
    )
    _, fault = parse_body(xml, "application/xml")
    assert fault and fault.code == "3001" and fault.type == "SERVICE"
    assert classify(429, fault) is Category.THROTTLED and classify(200, fault) is Category.THROTTLED
    _, fault = parse_body(
        fault_json(
            "4000",
            detail="Operation cdc with changedSince date x "
            "which is older than fixed days is not supported.",
        )
    )
    assert classify(400, fault) is Category.CDC_TOO_OLD
    assert classify(502, None, readable=False) is Category.TRANSIENT
    assert classify(200, None, readable=False) is Category.TRANSIENT  # truncated body
    assert classify(200, None) is Category.OK


def test_error_text_names_what_was_asked_and_the_tid() -> None:
    _, fault = parse_body(fault_json("4001"))
    error = QboApiError(
        Category.FATAL,
        400,
        fault,
        context="Invoice query window [a, b)",
        intuit_tid="1-abc",
        token="secret-token-value",
    )
    assert "Invoice query window [a, b)" in str(error) and "1-abc" in str(error)
    assert "secret-token-value" not in str(error)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacer_keeps_per_second_and_per_minute_limits() -> None:
    fake = FakeTime()
    pacer = RealmPacer(10, 500, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(1200):
        pacer.acquire()
        stamps.append(fake.now)
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 1 - 1e-9
    for i in range(len(stamps) - 500):
        assert stamps[i + 500] - stamps[i] >= 60 - 1e-9


def _error(category: Category) -> QboApiError:
    return QboApiError(category, 500, None, context="x", intuit_tid=None, token="t")


def test_retry_policy() -> None:
    fake = FakeTime()
    policy = QboRetry(
        RealmPacer(clock=fake.clock, sleep=fake.sleep),
        Backoff(base=1, max_tries=4, rng=random.Random(1)),
        throttle_wait=60,
        throttle_tries=3,
        sleep=fake.sleep,
    )
    outcomes: list[BaseException | str] = [
        _error(Category.THROTTLED),
        _error(Category.TRANSIENT),
        TimeoutError(),
        "ok",
    ]
    refreshed: list[str | None] = []

    def call() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    assert policy.run(call, reauthorize=lambda e: refreshed.append(e.token)) == "ok"
    assert 60 <= fake.sleeps[0] <= 66  # 429: 60 s plus jitter
    # 401: one refresh, one retry, then the error stands.
    outcomes[:] = [_error(Category.AUTH), _error(Category.AUTH)]
    with pytest.raises(QboApiError):
        policy.run(call, reauthorize=lambda e: refreshed.append(e.token))
    assert refreshed == ["t"]
    outcomes[:] = [_error(Category.FATAL)]
    with pytest.raises(QboApiError):
        policy.run(call, reauthorize=lambda e: None)
    outcomes[:] = [_error(Category.TRANSIENT)] * 4
    with pytest.raises(QboApiError):
        policy.run(call, reauthorize=lambda e: None)


def test_backoff_grows_with_jitter_and_cap() -> None:
    backoff = Backoff(base=1, cap=8, rng=random.Random(7))
    for attempt, step in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        assert step / 2 <= backoff.delay(attempt) <= step
