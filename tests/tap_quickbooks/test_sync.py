"""End to end against the `small` sandbox: full sync, scripted incremental, API cost."""

from __future__ import annotations

import math
from typing import Any

from tests.tap_quickbooks.helpers import (
    CDC_ROUTE,
    ENTITY,
    QUERY_ROUTE,
    STREAMS,
    Mutations,
    Qbo,
    assert_exact,
    key,
    key_of,
)


def settle(qbo: Qbo) -> None:
    """Move the sandbox past the settle window so every change so far is readable."""
    qbo.advance(62)


def truth(qbo: Qbo, stream: str) -> dict[str, dict[str, Any]]:
    return qbo.rows(ENTITY[stream])


def test_full_sync_emits_exactly_the_sandbox_records(small: Qbo) -> None:
    settle(small)
    run = small.run()
    assert_exact(run, small)
    assert run.count()["customers"] >= 1000 and run.count()["invoices"] >= 2500
    # Invoices: minorversion and include=invoiceLink were sent (online ones carry the link).
    assert any(r.get("InvoiceLink") for r in run.records["invoices"])
    voided = [r for r in run.records["invoices"] if r["_sdc_deleted_at"]]
    assert voided and all(r["PrivateNote"].startswith("Voided") for r in voided)
    inactive = [r for r in run.records["customers"] if r.get("Active") is False]
    assert inactive, "deactivated customers are delivered (Active IN (true, false))"
    bookmarks = run.state["bookmarks"]
    assert set(bookmarks) == set(STREAMS)
    for stream in STREAMS:
        assert "progress_markers" not in bookmarks[stream]
        assert bookmarks[stream]["replication_key"] == "updated_at"
    assert "ids" in bookmarks["invoices"] and "ids" in bookmarks["payments"]


def test_full_sync_cost_per_stream(small: Qbo) -> None:
    settle(small)
    costs = {}
    for stream in STREAMS:
        small.reset_stats()
        run = small.run(select=[stream])
        rows = len(run.records.get(stream, []))
        requests = small.stats().get(QUERY_ROUTE, 0)
        costs[stream] = (rows, requests)
        assert requests <= math.ceil(rows / 1000) + 1, (stream, rows, requests)
        assert small.stats().get(CDC_ROUTE, 0) == 0
    print("full sync cost (rows, query requests):", costs)


def test_incremental_emits_exactly_the_changes_and_tombstones(small: Qbo) -> None:
    settle(small)
    first = small.run()
    before = {s: {r["Id"]: key(r) for r in first.records[s]} for s in STREAMS}
    m = Mutations(small)
    created_customer = m.create_customer()
    updated_customer = m.update_customer(3)
    deactivated = m.deactivate_customer(5)
    new_invoice = m.create_invoice(7)
    payment = m.pay_invoice(11)
    voided = m.void_invoice(13)
    deleted_invoice = m.delete_invoice(17)
    deleted_payment = m.delete_payment(19)
    assert all(
        [
            created_customer,
            updated_customer,
            deactivated,
            new_invoice,
            payment,
            voided,
            deleted_invoice,
            deleted_payment,
        ]
    )
    settle(small)
    small.reset_stats()
    second = small.run(first.state)
    assert small.stats() == {CDC_ROUTE: 1}, "one CDC request covers every stream"

    for stream in STREAMS:
        rows = truth(small, stream)
        changed = {i for i, row in rows.items() if before[stream].get(i) != key_of(row)}
        deleted = set(before[stream]) - set(rows)
        emitted = second.records.get(stream, [])
        ids = [r["Id"] for r in emitted]
        assert len(ids) == len(set(ids)), f"{stream}: duplicates"
        live = {r["Id"] for r in emitted if r.get("status") != "Deleted"}
        tombstones = {r["Id"] for r in emitted if r.get("status") == "Deleted"}
        assert live == changed, stream
        assert tombstones == deleted, stream
        assert all(r["_sdc_deleted_at"] for r in emitted if r.get("status") == "Deleted")

    invoices = {r["Id"]: r for r in second.records["invoices"]}
    assert invoices[voided["Id"]]["_sdc_deleted_at"] is not None  # type: ignore[index]
    assert invoices[deleted_invoice["Id"]]["status"] == "Deleted"  # type: ignore[index]
    assert invoices[new_invoice["Id"]]["_sdc_deleted_at"] is None  # type: ignore[index]
    customers = {r["Id"]: r for r in second.records["customers"]}
    assert customers[deactivated["Id"]]["Active"] is False  # type: ignore[index]
    assert created_customer["Id"] in customers
    payments = {r["Id"]: r for r in second.records["payments"]}
    assert payments[deleted_payment["Id"]]["status"] == "Deleted"  # type: ignore[index]
    assert payment["Id"] in payments  # type: ignore[index]

    # Nothing changed since: exactly one request, nothing emitted.
    settle(small)
    small.reset_stats()
    third = small.run(second.state)
    assert small.stats() == {CDC_ROUTE: 1}
    assert sum(third.count().values()) == 0
