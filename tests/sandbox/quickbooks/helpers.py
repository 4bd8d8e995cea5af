"""Helpers shared by the QBO sandbox HTTP tests (not a test module)."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from ledgerlink_sandbox.quickbooks.service_settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from ledgerlink_sandbox.sandbox import Sandbox
from tests.leakcheck import add_issued

TID_PATTERN = r"^1-[0-9a-f]{8}-[0-9a-f]{24}$"
TIME_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[78]:00$"
BASIC = (
    "Basic " + base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
)


def hand_in_issued(sandbox: Sandbox) -> None:
    """Give every token the sandbox issued to the whole-run leak check."""
    add_issued({record["value"] for record in sandbox.qbo.oauth.issued})


class QboClient:
    """A thin httpx wrapper around one running sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.url("quickbooks")
        self.realm = sandbox.qbo.realm_id
        self.http = httpx.Client(base_url=self.url, timeout=10)

    @property
    def company(self) -> str:
        """The path of the company's CompanyInfo record."""
        return f"/companyinfo/{self.realm}"

    def close(self) -> None:
        """Module teardown: hand issued tokens to the leak check, stop the servers."""
        hand_in_issued(self.sandbox)
        self.http.close()
        self.sandbox.stop()

    def reset(self) -> None:
        hand_in_issued(self.sandbox)  # reset may forget tokens; report them first
        body = {"settings": True, "tokens": True, "clock": True, "data": False}
        assert self.http.post("/_sandbox/reset", json=body).status_code == 200

    def settings(self, **values: Any) -> None:
        response = self.http.patch("/_sandbox/settings", json=values)
        assert response.status_code == 200, response.text

    def freeze(self) -> None:
        self.http.post("/_sandbox/clock", json={"freeze": None})

    def advance(self, seconds: float) -> None:
        assert self.http.post("/_sandbox/clock", json={"advance": seconds}).status_code == 200

    def connect(self) -> dict[str, Any]:
        response = self.http.post("/_sandbox/oauth/connect")
        assert response.status_code == 200
        return dict(response.json())

    def refresh(self, refresh_token: str, **headers: str) -> httpx.Response:
        return self.http.post(
            "/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers={"Authorization": BASIC, "Accept": "application/json", **headers},
        )

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(
            method, f"/v3/company/{self.realm}{path}", headers=headers, **kwargs
        )
