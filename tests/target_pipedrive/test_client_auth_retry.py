"""The core client's credential and retry behaviour against the sandbox."""

from __future__ import annotations

import pytest

from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.transport import WriteOutcomeUnknown
from ledgerlink.tokens import TokenStore
from tests import leakcheck
from tests.tap_pipedrive.test_auth_and_limits import BASIC, _connect_oauth, _token_calls
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, stats


def test_an_oauth_token_refused_by_pipedrive_is_refreshed_once(pd: PipedriveSandbox) -> None:
    grant = _connect_oauth(pd)
    client = PipedriveClient.for_tenant(TENANT)
    assert client.organization_fields()
    pd.admin.post(
        "/oauth/revoke",
        data={"token": grant.access_token, "token_type_hint": "access_token"},
        headers={"Authorization": BASIC},
    ).raise_for_status()
    calls = _token_calls(pd)
    created = client.create_organization({"name": "After Revoke"})
    assert created["name"] == "After Revoke"
    assert _token_calls(pd) == calls + 1
    assert [o["name"] for o in pd.rows("organization")].count("After Revoke") == 1
    leakcheck.add_issued({TokenStore().credentials(TENANT, "pipedrive").access_token or ""})
    client.close()


def test_a_refused_api_token_is_one_clear_error(pd: PipedriveSandbox) -> None:
    TokenStore().save(
        TENANT,
        "pipedrive",
        auth_kind="api_token",
        api_url=pd.url,
        secrets={"api_token": "0123456789abcdef0123456789abcdef01234567"},
    )
    client = PipedriveClient.for_tenant(TENANT)
    with pytest.raises(PipedriveApiError) as failure:
        client.organization_fields()
    assert "HTTP 401" in str(failure.value) and "0123456789abcdef" not in str(failure.value)
    assert stats(pd) == {"GET /api/v2/organizationFields": 1}  # no retry can help


def test_throttled_writes_wait_and_failed_patches_are_retried(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    org = pd.create("organization", name="Retry Me")
    faults = [
        {"kind": "throttle", "method": "POST", "path": "/api/v2/organizations", "count": 1},
        {"kind": "status", "status": 503, "method": "PATCH", "count": 1},
    ]
    pd.admin.post("/_sandbox/faults", json=faults).raise_for_status()
    client.http.limits.burst.sleep = lambda seconds: None  # the 2 s wait, without waiting
    created = client.create_organization({"name": "Throttled Once"})
    client.patch_organization(org["id"], {"name": "Retried"})
    names = [o["name"] for o in pd.rows("organization")]
    assert names.count("Throttled Once") == 1 and "Retried" in names
    assert created["id"] != org["id"]
    assert stats(pd)["POST /api/v2/organizations"] == 2  # the 429 changed nothing
    assert stats(pd)["PATCH /api/v2/organizations/{id}"] == 2


def test_a_create_answered_by_a_5xx_is_not_retried(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    pd.admin.post(
        "/_sandbox/faults",
        json={"kind": "status", "status": 502, "method": "POST", "count": 1},
    ).raise_for_status()
    with pytest.raises(WriteOutcomeUnknown):
        client.create_organization({"name": "Maybe Created"})
    assert stats(pd)["POST /api/v2/organizations"] == 1
