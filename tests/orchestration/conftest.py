"""One sandbox for the orchestration tests, tenants connected to it, a Dagster test instance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import httpx
import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.sandbox import Sandbox
from tests import leakcheck
from tests.core.conftest import QboSandbox

FIXTURES = Path(__file__).parent / "fixtures"


class Box(QboSandbox):
    """The whole sandbox (QuickBooks, Pipedrive, ShipStation) and tenants connected to it."""

    def connect_quickbooks(self, tenant: str) -> None:
        self.connect(TokenStore(), tenant)

    def connect_pipedrive(self, tenant: str) -> None:
        url = self.sandbox.url("pipedrive")
        creds = httpx.get(f"{url}/_sandbox/credentials", timeout=30).json()
        leakcheck.add_issued({creds["api_token"]})
        TokenStore().save(
            tenant,
            "pipedrive",
            auth_kind="api_token",
            api_url=url,
            account_id=creds["company_domain"],
            secrets={"api_token": creds["api_token"]},
        )

    def connect_shipstation(self, tenant: str) -> None:
        url = self.sandbox.url("shipstation")
        pair = httpx.get(f"{url}/_sandbox/credentials", timeout=30).json()
        leakcheck.add_issued({pair["apiSecret"]})
        TokenStore().save(
            tenant,
            "shipstation",
            auth_kind="api_key",
            api_url=url,
            secrets={"api_key": pair["apiKey"], "api_secret": pair["apiSecret"]},
        )


@pytest.fixture(scope="session")
def box_server() -> Iterator[Box]:
    with Sandbox(seed="demo").start() as sandbox:
        box = Box(sandbox)
        yield box
        leakcheck.add_issued(box.issued() | {DEFAULT_CLIENT_SECRET})


@pytest.fixture
def box(box_server: Box, clean_db: str) -> Iterator[Box]:
    box_server.reset()
    yield box_server
    box_server.sandbox.clock.reset()


@pytest.fixture
def books(box: Box) -> Iterator[Box]:
    """The demo company as generated, for a test that changes it (pays invoices); generated
    again afterwards, so later tests of the session find no fresh changes."""
    body = {"data": True, "settings": True, "tokens": False, "clock": True}
    box.http.post("/_sandbox/reset", json=body).raise_for_status()
    yield box
    box.http.post("/_sandbox/reset", json=body).raise_for_status()


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()  # in memory: no storage migrations per test


@pytest.fixture
def stored_instance() -> Iterator[dg.DagsterInstance]:
    """A Dagster instance on disk: schedule and sensor contexts need one they can reference."""
    with dg.instance_for_test() as test_instance:
        yield test_instance
