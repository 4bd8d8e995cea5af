"""When an invoice was paid: the latest payment applied to it (the ``paymentDate`` of its order).

A QuickBooks Payment applies to invoices through its lines (``Line[].LinkedTxn`` with
``TxnType: Invoice``); deleted or voided payments (the tap marks both) do not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any


def _invoices_paid(payment: Mapping[str, Any]) -> set[str]:
    return {
        str(link.get("TxnId"))
        for line in payment.get("Line") or []
        for link in (line or {}).get("LinkedTxn") or []
        if link.get("TxnType") == "Invoice"
    }


def payment_dates(payments: Iterable[Mapping[str, Any]]) -> dict[str, date]:
    """Invoice id → the date of the latest live payment applied to it: one pass over the
    payments (a run may carry thousands of both)."""
    latest: dict[str, date] = {}
    for payment in payments:
        if payment.get("status") == "Deleted" or payment.get("_sdc_deleted_at"):
            continue
        raw = payment.get("TxnDate")
        if not isinstance(raw, str):
            continue
        try:
            day = date.fromisoformat(raw[:10])
        except ValueError:
            continue
        for invoice_id in _invoices_paid(payment):
            if invoice_id not in latest or latest[invoice_id] < day:
                latest[invoice_id] = day
    return latest
