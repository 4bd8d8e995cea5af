"""Sandbox: CDC honours include=invoiceLink like queries do (added for tap-quickbooks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ledgerlink.quickbooks import query as q
from ledgerlink_sandbox.sandbox import Sandbox


def test_cdc_renders_invoice_link_when_included() -> None:
    sandbox = Sandbox(seed="demo")
    store = sandbox.qbo.store
    since = q.format_time(sandbox.clock.now() - timedelta(days=20))

    def invoices(include: frozenset[str]) -> list[dict[str, Any]]:
        answer = store.cdc(["Invoice"], since, include=include)
        groups = answer[0]["QueryResponse"]
        return [o for g in groups for o in g.get("Invoice", [])]

    plain = invoices(frozenset())
    linked = invoices(frozenset({"invoiceLink"}))
    assert plain and not any("InvoiceLink" in o for o in plain)
    assert any("InvoiceLink" in o for o in linked)
    assert {o["Id"] for o in plain} == {o["Id"] for o in linked}
