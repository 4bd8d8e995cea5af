"""Errors of the target's domain rules: each names the invoice (or setting) and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerlink.errors import LedgerlinkError
from ledgerlink.shiprule import SettingError as SettingError  # the ship rule's, in the core


def invoice_label(invoice: Mapping[str, Any]) -> str:
    """``invoice 1042 (QuickBooks id 130)``: how every message names an invoice."""
    doc = str(invoice.get("DocNumber") or "").strip()
    ident = invoice.get("Id")
    if doc:
        return f"invoice {doc} (QuickBooks id {ident})"
    return f"invoice with QuickBooks id {ident}"


class InvoiceError(LedgerlinkError):
    """An invoice cannot become a ShipStation order as it is; the message says what to fix.

    Recorded in the audit; every other invoice of the run still goes through."""

    def __init__(self, invoice: Mapping[str, Any], problem: str) -> None:
        self.invoice_id = str(invoice.get("Id") or "")
        self.problem = problem
        super().__init__(f"Cannot order {invoice_label(invoice)}: {problem}")
