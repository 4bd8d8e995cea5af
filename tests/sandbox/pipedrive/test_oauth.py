"""OAuth: auto-approving authorize, code exchange, non-rotating refresh (60-day idle expiry)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.sandbox.pipedrive.harness import Harness

BASIC = {
    "Authorization": "Basic "
    + base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
}
REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset()


def authorize(pd: Harness, state: str = "xyz") -> str:
    response = pd.api.get(
        "/oauth/authorize",
        params={"client_id": DEFAULT_CLIENT_ID, "redirect_uri": REDIRECT, "state": state},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def exchange(pd: Harness, code: str) -> dict[str, Any]:
    response = pd.api.post(
        "/oauth/token",
        headers=BASIC,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def refresh(pd: Harness, token: str) -> Any:
    return pd.api.post(
        "/oauth/token", headers=BASIC, data={"grant_type": "refresh_token", "refresh_token": token}
    )


def test_code_flow_and_bearer_access(pd: Harness) -> None:
    tokens = exchange(pd, authorize(pd))
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3599
    assert tokens["api_domain"] == pd.url
    bearer = {"Authorization": f"Bearer {tokens['access_token']}", "x-api-token": ""}
    me = pd.api.get(f"{tokens['api_domain']}/api/v1/users/me", headers=bearer)
    assert me.status_code == 200
    assert me.headers["x-ratelimit-limit"] == "160"  # growth plan, OAuth app lane
    reused = pd.api.post(
        "/oauth/token",
        headers=BASIC,
        data={
            "grant_type": "authorization_code",
            "code": authorize(pd),
            "redirect_uri": "http://127.0.0.1/x",
        },
    )
    assert reused.json()["error"] == "invalid_request"


def test_code_is_single_use_and_expires(pd: Harness) -> None:
    code = authorize(pd)
    exchange(pd, code)
    again = pd.api.post(
        "/oauth/token",
        headers=BASIC,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert again.status_code == 400
    assert again.json() == {
        "success": "false",
        "error": "invalid_grant",
        "message": "Invalid grant: authorization_code is invalid",
    }
    late = authorize(pd)
    pd.advance(301)
    expired = pd.api.post(
        "/oauth/token",
        headers=BASIC,
        data={"grant_type": "authorization_code", "code": late, "redirect_uri": REDIRECT},
    )
    assert "expired" in expired.json()["message"]


def test_refresh_does_not_rotate_and_expires_after_60_idle_days(pd: Harness) -> None:
    tokens = exchange(pd, authorize(pd))
    pd.advance(3600)
    expired = {"Authorization": f"Bearer {tokens['access_token']}", "x-api-token": ""}
    assert pd.api.get("/v1/users/me", headers=expired).status_code == 401
    pd.advance(59 * 86_400)  # day 59 after issue: still valid, and the window moves
    renewed = refresh(pd, tokens["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] == tokens["refresh_token"]
    assert renewed.json()["access_token"] != tokens["access_token"]
    pd.advance(59 * 86_400)  # 118 days after issue, 59 after last use
    assert refresh(pd, tokens["refresh_token"]).status_code == 200
    pd.advance(60 * 86_400 + 1)
    dead = refresh(pd, tokens["refresh_token"])
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


def test_client_auth_revoke_and_issued_record(pd: Harness) -> None:
    bad = pd.api.post(
        "/oauth/token",
        headers={
            "Authorization": "Basic "
            + base64.b64encode(f"{DEFAULT_CLIENT_ID}:wrong".encode()).decode()
        },
        data={"grant_type": "refresh_token"},
    )
    assert bad.json()["message"] == "Invalid client: client is invalid"
    missing = pd.api.post("/oauth/token", headers=BASIC, data={})
    assert missing.json()["message"] == "Missing parameter: grant_type"
    tokens = exchange(pd, authorize(pd))
    revoked = pd.api.post(
        "/oauth/revoke",
        headers=BASIC,
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
    )
    assert revoked.status_code == 200
    assert refresh(pd, tokens["refresh_token"]).status_code == 400
    issued = pd.admin.get("/_sandbox/oauth/issued").json()["issued"]
    values = {item["value"] for item in issued}
    assert {tokens["access_token"], tokens["refresh_token"]} <= values
    assert {item["kind"] for item in issued} == {"code", "access_token", "refresh_token"}
    creds = pd.admin.get("/_sandbox/credentials").json()
    assert creds["client_id"] == DEFAULT_CLIENT_ID and len(creds["api_token"]) == 40
