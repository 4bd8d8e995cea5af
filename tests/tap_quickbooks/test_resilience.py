"""The 30-day cliff, the CDC cap, 401 with rotation, a 429 storm, 5xx bursts, timeouts, rows
moving between pages: each against the `small` sandbox with its clock and fault injection, and
each checked for no lost and no duplicated record."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.quickbooks.faults import QboApiError
from ledgerlink.tokens import TokenStore
from tests import leakcheck
from tests.tap_quickbooks.helpers import (
    CDC_ROUTE,
    QUERY_ROUTE,
    TENANT,
    Mutations,
    Qbo,
    apply,
    assert_changes,
    assert_exact,
    snapshot,
)

TOKEN_ROUTE = "POST /oauth2/v1/tokens/bearer"
GATEWAY_401 = json.dumps(
    {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": "Token expired: eyJlbmMiOiJB...",
                    "code": "3200",
                }
            ],
            "type": "AUTHENTICATION",
        }
    }
)


def settle(qbo: Qbo) -> None:
    qbo.advance(62)


def mutate(m: Mutations, n: int = 1) -> None:
    for i in range(n):
        m.create_customer()
        m.update_customer(3 + i)
        m.create_invoice(7 + i)
        m.pay_invoice(11 + i)
        m.void_invoice(13 + i)
        m.delete_invoice(17 + i)
        m.delete_payment(19 + i)
        m.update_item(i)
        m.deactivate_customer(23 + i)


@pytest.mark.parametrize("detect", ["server_refuses_cdc", "bookmark_age"])
def test_30_day_cliff_catches_up_and_reconciles_deletes(small: Qbo, detect: str) -> None:
    settle(small)
    first = small.run()
    before = snapshot(small)
    small.advance(31 * 86400)
    mutate(Mutations(small), 2)
    settle(small)
    small.reset_stats()
    # bookmark_age: the tap judges age by its own clock, which the sandbox's month did not
    # move, so the smallest limit (0: any bookmark is too old) stands in for "older than 29
    # days" on the local clock.
    extra: dict[str, Any] = {"cdc_max_age_days": 0} if detect == "bookmark_age" else {}
    second = small.run(first.state, **extra)
    assert_changes(before, second, small)
    stats = small.stats()
    # The month also expired the access token on QBO's clock: one 401, one refresh, then CDC
    # is refused as too old (server path) or never asked (bookmark-age path).
    assert stats.get(TOKEN_ROUTE) == 1
    assert stats.get(CDC_ROUTE, 0) == (2 if detect == "server_refuses_cdc" else 0)
    # Back within CDC's reach: one request, nothing new.
    settle(small)
    small.reset_stats()
    third = small.run(second.state)
    assert small.stats() == {CDC_ROUTE: 1} and sum(third.count().values()) == 0


def test_cdc_cap_falls_back_to_windowed_queries(small: Qbo) -> None:
    settle(small)
    first = small.run()
    before = snapshot(small)
    m = Mutations(small)
    for i in range(600):
        m.update_customer(i)
    for i in range(450):
        m.create_invoice(i)
    mutate(m, 3)  # deletes too, which a truncated CDC answer drops first
    settle(small)
    small.reset_stats()
    second = small.run(first.state)
    assert_changes(before, second, small)
    assert small.stats()[CDC_ROUTE] == 1 and small.stats()[QUERY_ROUTE] >= 5


def test_401_mid_run_refreshes_once_with_rotation(small: Qbo) -> None:
    small.settings(refresh_token_rotation="every_refresh")
    store = TokenStore()
    version = store.connections(TENANT)[0].version
    settle(small)
    small.reset_stats()
    small.fault(
        kind="status", status=401, path="/v3/company/*/query", skip=2, count=1, body=GATEWAY_401
    )
    run = small.run(page_size=500)
    assert_exact(run, small)
    assert small.stats()[TOKEN_ROUTE] == 1  # one forced refresh, no storm
    after = store.connections(TENANT)[0]
    assert after.version == version + 1 and after.status == "active"


def test_expired_token_on_the_server_is_refreshed(small: Qbo) -> None:
    settle(small)
    small.advance(2 * 3600)  # QBO's clock says the stored access token has expired
    small.reset_stats()
    run = small.run()
    assert_exact(run, small)
    assert small.stats()[TOKEN_ROUTE] == 1


def test_needs_reauth_ends_the_run_with_the_store_message(small: Qbo, tmp_path: Path) -> None:
    small.http.post("/_sandbox/reset", json={"tokens": True}).raise_for_status()
    config = tmp_path / "config.json"
    config.write_text(json.dumps(small.config()))
    done = subprocess.run(
        [str(Path(sys.executable).with_name("tap-quickbooks")), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    leakcheck.record_output(done.stdout + done.stderr)
    assert done.returncode != 0
    assert "needs re-authorization" in done.stderr
    assert f"ledgerlink connect quickbooks --tenant {TENANT}" in done.stderr
    assert "Traceback" not in done.stderr
    assert '"type":"RECORD"' not in done.stdout.replace(" ", "")


@pytest.mark.parametrize("shape", ["json", "xml", "fault_in_200"])
def test_429_storm_waits_and_loses_nothing(small: Qbo, shape: str) -> None:
    small.settings(throttle_response=shape)
    settle(small)
    small.fault(kind="throttle", path="/v3/company/*/query", skip=1, count=4)
    run = small.run(max_retries=6)
    assert_exact(run, small)


def test_5xx_bursts_resets_and_timeouts_are_retried(small: Qbo) -> None:
    settle(small)
    small.fault(kind="status", status=503, path="/v3/company/*/query", count=2)
    small.fault(kind="status", status=500, path="/v3/company/*/query", skip=3, count=2)
    small.fault(
        kind="status",
        status=200,
        path="/v3/company/*/query",
        skip=6,
        count=1,
        body=json.dumps(
            {
                "Fault": {
                    "Error": [{"Message": "An application error", "code": "10000"}],
                    "type": "SystemFault",
                }
            }
        ),
    )
    small.fault(kind="reset", path="/v3/company/*/query", skip=8, count=1)
    small.fault(kind="delay", delay_seconds=2.5, path="/v3/company/*/query", skip=9, count=1)
    run = small.run(request_timeout_seconds=1, max_retries=6)
    assert_exact(run, small)


def test_rows_moving_between_pages_are_neither_lost_nor_doubled(small: Qbo) -> None:
    settle(small)
    small.reset_stats()
    # Page 2 waits a second; meanwhile rows of page 1 are deleted and updated (they move to
    # the end, past this run's bound).
    small.fault(kind="delay", delay_seconds=1.0, path="/v3/company/*/query", skip=2, count=1)
    m = Mutations(small)

    def meddle() -> None:
        while small.stats().get(QUERY_ROUTE, 0) < 2:
            time.sleep(0.01)
        for i in range(5):
            m.delete_invoice(i)
            m.create_invoice(i)
            m.void_invoice(i)

    worker = threading.Thread(target=meddle)
    worker.start()
    first = small.run(page_size=300, select=["customers", "invoices"])
    worker.join()
    invoices = [r["Id"] for r in first.records["invoices"]]
    assert len(invoices) == len(set(invoices))
    # What the next run must add, and the fold of both runs, equal the truth.
    settle(small)
    second = small.run(first.state, select=["customers", "invoices"])
    for stream in ("customers", "invoices"):
        folded: dict[str, dict[str, Any]] = {}
        apply(folded, first, stream)
        apply(folded, second, stream)
        entity = "Customer" if stream == "customers" else "Invoice"
        assert set(folded) == set(small.rows(entity)), stream


def test_errors_name_entity_window_realm_and_intuit_tid(small: Qbo) -> None:
    body = json.dumps(
        {
            "Fault": {
                "Error": [
                    {"Message": "Invalid query", "Detail": "QueryValidationError", "code": "4001"}
                ],
                "type": "ValidationFault",
            }
        }
    )
    small.fault(kind="status", status=400, path="/v3/company/*/query", count=1, body=body)
    with pytest.raises(QboApiError) as caught:
        small.run(select=["invoices"])
    text = str(caught.value)
    assert "Invoice query window [2000-01-01T00:00:00+00:00, hi)" in text
    assert small.realm in text and "intuit_tid 1-" in text and "4001" in text
