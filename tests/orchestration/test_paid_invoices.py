"""The paid-invoice sensor against the QuickBooks sandbox: one request per tenant when idle, one
run request per change that made an invoice shippable, never two for the same change."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import psycopg
import pytest

from ledgerlink.tokens import Grant, TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.orchestration.books import (
    DUE_ON_RECEIPT,
    NET_30,
    api_requests,
    create_invoice,
    open_invoice,
    pay,
    settle,
    tick,
)
from tests.orchestration.conftest import Box


def test_one_request_when_idle_and_one_run_per_payment_that_makes_an_invoice_shippable(
    books: Box, instance: dg.DagsterInstance
) -> None:
    books.connect_quickbooks("acme")
    instance.add_dynamic_partitions("tenants", ["acme"])
    calls = api_requests(books)
    # The first look covers the last days: the demo books' recent invoices have no orders yet.
    first = tick(instance, None)
    assert api_requests(books) - calls == 1
    assert len(first.run_requests or []) == 1

    calls = api_requests(books)
    idle = tick(instance, first.cursor)
    assert api_requests(books) - calls == 1
    assert idle.run_requests == []
    assert idle.skip_reason is not None and "nothing became shippable" in str(idle.skip_reason)

    invoice = open_invoice(books, DUE_ON_RECEIPT)
    pay(books, invoice)
    # Seconds later the tap would not read the change yet (its settle time): no run so early.
    early = tick(instance, idle.cursor)
    assert early.run_requests == []
    settle(books)
    paid = tick(instance, early.cursor)
    [request] = paid.run_requests or []
    assert request.partition_key == "acme"
    assert request.job_name in (None, "ship_invoices")
    assert request.tags["meltano/invoices-to-shipstation"] == "acme"
    assert request.tags["ledgerlink/invoices"] == invoice["DocNumber"]

    # The next tick sees the same change again (the cursor overlaps): no second run.
    calls = api_requests(books)
    again = tick(instance, paid.cursor)
    assert again.run_requests == []
    assert api_requests(books) - calls == 1
    # A tick whose cursor was lost asks again with the same key, which Dagster de-duplicates.
    repeated = tick(instance, early.cursor)
    assert [r.run_key for r in repeated.run_requests or []] == [request.run_key]


def test_a_net_30_payment_is_shippable_only_while_its_order_awaits_payment(
    books: Box, instance: dg.DagsterInstance, clean_db: str
) -> None:
    books.connect_quickbooks("acme")
    instance.add_dynamic_partitions("tenants", ["acme"])
    start = tick(instance, None)
    net30 = open_invoice(books, NET_30)
    with psycopg.connect(clean_db) as conn:  # ordered unpaid when it was created, as the rule says
        conn.execute(
            "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, order_key, state, order_status)"
            " VALUES ('acme', %s, %s, 'created', 'awaiting_payment')",
            (net30["Id"], f"acme-{net30['Id']}"),
        )
    pay(books, net30)
    settle(books)
    [request] = tick(instance, start.cursor).run_requests or []
    assert request.tags["ledgerlink/invoices"] == net30["DocNumber"]

    with psycopg.connect(clean_db) as conn:  # the order already knows the payment
        conn.execute("UPDATE invoice_order_map SET order_status = 'awaiting_shipment'")
    assert tick(instance, start.cursor).run_requests == []


def test_tenants_without_a_partition_or_a_quickbooks_connection_cost_nothing(
    books: Box, instance: dg.DagsterInstance
) -> None:
    books.connect_quickbooks("acme")
    books.connect_quickbooks("later")  # connected, not yet a partition
    books.connect_pipedrive("crm-only")
    instance.add_dynamic_partitions("tenants", ["acme", "crm-only"])
    calls = api_requests(books)
    result = tick(instance, None)
    assert api_requests(books) - calls == 1
    assert result.cursor is not None and set(json.loads(result.cursor)) == {"acme"}


def test_a_tenant_that_must_reconnect_leaves_the_others_checked(
    books: Box, instance: dg.DagsterInstance, clean_db: str
) -> None:
    books.connect_quickbooks("acme")
    TokenStore().save(
        "gone",
        "quickbooks",
        auth_kind="oauth",
        api_url=books.url,
        account_id=books.realm,
        token_url=f"{books.url}/oauth2/v1/tokens/bearer",
        client_id=DEFAULT_CLIENT_ID,
        secrets={"client_secret": DEFAULT_CLIENT_SECRET},
        grant=Grant(access_token="old-access", refresh_token="revoked-refresh", expires_in=1),
    )
    instance.add_dynamic_partitions("tenants", ["acme", "gone"])
    start = tick(instance, None)
    assert start.cursor is not None and set(json.loads(start.cursor)) == {"acme"}

    invoice = open_invoice(books, DUE_ON_RECEIPT)
    pay(books, invoice)
    settle(books)
    paid = tick(instance, start.cursor)
    assert [r.partition_key for r in paid.run_requests or []] == ["acme"]


def test_an_invoice_dated_before_the_tenants_history_cutoff_launches_no_run(
    books: Box, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """target-shipstation never orders history (invoices dated before its `history_cutoff`,
    by default the day ShipStation was connected): the sensor reads the same setting."""
    books.connect_quickbooks("acme")
    books.connect_shipstation("acme")  # connected today: the default cutoff is today
    instance.add_dynamic_partitions("tenants", ["acme"])
    monkeypatch.delenv("TARGET_SHIPSTATION_HISTORY_CUTOFF", raising=False)
    start = tick(instance, None)
    assert start.run_requests == []  # the demo's recent invoices are all history

    old = open_invoice(books, DUE_ON_RECEIPT)
    assert old["TxnDate"] < date.today().isoformat()
    pay(books, old)
    settle(books)
    assert tick(instance, start.cursor).run_requests == []

    # The target's own setting moves the cutoff back to the invoice's day: now it ships.
    monkeypatch.setenv("TARGET_SHIPSTATION_HISTORY_CUTOFF", old["TxnDate"])
    [request] = tick(instance, start.cursor).run_requests or []
    assert request.tags["ledgerlink/invoices"] == old["DocNumber"]

    # An invoice of today, paid, ships under the default cutoff.
    monkeypatch.delenv("TARGET_SHIPSTATION_HISTORY_CUTOFF")
    fresh = create_invoice(books, DUE_ON_RECEIPT)
    pay(books, fresh)
    settle(books)
    [request] = tick(instance, start.cursor).run_requests or []
    assert request.tags["ledgerlink/invoices"] == fresh["DocNumber"]
