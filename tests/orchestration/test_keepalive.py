"""The token keep-alive: every OAuth connection refreshed exactly once, failures per tenant."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dagster as dg
import psycopg

from ledgerlink.tokens import Grant, TokenStore
from ledgerlink_orchestration.assets.connections import connections
from ledgerlink_orchestration.checks import no_reconnect_due
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.orchestration.conftest import Box

AN_HOUR_AND_MORE = 3700


def _time_passes(box: Box, database_url: str, seconds: int) -> None:
    """Time moves for the provider (the sandbox clock) and for what the store recorded."""
    box.sandbox.clock.advance(seconds)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE connections SET access_expires_at = access_expires_at - %s * interval '1s',"
            " last_refreshed_at = last_refreshed_at - %s * interval '1s'",
            (seconds, seconds),
        )


def _keepalive() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [connections, no_reconnect_due],
        resources={"tokens": TokenStoreResource()},
        raise_on_error=False,
    )


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    [materialization] = result.asset_materializations_for_node("ledgerlink__connections")
    return {k: v.value for k, v in materialization.metadata.items()}


def _oauth_versions() -> dict[str, int]:
    return {
        f"{c.tenant}/{c.provider}": c.version
        for c in TokenStore().connections()
        if c.auth_kind == "oauth"
    }


def test_two_overlapping_runs_refresh_every_connection_exactly_once(
    box: Box, clean_db: str
) -> None:
    for tenant in ("north", "south", "west"):
        box.connect_quickbooks(tenant)
    box.connect_pipedrive("north")  # an API token: nothing to refresh
    before = _oauth_versions()
    _time_passes(box, clean_db, AN_HOUR_AND_MORE)
    # Slow token answers, so the two runs really are inside the store's lock together.
    box.http.post(
        "/_sandbox/faults",
        json={"kind": "delay", "delay_seconds": 0.3, "path": "/oauth2/v1/tokens/bearer"},
    ).raise_for_status()
    calls = box.token_requests()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: _keepalive(), range(2)))

    assert all(run.success for run in runs)
    assert box.token_requests() - calls == 3
    assert _oauth_versions() == {name: version + 1 for name, version in before.items()}
    for run in runs:
        metadata = _metadata(run)
        assert metadata["failed"] == 0
        assert metadata["refreshed"] + metadata["fresh"] == 3
    # Every access token is good again, at the provider too: the store hands them out unrefreshed.
    for tenant in ("north", "south", "west"):
        assert TokenStore().credentials(tenant, "quickbooks").access_token
    assert box.token_requests() - calls == 3

    # A round right after finds every connection fresh and calls nobody.
    again = _keepalive()
    assert again.success and _metadata(again)["fresh"] == 3
    assert box.token_requests() - calls == 3


def test_a_refused_connection_fails_the_run_after_the_others_are_refreshed(
    box: Box, clean_db: str
) -> None:
    box.connect_quickbooks("north")
    TokenStore().save(
        "gone",
        "quickbooks",
        auth_kind="oauth",
        api_url=box.url,
        account_id=box.realm,
        token_url=f"{box.url}/oauth2/v1/tokens/bearer",
        client_id=DEFAULT_CLIENT_ID,
        secrets={"client_secret": DEFAULT_CLIENT_SECRET},
        grant=Grant(access_token="old-access", refresh_token="revoked-refresh", expires_in=3600),
    )
    _time_passes(box, clean_db, AN_HOUR_AND_MORE)
    versions = _oauth_versions()

    result = _keepalive()

    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    data = failure.step_failure_data
    assert data is not None and data.user_failure_data is not None
    description = data.user_failure_data.description or ""
    assert description.startswith("1 connection(s) not refreshed (gone/quickbooks): ")
    assert "\n" not in description
    assert description.endswith("Reconnect with: ledgerlink connect quickbooks --tenant gone")
    assert _oauth_versions()["north/quickbooks"] == versions["north/quickbooks"] + 1
    metadata = _metadata(result)
    assert (metadata["refreshed"], metadata["failed"]) == (1, 1)
    assert "gone/quickbooks needs re-authorization now" in metadata["reconnect_warnings"]


def _check() -> dg.AssetCheckResult:
    result = no_reconnect_due(tokens=TokenStoreResource())
    assert isinstance(result, dg.AssetCheckResult)
    return result


def test_the_check_warns_before_a_forced_reconnect(box: Box, clean_db: str) -> None:
    box.connect_quickbooks("north")
    box.connect_quickbooks("south")
    check = _check()
    assert check.passed
    with psycopg.connect(clean_db) as conn:
        conn.execute(
            "UPDATE connections SET refresh_hard_expires_at = now() + interval '5 days 1 hour'"
            " WHERE tenant = 'south'"
        )
    check = _check()
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    details = check.metadata["details"].value
    assert isinstance(details, str)
    assert "south/quickbooks must be reconnected by" in details and "(5 days)" in details
    assert "north" not in details
