"""The paid-invoice sensor against the QuickBooks sandbox: one request per tenant when idle, one
run request per change that made an invoice shippable, never two for the same change."""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import psycopg
import pytest

from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.sensors import paid_invoices
from ledgerlink_sandbox.quickbooks.store import RealmStore
from tests.orchestration.conftest import Box

DUE_ON_RECEIPT = "1"
NET_30 = "3"


@pytest.fixture
def books(box: Box) -> Box:
    """The demo company as generated (earlier tests may have paid or voided invoices)."""
    body = {"data": True, "settings": True, "tokens": False, "clock": True}
    box.http.post("/_sandbox/reset", json=body).raise_for_status()
    return box


def _api_requests(box: Box) -> int:
    routes: dict[str, int] = box.http.get("/_sandbox/stats").json()["routes"]
    return sum(n for route, n in routes.items() if " /v3/company/" in route)


def _store(box: Box) -> RealmStore:
    store = box.sandbox.qbo.store
    assert isinstance(store, RealmStore)
    return store


def _open_invoice(box: Box, term: str) -> dict[str, Any]:
    with box.sandbox.qbo.lock:
        rows = _store(box).books.table("Invoice").rows.values()
        found = [
            r for r in rows if r["SalesTermRef"]["value"] == term and float(r.get("Balance", 0)) > 0
        ]
    return dict(min(found, key=lambda r: int(r["Id"])))


def _pay(box: Box, invoice: dict[str, Any]) -> None:
    """The customer pays the invoice in full (as QuickBooks records it: a Payment linked to it)."""
    body = {
        "CustomerRef": {"value": invoice["CustomerRef"]["value"]},
        "TotalAmt": invoice["Balance"],
        "Line": [
            {
                "Amount": invoice["Balance"],
                "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
            }
        ],
    }
    with box.sandbox.qbo.lock:
        _store(box).write("Payment", body, operation=None, include=set(), request_id=None)


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"tokens": TokenStoreResource()}
    )
    result = paid_invoices(context)
    assert isinstance(result, dg.SensorResult)
    return result


def test_one_request_when_idle_and_one_run_per_payment_that_makes_an_invoice_shippable(
    books: Box, instance: dg.DagsterInstance
) -> None:
    books.connect_quickbooks("acme")
    instance.add_dynamic_partitions("tenants", ["acme"])
    calls = _api_requests(books)
    # The first look covers the last days: the demo books' recent invoices have no orders yet.
    first = _tick(instance, None)
    assert _api_requests(books) - calls == 1
    assert len(first.run_requests or []) == 1

    calls = _api_requests(books)
    idle = _tick(instance, first.cursor)
    assert _api_requests(books) - calls == 1
    assert idle.run_requests == []
    assert idle.skip_reason is not None and "nothing became shippable" in str(idle.skip_reason)

    invoice = _open_invoice(books, DUE_ON_RECEIPT)
    _pay(books, invoice)
    paid = _tick(instance, idle.cursor)
    [request] = paid.run_requests or []
    assert request.partition_key == "acme"
    assert request.job_name in (None, "ship_invoices")
    assert request.tags["meltano/invoices-to-shipstation"] == "acme"
    assert request.tags["ledgerlink/invoices"] == invoice["DocNumber"]

    # The next tick sees the same change again (the cursor overlaps): no second run.
    calls = _api_requests(books)
    again = _tick(instance, paid.cursor)
    assert again.run_requests == []
    assert _api_requests(books) - calls == 1
    # A tick whose cursor was lost asks again with the same key, which Dagster de-duplicates.
    repeated = _tick(instance, idle.cursor)
    assert [r.run_key for r in repeated.run_requests or []] == [request.run_key]


def test_a_net_30_payment_is_shippable_only_while_its_order_awaits_payment(
    books: Box, instance: dg.DagsterInstance, clean_db: str
) -> None:
    books.connect_quickbooks("acme")
    instance.add_dynamic_partitions("tenants", ["acme"])
    start = _tick(instance, None)
    net30 = _open_invoice(books, NET_30)
    with psycopg.connect(clean_db) as conn:  # ordered unpaid when it was created, as the rule says
        conn.execute(
            "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, order_key, state, order_status)"
            " VALUES ('acme', %s, %s, 'created', 'awaiting_payment')",
            (net30["Id"], f"acme-{net30['Id']}"),
        )
    _pay(books, net30)
    [request] = _tick(instance, start.cursor).run_requests or []
    assert request.tags["ledgerlink/invoices"] == net30["DocNumber"]

    with psycopg.connect(clean_db) as conn:  # the order already knows the payment
        conn.execute("UPDATE invoice_order_map SET order_status = 'awaiting_shipment'")
    assert _tick(instance, start.cursor).run_requests == []


def test_tenants_without_a_partition_or_a_quickbooks_connection_cost_nothing(
    books: Box, instance: dg.DagsterInstance
) -> None:
    books.connect_quickbooks("acme")
    books.connect_quickbooks("later")  # connected, not yet a partition
    books.connect_pipedrive("crm-only")
    instance.add_dynamic_partitions("tenants", ["acme", "crm-only"])
    calls = _api_requests(books)
    result = _tick(instance, None)
    assert _api_requests(books) - calls == 1
    assert result.cursor is not None and set(json.loads(result.cursor)) == {"acme"}
