"""QBO OAuth emulation: code flow, rotation modes, races, expiries, client auth, intuit-oauth."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
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
from ledgerlink_sandbox.sandbox import Sandbox
from tests.sandbox.quickbooks.helpers import BASIC, TID_PATTERN, QboClient

SANDBOX = Sandbox(seed="demo").start()
QBO = QboClient(SANDBOX)
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "Incorrect or invalid refresh token",
}
REDIRECT = "http://localhost:8080/callback"
DAY = 86_400


@pytest.fixture(autouse=True, scope="module")
def _teardown() -> Iterator[None]:
    yield
    QBO.close()


@pytest.fixture(autouse=True)
def _reset() -> None:
    QBO.reset()
    QBO.freeze()


def _authorize(state: str = "csrf123") -> dict[str, list[str]]:
    response = QBO.http.get(
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


def test_code_flow_with_form_credentials_and_single_use_code() -> None:
    query = _authorize()
    assert query["state"] == ["csrf123"] and query["realmId"] == [QBO.realm]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    response = QBO.http.post("/oauth2/v1/tokens/bearer", data=form)
    assert response.status_code == 200
    assert re.match(TID_PATTERN, response.headers["intuit_tid"])
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == 8_726_400
    assert "x_refresh_token_hard_expires_in" not in body
    again = QBO.http.post("/oauth2/v1/tokens/bearer", data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client_basic_and_form() -> None:
    rt = QBO.connect()["refresh_token"]
    basic = httpx.BasicAuth(DEFAULT_CLIENT_ID, "wrong")
    response = QBO.http.post(
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
    response = QBO.http.post("/oauth2/v1/tokens/bearer", data=form)
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    form["client_secret"] = DEFAULT_CLIENT_SECRET
    assert QBO.http.post("/oauth2/v1/tokens/bearer", data=form).status_code == 200


def test_daily_rotation_returns_same_token_with_shrinking_lifetime() -> None:
    rt = QBO.connect()["refresh_token"]
    QBO.advance(3600)
    body = QBO.refresh(rt).json()
    assert body["refresh_token"] == rt
    assert body["x_refresh_token_expires_in"] == 8_726_400 - 3600
    QBO.advance(DAY)
    rotated = QBO.refresh(rt).json()
    assert rotated["refresh_token"] != rt
    assert rotated["x_refresh_token_expires_in"] == 8_726_400
    dead = QBO.refresh(rt)
    assert (dead.status_code, dead.json()) == (400, INVALID_GRANT)
    assert QBO.refresh(rotated["refresh_token"]).status_code == 200


def test_every_refresh_rotation_kills_old_token_immediately() -> None:
    QBO.settings(refresh_token_rotation="every_refresh")
    rt = QBO.connect()["refresh_token"]
    first = QBO.refresh(rt).json()["refresh_token"]
    second = QBO.refresh(first).json()["refresh_token"]
    assert len({rt, first, second}) == 3
    for old in (rt, first):
        response = QBO.refresh(old)
        assert (response.status_code, response.json()) == (400, INVALID_GRANT)


def test_grace_mode_keeps_old_token_for_24_hours() -> None:
    QBO.settings(
        refresh_token_rotation="every_refresh", old_refresh_token_after_rotation="grace_24h"
    )
    rt = QBO.connect()["refresh_token"]
    new = QBO.refresh(rt).json()["refresh_token"]
    QBO.advance(DAY - 1)
    assert QBO.refresh(rt).status_code == 200  # still inside the grace period
    QBO.advance(1)
    assert QBO.refresh(rt).json() == INVALID_GRANT
    assert new != rt


def _race(rt: str) -> list[httpx.Response]:
    results: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with httpx.Client(base_url=QBO.url, timeout=10) as client:
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
def test_racing_refreshes_exactly_one_wins(rotation: str) -> None:
    QBO.settings(token_endpoint_delay_seconds=0.3, refresh_token_rotation=rotation)
    rt = QBO.connect()["refresh_token"]
    results = _race(rt)
    assert sorted(r.status_code for r in results) == [200, 400]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 400).json()
    assert loser == INVALID_GRANT
    QBO.settings(token_endpoint_delay_seconds=0.0)
    assert QBO.refresh(winner["refresh_token"]).status_code == 200  # the winner's token lives


def test_race_with_revoke_winner_on_reuse_kills_the_winner_too() -> None:
    QBO.settings(token_endpoint_delay_seconds=0.3, revoke_winner_on_reuse=True)
    rt = QBO.connect()["refresh_token"]
    results = _race(rt)
    assert sorted(r.status_code for r in results) == [200, 400]
    winner = next(r for r in results if r.status_code == 200).json()
    QBO.settings(token_endpoint_delay_seconds=0.0)
    assert QBO.refresh(winner["refresh_token"]).json() == INVALID_GRANT
    assert QBO.api("GET", f"/companyinfo/{QBO.realm}", winner["access_token"]).status_code == 401


def test_hard_expiry_header_opt_in_and_five_year_cap() -> None:
    rt = QBO.connect()["refresh_token"]
    body = QBO.refresh(rt, **{"x-include-refresh-token-hard-expires-in": "true"}).json()
    assert body["x_refresh_token_hard_expires_in"] == 5 * 365 * DAY
    assert "x_refresh_token_hard_expires_in" not in QBO.refresh(rt).json()
    # Keep the token alive (refresh every 99 days) until the 5-year cap.
    for _ in range(5 * 365 // 99):
        QBO.advance(99 * DAY)
        response = QBO.refresh(rt, **{"x-include-refresh-token-hard-expires-in": "true"})
        assert response.status_code == 200, response.text
        rt = response.json()["refresh_token"]
    remaining = response.json()["x_refresh_token_hard_expires_in"]
    assert response.json()["x_refresh_token_expires_in"] <= remaining
    QBO.advance(remaining)
    assert QBO.refresh(rt).json() == INVALID_GRANT


def test_rolling_expiry_after_101_days_unused() -> None:
    rt = QBO.connect()["refresh_token"]
    QBO.advance(8_726_400 - 1)
    body = QBO.refresh(rt).json()  # alive; >= 24 h old so it rotates (daily mode)
    assert body["refresh_token"] != rt and body["x_refresh_token_expires_in"] == 8_726_400
    QBO.advance(8_726_400)
    assert QBO.refresh(body["refresh_token"]).json() == INVALID_GRANT


def test_access_token_expiry_gives_401_3200() -> None:
    token = QBO.connect()["access_token"]
    assert QBO.api("GET", f"/companyinfo/{QBO.realm}", token).status_code == 200
    QBO.advance(3600)
    response = QBO.api("GET", f"/companyinfo/{QBO.realm}", token)
    assert response.status_code == 401
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3200"
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert error["detail"].startswith("Token expired: ") and token not in response.text
    assert response.json()["fault"]["type"] == "AUTHENTICATION"


def test_revoke_disconnects() -> None:
    tokens = QBO.connect()
    response = QBO.http.post(
        "/v2/oauth2/tokens/revoke",
        json={"token": tokens["refresh_token"]},
        headers={"Authorization": BASIC},
    )
    assert response.status_code == 200 and response.content == b""
    assert QBO.refresh(tokens["refresh_token"]).json() == INVALID_GRANT
    assert QBO.api("GET", "/preferences", tokens["access_token"]).status_code == 401
    assert (
        QBO.http.post(
            "/v2/oauth2/tokens/revoke", json={"token": "nope"}, headers={"Authorization": BASIC}
        ).status_code
        == 400
    )


def test_issued_tokens_are_recorded() -> None:
    tokens = QBO.connect()
    refreshed = QBO.refresh(tokens["refresh_token"]).json()
    issued = QBO.http.get("/_sandbox/oauth/issued").json()["issued"]
    values = {record["value"] for record in issued}
    assert {tokens["access_token"], tokens["refresh_token"], refreshed["access_token"]} <= values
    assert {record["kind"] for record in issued} == {"access_token", "refresh_token"}


def test_discovery_points_at_the_sandbox() -> None:
    for path in (
        "/.well-known/openid_configuration/",
        "/.well-known/openid_sandbox_configuration/",
    ):
        doc = QBO.http.get(path).json()
        assert doc["token_endpoint"] == f"{QBO.url}/oauth2/v1/tokens/bearer"
        assert doc["revocation_endpoint"] == f"{QBO.url}/v2/oauth2/tokens/revoke"


def test_intuit_oauth_unchanged_against_the_sandbox() -> None:
    QBO.settings(refresh_token_rotation="every_refresh")
    client = AuthClient(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        REDIRECT,
        environment=f"{QBO.url}/.well-known/openid_configuration/",
    )
    url = client.get_authorization_url([Scopes.ACCOUNTING])
    redirect = httpx.get(url, follow_redirects=False).headers["location"]
    query = parse_qs(urlparse(redirect).query)
    client.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    first_rt = client.refresh_token
    client.refresh()
    assert client.refresh_token != first_rt and client.expires_in == 3600
    assert QBO.api("GET", f"/companyinfo/{QBO.realm}", client.access_token).status_code == 200
    with pytest.raises(AuthClientError) as failure:
        client.refresh(refresh_token=first_rt)
    assert failure.value.status_code == 400
    assert client.revoke() is True
