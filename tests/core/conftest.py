"""A QuickBooks sandbox for the token tests, and a way to connect a tenant to it quickly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerlink.tokens import Grant, TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from ledgerlink_sandbox.sandbox import Sandbox
from tests import leakcheck

TOKEN_ROUTE = "POST /oauth2/v1/tokens/bearer"


class QboSandbox:
    """One running QuickBooks emulator, driven through its admin endpoints."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.url("quickbooks")
        self.realm = sandbox.qbo.realm_id
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def reset(self) -> None:
        body = {"settings": True, "tokens": False, "clock": True}
        self.http.post("/_sandbox/reset", json=body).raise_for_status()

    def settings(self, **values: Any) -> None:
        self.http.patch("/_sandbox/settings", json=values).raise_for_status()

    def token_requests(self) -> int:
        routes = self.http.get("/_sandbox/stats").json()["routes"]
        return int(routes.get(TOKEN_ROUTE, 0))

    def issued(self) -> set[str]:
        return {item["value"] for item in self.http.get("/_sandbox/oauth/issued").json()["issued"]}

    def connect(self, store: TokenStore, tenant: str) -> Grant:
        """What `ledgerlink connect quickbooks` stores, minus the browser."""
        grant = Grant.from_response(self.sandbox.qbo.connect())
        store.save(
            tenant,
            "quickbooks",
            auth_kind="oauth",
            api_url=self.url,
            account_id=self.realm,
            token_url=f"{self.url}/oauth2/v1/tokens/bearer",
            revoke_url=f"{self.url}/v2/oauth2/tokens/revoke",
            client_id=DEFAULT_CLIENT_ID,
            secrets={"client_secret": DEFAULT_CLIENT_SECRET},
            grant=grant,
        )
        return grant


@pytest.fixture(scope="session")
def qbo_server() -> Iterator[QboSandbox]:
    with Sandbox(seed="demo").start() as sandbox:
        qbo = QboSandbox(sandbox)
        yield qbo
        leakcheck.add_issued(qbo.issued() | {DEFAULT_CLIENT_SECRET})


@pytest.fixture
def qbo(qbo_server: QboSandbox, clean_db: str) -> QboSandbox:
    qbo_server.reset()
    return qbo_server
