"""Auth through the TokenStore, the retry policy, and burst pacing against the sandbox."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.tokens import Grant, TokenStore
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_API_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from tests import leakcheck
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox, connect, run_tap

BASIC = (
    "Basic " + base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
)


def _connect_oauth(pd: PipedriveSandbox) -> Grant:
    """What `ledgerlink connect pipedrive` stores after the consent page (auto-approved)."""
    redirect = "http://127.0.0.1:9/callback"
    answer = pd.admin.get(
        "/oauth/authorize", params={"client_id": DEFAULT_CLIENT_ID, "redirect_uri": redirect}
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    token = pd.admin.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        headers={"Authorization": BASIC},
    )
    grant = Grant.from_response(token.json())
    leakcheck.add_issued({grant.access_token, grant.refresh_token or "", DEFAULT_CLIENT_SECRET})
    TokenStore().save(
        TENANT,
        "pipedrive",
        auth_kind="oauth",
        api_url=pd.url,
        token_url=f"{pd.url}/oauth/token",
        revoke_url=f"{pd.url}/oauth/revoke",
        client_id=DEFAULT_CLIENT_ID,
        secrets={"client_secret": DEFAULT_CLIENT_SECRET},
        grant=grant,
    )
    return grant


def _token_calls(pd: PipedriveSandbox) -> int:
    return int(pd.admin.get("/_sandbox/stats").json()["routes"].get("POST /oauth/token", 0))


def test_oauth_bearer_refreshed_once_when_pipedrive_rejects_it(pd: PipedriveSandbox) -> None:
    grant = _connect_oauth(pd)
    full = run_tap()
    assert full.ids("deals")
    calls = _token_calls(pd)
    # Pipedrive stops accepting the access token although it has not expired for the store.
    pd.admin.post(
        "/oauth/revoke",
        data={"token": grant.access_token, "token_type_hint": "access_token"},
        headers={"Authorization": BASIC},
    ).raise_for_status()
    pd.advance(5)
    pd.change("deal", full.ids("deals")[0], title="after the revoke")
    run = run_tap(state=full.state)
    assert run.ids("deals") == [full.ids("deals")[0]]
    assert _token_calls(pd) == calls + 1  # one forced refresh, then the token served the run
    creds = TokenStore().credentials(TENANT, "pipedrive")
    assert creds.access_token != grant.access_token
    leakcheck.add_issued({creds.access_token or ""})


def test_a_refused_api_token_fails_with_a_clear_error_and_no_secret(pd: PipedriveSandbox) -> None:
    TokenStore().save(
        TENANT,
        "pipedrive",
        auth_kind="api_token",
        api_url=pd.url,
        secrets={"api_token": "0123456789abcdef0123456789abcdef01234567"},
    )
    with pytest.raises(PipedriveApiError) as failure:
        run_tap()
    assert "HTTP 401" in str(failure.value) and "unauthorized access" in str(failure.value)
    assert "0123456789abcdef" not in str(failure.value)


def test_the_api_token_travels_in_a_header_never_in_the_url(
    pd: PipedriveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        run_tap({"page_size": 200})
    urls = [r.getMessage() for r in caplog.records if "/api/v2/" in r.getMessage()]
    assert urls and not any("api_token" in u or DEFAULT_API_TOKEN in u for u in urls)


def test_throttled_and_failing_pages_are_retried(
    pd: PipedriveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    faults = [
        {"kind": "throttle", "path": "/api/v2/deals", "count": 1, "skip": 1},
        {"kind": "status", "status": 503, "path": "/api/v2/persons", "count": 1},
    ]
    assert pd.admin.post("/_sandbox/faults", json=faults).status_code in (200, 201)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        run = run_tap()
    assert set(run.ids("deals")) == pd.expected_ids("deal")
    assert set(run.ids("persons")) == pd.expected_ids("person")
    assert "burst limit, waiting" in caplog.text  # x-ratelimit-reset: 2 s
    assert "HTTP 503" in caplog.text and "retrying in" in caplog.text
    assert time.monotonic() - started >= 2


def test_a_fatal_answer_names_the_operation_and_pipedrives_message(pd: PipedriveSandbox) -> None:
    body = (
        '{"success":false,"error":"Validation failed: limit","code":"ERR_SCHEMA_VALIDATION_FAILED"}'
    )
    fault = {"kind": "status", "status": 400, "path": "/api/v2/stages", "body": body}
    pd.admin.post("/_sandbox/faults", json=fault).raise_for_status()
    try:
        with pytest.raises(PipedriveApiError) as failure:
            run_tap()
    finally:
        pd.admin.delete("/_sandbox/faults")
    text = str(failure.value)
    assert "HTTP 400 to GET /api/v2/stages: Validation failed: limit" in text
    assert "ERR_SCHEMA_VALIDATION_FAILED" in text and "x-correlation-id" in text


@pytest.fixture
def live_sandbox(clean_db: str) -> Iterator[PipedriveSandbox]:
    """A sandbox on the wall clock, so its 2 s burst windows really roll."""
    sandbox = PipedriveSandbox(seed="tap-pipedrive-burst", size="small")
    sandbox.clock.unfreeze()
    connect(sandbox)
    yield sandbox
    sandbox.close()


def test_pacing_stays_inside_the_burst_window(
    live_sandbox: PipedriveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    live_sandbox.settings(burst_limits={"growth": [8, 32]}, burst_window_seconds=1.0)
    with caplog.at_level(logging.WARNING):
        run = run_tap({"page_size": 100})  # 8 + 8 + 5 list pages, fields, pipelines, stages
    assert run.tap is not None
    assert run.tap.session.limits.burst.waited > 0  # it paused before the window ran out
    assert "burst limit" not in caplog.text  # and so never drew a 429
    assert set(run.ids("deals")) == live_sandbox.expected_ids("deal")
    sent = sum(run.tap.session.limits.budget.requests.values())
    assert httpx.get(f"{live_sandbox.url}/_sandbox/stats").json()["total"] == sent
