"""python-quickbooks, unchanged but for its API host, does everything a client does against QBO."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.sandbox import Sandbox
from tests.sandbox.quickbooks.helpers import hand_in_issued

if TYPE_CHECKING:
    from quickbooks.objects.invoice import Invoice


@pytest.fixture(scope="module")
def qb(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[object]:
    # requests-oauthlib refuses http:// unless told otherwise (the sandbox serves plain http).
    monkeypatch_module.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks

    with Sandbox(seed="demo").start() as sandbox:
        url = sandbox.url("quickbooks")
        # Conformance, not limits: python-quickbooks does not pace itself below 10 requests/s.
        httpx.patch(f"{url}/_sandbox/settings", json={"rate_limit_per_second_realm_app": 1000})
        auth = AuthClient(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            "http://localhost/cb",
            environment=f"{url}/.well-known/openid_configuration/",
        )
        client = QuickBooks(
            auth_client=auth,
            refresh_token=sandbox.qbo.connect()["refresh_token"],
            company_id=sandbox.qbo.realm_id,
            minorversion=75,
        )
        client.api_url_v3 = client.sandbox_api_url_v3 = f"{url}/v3"
        client.sandbox = sandbox  # for the test's own clock reads
        yield client
        hand_in_issued(sandbox)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_create_update_with_synctoken_and_stale_update(qb: object) -> None:
    from quickbooks.exceptions import QuickbooksException
    from quickbooks.objects.customer import Customer

    customer = Customer()
    customer.DisplayName = "Conformance Client Ltd"
    customer.CompanyName = "Conformance Client Ltd"
    customer.save(qb=qb)
    assert customer.Id

    stale = Customer.get(customer.Id, qb=qb)
    customer.CompanyName = "Conformance Client Limited"
    customer.save(qb=qb)
    updated = Customer.get(customer.Id, qb=qb)
    assert (updated.CompanyName, updated.SyncToken) == ("Conformance Client Limited", "1")

    stale.CompanyName = "Lost update"
    with pytest.raises(QuickbooksException) as error:
        stale.save(qb=qb)
    assert error.value.error_code == 5010


def _invoice(qb: object, customer_id: str) -> Invoice:
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
    from quickbooks.objects.invoice import Invoice
    from quickbooks.objects.item import Item

    item = Item.all(max_results=1, qb=qb)[0]
    line = SalesItemLine()
    line.Amount = 100
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 1
    line.SalesItemLineDetail.UnitPrice = 100
    invoice = Invoice()
    invoice.Line = [line]
    invoice.CustomerRef = {"value": customer_id}
    invoice.save(qb=qb)
    return invoice


def test_delete_a_transaction_then_cdc_reports_the_tombstone(qb: object) -> None:
    from quickbooks.cdc import change_data_capture
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.invoice import Invoice

    customer = Customer.filter(Active=True, max_results=1, qb=qb)[0]
    since = qb.sandbox.clock.now() - timedelta(minutes=1)  # type: ignore[attr-defined]
    invoice = _invoice(qb, customer.Id)
    kept = _invoice(qb, customer.Id)
    assert float(Invoice.get(kept.Id, qb=qb).TotalAmt) > 0
    invoice.delete(qb=qb)

    # A string with its offset: python-quickbooks formats a datetime without one, which QBO
    # reads as Pacific time.
    changes = change_data_capture([Invoice], since.isoformat(timespec="seconds"), qb=qb)
    invoices = {i.Id: i for i in changes.Invoice}
    assert kept.Id in invoices
    assert invoices[invoice.Id].status == "Deleted"


def test_batch_create_reports_successes_and_faults(qb: object) -> None:
    from quickbooks.batch import batch_create
    from quickbooks.objects.customer import Customer

    fresh, duplicate = Customer(), Customer()
    fresh.DisplayName = "Batch Newcomer"
    duplicate.DisplayName = "Batch Newcomer"  # DisplayName must be unique: one item fails
    result = batch_create([fresh, duplicate], qb=qb)
    assert len(result.successes) == 1
    assert len(result.faults) == 1
    assert result.faults[0].Error[0].code == "6240"
