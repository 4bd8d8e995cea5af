"""The Pipedrive sandbox fixtures of the tap tests (frozen clock, tenant ``acme`` connected),
and what the target tests add: a client, sandbox stats, QuickBooks-shaped customers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.retry import Backoff
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox, pd, pd_sandbox

__all__ = ["TENANT", "PipedriveSandbox", "client", "pd", "pd_sandbox"]


@pytest.fixture
def client(pd: PipedriveSandbox) -> Iterator[PipedriveClient]:
    api = PipedriveClient.for_tenant(TENANT, backoff=Backoff(base=0.01, cap=0.05))
    yield api
    api.close()


def stats(sandbox: PipedriveSandbox) -> dict[str, int]:
    """Requests the sandbox answered on its API routes (admin routes left out)."""
    routes = sandbox.admin.get("/_sandbox/stats").json()["routes"]
    return {k: n for k, n in routes.items() if " /_sandbox" not in k}


def customer(customer_id: str, name: str, **values: Any) -> dict[str, Any]:
    """A QuickBooks customer as tap-quickbooks emits it."""
    return {
        "Id": customer_id,
        "DisplayName": name,
        "Active": True,
        "Balance": 0,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        **values,
    }
