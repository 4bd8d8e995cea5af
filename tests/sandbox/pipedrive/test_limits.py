"""Burst window, daily token budget (spec costs, 429, midnight reset), headers, 401 body."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from tests.sandbox.pipedrive.harness import Harness


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset()


def test_burst_limit_per_plan_in_a_two_second_window(pd: Harness) -> None:
    pd.settings(enforce_burst_limit=True, plan="lite")
    codes = [pd.api.get("/api/v2/pipelines").status_code for _ in range(21)]
    assert codes == [200] * 20 + [429]
    refused = pd.api.get("/api/v2/pipelines")
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-reset"] == "2"
    assert refused.json() == {
        "success": False,
        "error": "Request over limit",
        "errorCode": 429,
        "error_info": "Please check developers.pipedrive.com",
    }
    pd.advance(2.01)
    ok = pd.api.get("/api/v2/pipelines")
    assert ok.status_code == 200
    assert (ok.headers["x-ratelimit-limit"], ok.headers["x-ratelimit-remaining"]) == ("20", "19")
    pd.settings(plan="premium")
    pd.advance(2.01)
    assert [pd.api.get("/api/v2/pipelines").status_code for _ in range(101)][-2:] == [200, 429]


def test_daily_budget_is_charged_per_spec_cost(pd: Harness) -> None:
    spec = OpenApiSpec.shared()
    before = pd.admin.get("/_sandbox/tokens").json()
    assert before["limit"] == 30_000 * 2 * 3  # growth (x2), 3 seats
    pd.api.get("/api/v2/organizations")
    pd.api.get("/api/v2/organizations/1")
    pd.api.get("/api/v2/organizations/search", params={"term": "Acme"})
    pd.api.post("/v1/notes", json={"content": "c", "org_id": 1})
    pd.api.get("/v1/users/me")
    expected = sum(
        spec.token_cost(*op)
        for op in [
            ("v2", "GET", "/organizations"),
            ("v2", "GET", "/organizations/{id}"),
            ("v2", "GET", "/organizations/search"),
            ("v1", "POST", "/notes"),
            ("v1", "GET", "/users/me"),
        ]
    )
    after = pd.admin.get("/_sandbox/tokens").json()
    assert after["spent_today"] == expected == 10 + 1 + 20 + 10 + 2
    assert after["by_operation"]["GET /api/v2/organizations/search"] == 20
    response = pd.api.get("/api/v2/pipelines")
    assert (
        int(response.headers["x-daily-ratelimit-token-remaining"]) == before["limit"] - expected - 5
    )
    assert response.headers["x-daily-ratelimit-token-limit"] == str(before["limit"])


def test_budget_exhaustion_and_reset_at_server_midnight(pd: Harness) -> None:
    pd.settings(server_timezone="America/New_York")
    pd.clock.freeze(datetime(2026, 11, 21, 4, 59, 0, tzinfo=UTC))  # 23:59 in New York
    pd.admin.post("/_sandbox/tokens", json={"remaining": 12})
    assert pd.api.get("/api/v2/organizations").status_code == 200  # 10 → 2 left
    refused = pd.api.get("/api/v2/organizations")
    assert refused.status_code == 429
    assert refused.headers["x-daily-ratelimit-token-remaining"] == "2"
    assert pd.api.get("/api/v2/organizations/1").status_code == 200  # 1 token still fits
    pd.advance(30)  # 23:59:30 - same server day
    assert pd.api.get("/api/v2/organizations").status_code == 429
    pd.advance(60)  # past midnight in New York (05:00:30 UTC)
    ok = pd.api.get("/api/v2/organizations")
    assert ok.status_code == 200
    assert int(ok.headers["x-daily-ratelimit-token-remaining"]) == 180_000 - 10


def test_write_headers_and_401_body(pd: Harness) -> None:
    created = pd.api.post("/api/v2/organizations", json={"name": "Hdr"})
    assert created.headers["x-daily-requests-left"] == "9999"
    assert "x-daily-requests-left" not in pd.api.get("/api/v2/pipelines").headers
    assert created.headers["x-correlation-id"]
    wrong = pd.api.get("/api/v2/pipelines", headers={"x-api-token": "nope"})
    assert wrong.status_code == 401 and wrong.headers["x-401-by-gw"] == "true"
    assert wrong.json() == {
        "success": False,
        "error": "unauthorized access",
        "errorCode": 401,
        "error_info": "Please check developers.pipedrive.com",
    }
    token = pd.api.headers.pop("x-api-token")
    try:
        by_query = pd.api.get("/api/v2/pipelines", params={"api_token": token})
        assert by_query.status_code == 200
    finally:
        pd.api.headers["x-api-token"] = token


def test_cloudflare_ban_after_ignored_429s(pd: Harness) -> None:
    pd.settings(enforce_burst_limit=True, plan="lite", cloudflare_ban_after=3)
    codes = [pd.api.get("/api/v2/pipelines").status_code for _ in range(20 + 4)]
    assert codes[-4:] == [429, 429, 429, 403]
    pd.settings(cloudflare_ban_after=None)


def test_injected_throttle_carries_rate_limit_headers(pd: Harness) -> None:
    pd.admin.post("/_sandbox/faults", json={"kind": "throttle", "count": 1})
    response = pd.api.get("/api/v2/pipelines")
    assert response.status_code == 429 and response.headers["x-ratelimit-remaining"] == "0"
    assert pd.api.get("/api/v2/pipelines").status_code == 200
