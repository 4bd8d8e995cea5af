"""When an invoice was paid: the latest payment applied to it (the ``paymentDate`` of its order).

A QuickBooks Payment applies to invoices through its lines (``Line[].LinkedTxn`` with
``TxnType: Invoice``); deleted or voided payments (the tap marks both) do not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any


def _applies_to(payment: Mapping[str, Any], invoice_id: str) -> bool:
    for line in payment.get("Line") or []:
        for link in (line or {}).get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice" and str(link.get("TxnId")) == invoice_id:
                return True
    return False


def last_payment_date(invoice_id: str, payments: Iterable[Mapping[str, Any]]) -> date | None:
    days = []
    for payment in payments:
        if payment.get("status") == "Deleted" or payment.get("_sdc_deleted_at"):
            continue
        raw = payment.get("TxnDate")
        if isinstance(raw, str) and _applies_to(payment, str(invoice_id)):
            try:
                days.append(date.fromisoformat(raw[:10]))
            except ValueError:
                continue
    return max(days, default=None)
