"""The OAuth emulators the refresh fault matrix runs against, behind one small interface."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg

from ledgerlink.config import Provider
from ledgerlink.tokens import Grant, TokenStore
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_CLIENT_ID as PD_CLIENT_ID,
)
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_CLIENT_SECRET as PD_CLIENT_SECRET,
)
from tests import leakcheck
from tests.core.conftest import QboSandbox

# Scaled-down time: the provider's processing window the TokenStore waits out, in seconds.
WINDOW = 2.0

# One credential request in its own process; prints a digest of the token, never the token.
REQUEST = """
import hashlib, sys
from ledgerlink.tokens import TokenStore
try:
    token = TokenStore().access_token(sys.argv[1], sys.argv[2])
except Exception as exc:
    print("ERROR", exc)
else:
    print("OK", hashlib.sha256(token.encode()).hexdigest()[:16])
"""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass
class OAuthTarget:
    """One provider's emulator in one rotation mode."""

    label: str
    provider: Provider
    url: str
    token_route: str
    qbo: QboSandbox

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=30)
        # The sandbox counts overlaps since it started; a test sees only its own, so one
        # overlap never fails every later case of the session.
        self._overlaps_before = self._overlaps()

    # -- sandbox control ---------------------------------------------------------------------

    def settings(self, **values: Any) -> None:
        self.http.patch("/_sandbox/settings", json=values).raise_for_status()

    def fault(self, **rule: Any) -> None:
        rule.setdefault("path", urlsplit(self.token_route.split(" ", 1)[1]).path)
        self.http.post("/_sandbox/faults", json=rule).raise_for_status()

    def reset(self) -> None:
        body = {"settings": True, "tokens": False, "clock": True}
        self.http.post("/_sandbox/reset", json=body).raise_for_status()
        self._overlaps_before = self._overlaps()

    def token_requests(self) -> int:
        routes = self.http.get("/_sandbox/stats").json()["routes"]
        return int(routes.get(self.token_route, 0))

    def _issued(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get("/_sandbox/oauth/issued").json()
        return answer

    def access_tokens_issued(self) -> int:
        return sum(1 for item in self._issued()["issued"] if item["kind"] == "access_token")

    def _overlaps(self) -> int:
        return int(self._issued()["overlapping_requests"])

    def overlapping_requests(self) -> int:
        """Refresh requests that reused a refresh token while it was being handled, during
        this test."""
        return self._overlaps() - self._overlaps_before

    def issued_values(self) -> set[str]:
        return {item["value"] for item in self._issued()["issued"]}

    def works(self, access_token: str) -> bool:
        """The provider accepts the access token on an authenticated call."""
        qbo = self.provider == "quickbooks"
        path = "/v1/openid_connect/userinfo" if qbo else "/api/v1/users/me"
        answer = self.http.get(path, headers={"Authorization": f"Bearer {access_token}"})
        return answer.status_code == 200

    def token_digest_works(self, wanted: str) -> bool:
        """Some access token the sandbox issued has this digest and still works."""
        for value in self.issued_values():
            if digest(value) == wanted:
                return self.works(value)
        return False

    # -- connecting ----------------------------------------------------------------------------

    def connect(self, store: TokenStore, tenant: str) -> Grant:
        if self.provider == "quickbooks":
            return self.qbo.connect(store, tenant)
        redirect = "http://127.0.0.1:9/callback"
        authorized = self.http.get(
            "/oauth/authorize",
            params={"client_id": PD_CLIENT_ID, "redirect_uri": redirect, "state": "s"},
        )
        code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
        answer = self.http.post(
            "/oauth/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
            auth=(PD_CLIENT_ID, PD_CLIENT_SECRET),
        )
        answer.raise_for_status()
        grant = Grant.from_response(answer.json())
        store.save(
            tenant,
            "pipedrive",
            auth_kind="oauth",
            api_url=grant.api_domain or self.url,
            account_id="sandbox",
            token_url=f"{self.url}/oauth/token",
            revoke_url=f"{self.url}/oauth/revoke",
            client_id=PD_CLIENT_ID,
            secrets={"client_secret": PD_CLIENT_SECRET},
            grant=grant,
        )
        return grant


def make_target(qbo: QboSandbox, label: str) -> OAuthTarget:
    if label == "pipedrive":
        url = qbo.sandbox.url("pipedrive")
        target = OAuthTarget(label, "pipedrive", url, "POST /oauth/token", qbo)
        target.reset()
        return target
    target = OAuthTarget(label, "quickbooks", qbo.url, "POST /oauth2/v1/tokens/bearer", qbo)
    target.reset()
    target.settings(
        refresh_token_rotation="every_refresh",
        old_refresh_token_after_rotation=label.removeprefix("qbo-"),
        revoke_winner_on_reuse=True,
    )
    return target


# -- processes ---------------------------------------------------------------------------------


def env() -> dict[str, str]:
    return os.environ | {"LEDGERLINK_TOKEN_PROCESSING_WINDOW_SECONDS": str(WINDOW)}


def start_request(tenant: str, provider: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", REQUEST, tenant, provider],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    output, _ = process.communicate(timeout=timeout)
    leakcheck.record_output(output)
    lines = [line for line in output.splitlines() if line.startswith(("OK ", "ERROR "))]
    return lines[-1] if lines else f"NO ANSWER (exit {process.returncode}): {output[-500:]}"


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=30)
    leakcheck.record_output(output)


def wait_for(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def open_attempts(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM token_refresh_attempts WHERE outcome IS NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def expire_access_token(url: str, tenant: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE connections SET access_expires_at = now() - interval '1 minute'"
            " WHERE tenant = %s",
            (tenant,),
        )
