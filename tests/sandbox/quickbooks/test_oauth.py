"""QBO OAuth emulation: code flow, rotation modes, races, expiries, client auth, intuit-oauth."""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from ledgerlink_sandbox.quickbooks.service_settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from tests.sandbox.quickbooks.helpers import BASIC, TID_PATTERN, QboClient

INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "Incorrect or invalid refresh token",
}
REDIRECT = "http://localhost:8080/callback"
DAY = 86_400


@pytest.fixture(autouse=True)
def _reset(qbo: QboClient) -> None:
    qbo.reset()
    qbo.freeze()


def _authorize(qbo: QboClient, state: str = "csrf123") -> dict[str, list[str]]:
    response = qbo.http.get(
        "/connect/oauth2",
        params={
            "client_id": DEFAULT_CLIENT_ID,
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": REDIRECT,
            "state": state,
        },
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlparse(location).query)


def test_code_flow_with_form_credentials_and_single_use_code(qbo: QboClient) -> None:
    query = _authorize(qbo)
    assert query["state"] == ["csrf123"] and query["realmId"] == [qbo.realm]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    response = qbo.http.post("/oauth2/v1/tokens/bearer", data=form)
    assert response.status_code == 200
    assert re.match(TID_PATTERN, response.headers["intuit_tid"])
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == 8_726_400
    assert "x_refresh_token_hard_expires_in" not in body
    again = qbo.http.post("/oauth2/v1/tokens/bearer", data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client_basic_and_form(qbo: QboClient) -> None:
    rt = qbo.connect()["refresh_token"]
    basic = httpx.BasicAuth(DEFAULT_CLIENT_ID, "wrong")
    response = qbo.http.post(
        "/oauth2/v1/tokens/bearer",
        auth=basic,
        data={"grant_type": "refresh_token", "refresh_token": rt},
    )
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    form = {
        "grant_type": "refresh_token",
        "refresh_token": rt,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": "wrong",
    }
    response = qbo.http.post("/oauth2/v1/tokens/bearer", data=form)
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    form["client_secret"] = DEFAULT_CLIENT_SECRET
    assert qbo.http.post("/oauth2/v1/tokens/bearer", data=form).status_code == 200


def test_daily_rotation_returns_same_token_with_shrinking_lifetime(qbo: QboClient) -> None:
    rt = qbo.connect()["refresh_token"]
    qbo.advance(3600)
    body = qbo.refresh(rt).json()
    assert body["refresh_token"] == rt
    assert body["x_refresh_token_expires_in"] == 8_726_400 - 3600
    qbo.advance(DAY)
    rotated = qbo.refresh(rt).json()
    assert rotated["refresh_token"] != rt
    assert rotated["x_refresh_token_expires_in"] == 8_726_400
    dead = qbo.refresh(rt)
    assert (dead.status_code, dead.json()) == (400, INVALID_GRANT)
    assert qbo.refresh(rotated["refresh_token"]).status_code == 200


def test_every_refresh_rotation_kills_old_token_immediately(qbo: QboClient) -> None:
    qbo.settings(refresh_token_rotation="every_refresh")
    rt = qbo.connect()["refresh_token"]
    first = qbo.refresh(rt).json()["refresh_token"]
    second = qbo.refresh(first).json()["refresh_token"]
    assert len({rt, first, second}) == 3
    for old in (rt, first):
        response = qbo.refresh(old)
        assert (response.status_code, response.json()) == (400, INVALID_GRANT)


def test_grace_mode_keeps_old_token_for_24_hours(qbo: QboClient) -> None:
    qbo.settings(
        refresh_token_rotation="every_refresh", old_refresh_token_after_rotation="grace_24h"
    )
    rt = qbo.connect()["refresh_token"]
    new = qbo.refresh(rt).json()["refresh_token"]
    qbo.advance(DAY - 1)
    assert qbo.refresh(rt).status_code == 200  # still inside the grace period
    qbo.advance(1)
    assert qbo.refresh(rt).json() == INVALID_GRANT
    assert new != rt


def _race(qbo: QboClient, rt: str) -> list[httpx.Response]:
    results: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with httpx.Client(base_url=qbo.url, timeout=10) as client:
            barrier.wait()
            results.append(
                client.post(
                    "/oauth2/v1/tokens/bearer",
                    headers={"Authorization": BASIC},
                    data={"grant_type": "refresh_token", "refresh_token": rt},
                )
            )

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("rotation", ["daily", "every_refresh"])
def test_racing_refreshes_exactly_one_wins(qbo: QboClient, rotation: str) -> None:
    qbo.settings(token_endpoint_delay_seconds=0.3, refresh_token_rotation=rotation)
    rt = qbo.connect()["refresh_token"]
    results = _race(qbo, rt)
    assert sorted(r.status_code for r in results) == [200, 400]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 400).json()
    assert loser == INVALID_GRANT
    qbo.settings(token_endpoint_delay_seconds=0.0)
    assert qbo.refresh(winner["refresh_token"]).status_code == 200  # the winner's token lives


def test_race_with_revoke_winner_on_reuse_kills_the_winner_too(qbo: QboClient) -> None:
    qbo.settings(token_endpoint_delay_seconds=0.3, revoke_winner_on_reuse=True)
    rt = qbo.connect()["refresh_token"]
    results = _race(qbo, rt)
    assert sorted(r.status_code for r in results) == [200, 400]
    winner = next(r for r in results if r.status_code == 200).json()
    qbo.settings(token_endpoint_delay_seconds=0.0)
    assert qbo.refresh(winner["refresh_token"]).json() == INVALID_GRANT
    assert qbo.api("GET", f"/companyinfo/{qbo.realm}", winner["access_token"]).status_code == 401


def test_hard_expiry_header_opt_in_and_five_year_cap(qbo: QboClient) -> None:
    rt = qbo.connect()["refresh_token"]
    body = qbo.refresh(rt, **{"x-include-refresh-token-hard-expires-in": "true"}).json()
    assert body["x_refresh_token_hard_expires_in"] == 5 * 365 * DAY
    assert "x_refresh_token_hard_expires_in" not in qbo.refresh(rt).json()
    # Keep the token alive (refresh every 99 days) until the 5-year cap.
    for _ in range(5 * 365 // 99):
        qbo.advance(99 * DAY)
        response = qbo.refresh(rt, **{"x-include-refresh-token-hard-expires-in": "true"})
        assert response.status_code == 200, response.text
        rt = response.json()["refresh_token"]
    remaining = response.json()["x_refresh_token_hard_expires_in"]
    assert response.json()["x_refresh_token_expires_in"] <= remaining
    qbo.advance(remaining)
    assert qbo.refresh(rt).json() == INVALID_GRANT


def test_rolling_expiry_after_101_days_unused(qbo: QboClient) -> None:
    rt = qbo.connect()["refresh_token"]
    qbo.advance(8_726_400 - 1)
    body = qbo.refresh(rt).json()  # alive; >= 24 h old so it rotates (daily mode)
    assert body["refresh_token"] != rt and body["x_refresh_token_expires_in"] == 8_726_400
    qbo.advance(8_726_400)
    assert qbo.refresh(body["refresh_token"]).json() == INVALID_GRANT


def test_access_token_expiry_gives_401_3200(qbo: QboClient) -> None:
    token = qbo.connect()["access_token"]
    assert qbo.api("GET", f"/companyinfo/{qbo.realm}", token).status_code == 200
    qbo.advance(3600)
    response = qbo.api("GET", f"/companyinfo/{qbo.realm}", token)
    assert response.status_code == 401
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3200"
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert error["detail"].startswith("Token expired: ") and token not in response.text
    assert response.json()["fault"]["type"] == "AUTHENTICATION"


def test_revoke_disconnects(qbo: QboClient) -> None:
    tokens = qbo.connect()
    response = qbo.http.post(
        "/v2/oauth2/tokens/revoke",
        json={"token": tokens["refresh_token"]},
        headers={"Authorization": BASIC},
    )
    assert response.status_code == 200 and response.content == b""
    assert qbo.refresh(tokens["refresh_token"]).json() == INVALID_GRANT
    assert qbo.api("GET", "/preferences", tokens["access_token"]).status_code == 401
    assert (
        qbo.http.post(
            "/v2/oauth2/tokens/revoke", json={"token": "nope"}, headers={"Authorization": BASIC}
        ).status_code
        == 400
    )


def test_issued_tokens_are_recorded(qbo: QboClient) -> None:
    tokens = qbo.connect()
    refreshed = qbo.refresh(tokens["refresh_token"]).json()
    issued = qbo.http.get("/_sandbox/oauth/issued").json()["issued"]
    values = {record["value"] for record in issued}
    assert {tokens["access_token"], tokens["refresh_token"], refreshed["access_token"]} <= values
    assert {record["kind"] for record in issued} == {"access_token", "refresh_token"}


def test_discovery_points_at_the_sandbox(qbo: QboClient) -> None:
    for path in (
        "/.well-known/openid_configuration/",
        "/.well-known/openid_sandbox_configuration/",
    ):
        doc = qbo.http.get(path).json()
        assert doc["token_endpoint"] == f"{qbo.url}/oauth2/v1/tokens/bearer"
        assert doc["revocation_endpoint"] == f"{qbo.url}/v2/oauth2/tokens/revoke"


def test_intuit_oauth_unchanged_against_the_sandbox(qbo: QboClient) -> None:
    qbo.settings(refresh_token_rotation="every_refresh")
    client = AuthClient(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        REDIRECT,
        environment=f"{qbo.url}/.well-known/openid_configuration/",
    )
    url = client.get_authorization_url([Scopes.ACCOUNTING])
    redirect = httpx.get(url, follow_redirects=False).headers["location"]
    query = parse_qs(urlparse(redirect).query)
    client.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    first_rt = client.refresh_token
    client.refresh()
    assert client.refresh_token != first_rt and client.expires_in == 3600
    assert qbo.api("GET", f"/companyinfo/{qbo.realm}", client.access_token).status_code == 200
    with pytest.raises(AuthClientError) as failure:
        client.refresh(refresh_token=first_rt)
    assert failure.value.status_code == 400
    assert client.revoke() is True
