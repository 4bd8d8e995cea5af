"""The QuickBooks sandbox as a business moves it (payments), and paid-invoice sensor ticks."""

from __future__ import annotations

from typing import Any

import dagster as dg

from ledgerlink_orchestration.meltano import MeltanoResource
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.sensors import paid_invoices
from ledgerlink_sandbox.quickbooks.store import RealmStore
from tests.orchestration.conftest import Box

DUE_ON_RECEIPT = "1"
NET_30 = "3"


def api_requests(box: Box) -> int:
    routes: dict[str, int] = box.http.get("/_sandbox/stats").json()["routes"]
    return sum(n for route, n in routes.items() if " /v3/company/" in route)


def store(box: Box) -> RealmStore:
    store = box.sandbox.qbo.store
    assert isinstance(store, RealmStore)
    return store


def open_invoice(box: Box, term: str) -> dict[str, Any]:
    with box.sandbox.qbo.lock:
        rows = store(box).books.table("Invoice").rows.values()
        found = [
            r for r in rows if r["SalesTermRef"]["value"] == term and float(r.get("Balance", 0)) > 0
        ]
    return dict(min(found, key=lambda r: int(r["Id"])))


def pay(box: Box, invoice: dict[str, Any]) -> None:
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
        store(box).write("Payment", body, operation=None, include=set(), request_id=None)


def tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"tokens": TokenStoreResource(), "meltano": MeltanoResource()},
    )
    result = paid_invoices(context)
    assert isinstance(result, dg.SensorResult)
    return result


def create_invoice(box: Box, term: str, amount: int = 120) -> dict[str, Any]:
    """A new invoice of one product (a parcel to ship), dated today, for the first active
    customer (after the history cutoff of a tenant connected today: target-shipstation orders
    it)."""
    with box.sandbox.qbo.lock:
        customers = store(box).books.table("Customer").rows.values()
        customer = min((c for c in customers if c.get("Active", True)), key=lambda c: int(c["Id"]))
        items = store(box).books.table("Item").rows.values()
        goods = min(
            (i for i in items if i.get("Type") in ("Inventory", "NonInventory")),
            key=lambda i: int(i["Id"]),
        )
        line = {
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": {"value": goods["Id"]},
                "Qty": 1,
                "UnitPrice": amount,
            },
        }
        body = {
            "CustomerRef": {"value": customer["Id"]},
            "SalesTermRef": {"value": term},
            "Line": [line],
        }
        created = store(box).write("Invoice", body, operation=None, include=set(), request_id=None)
    return dict(created)


def settle(box: Box) -> None:
    """Time passes beyond the tap's settle time (60 s): the changes made so far are readable."""
    box.sandbox.clock.advance(61)
