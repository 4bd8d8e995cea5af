"""History is not shipped: only invoices dated on or after a cutoff become orders.

The rule (``HistoryCutoff``: the ``history_cutoff`` setting, by default the day ShipStation was
connected for the tenant; the invoice's ``TxnDate``, else its creation time) lives in the core,
``ledgerlink.shiprule``, shared with the orchestration's paid-invoice sensor. Here an invoice
without a date becomes the target's ``InvoiceError``, recorded in the audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from typing_extensions import override

from ledgerlink import shiprule
from target_shipstation.errors import InvoiceError


def invoice_date(invoice: Mapping[str, Any]) -> date:
    try:
        return shiprule.invoice_date(invoice)
    except shiprule.UndatedInvoice as error:
        raise InvoiceError(invoice, error.problem) from None


class HistoryCutoff(shiprule.HistoryCutoff):
    @override
    def admits(self, invoice: Mapping[str, Any]) -> bool:
        return invoice_date(invoice) >= self.since
