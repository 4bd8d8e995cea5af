"""Exact money from QuickBooks numbers (JSON floats, ints, Decimals or strings): the ship rule,
target-shipstation's orders and anything else that reads an amount."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)


def decimal(value: Any, default: Decimal = ZERO) -> Decimal:
    """``value`` as a Decimal (via ``str`` so 0.1 stays 0.1); ``default`` when absent."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def number(value: Decimal) -> float | int:
    """A JSON number for ShipStation: an int when integral, else a float of the exact value."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
