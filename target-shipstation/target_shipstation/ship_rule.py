"""The ship rule lives in the core (``ledgerlink.shiprule``), shared with the orchestration's
paid-invoice sensor; the target's modules keep importing it from here."""

from __future__ import annotations

from ledgerlink.shiprule import (
    DEFAULT_SHIP_ON,
    DEFAULT_UNKNOWN,
    SHIP_ON_VALUES,
    InvoiceStatus,
    Release,
    ShipOn,
    ShipPolicy,
    invoice_status,
    is_voided,
    release,
    term_key,
    term_name,
)

__all__ = [
    "DEFAULT_SHIP_ON",
    "DEFAULT_UNKNOWN",
    "SHIP_ON_VALUES",
    "InvoiceStatus",
    "Release",
    "ShipOn",
    "ShipPolicy",
    "invoice_status",
    "is_voided",
    "release",
    "term_key",
    "term_name",
]
