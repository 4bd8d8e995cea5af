"""Which QuickBooks invoices should become orders under the default rule, worked out from the
records alone (for the replay and end-to-end tests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledgerlink.shiprule import Release, ShipPolicy, term_name

JSON = dict[str, Any]


def shippable(
    invoices: Iterable[JSON], terms: Iterable[JSON], items: Iterable[JSON], tenant: str
) -> dict[str, JSON]:
    """Order number → invoice, for the invoices the default rule orders (paid, or Net terms;
    voided and deleted aside), services-only ones included."""
    by_term = {str(t["Id"]): t for t in terms}
    policy = ShipPolicy()
    return {
        f"QB-{tenant}-{inv['DocNumber']}": inv
        for inv in invoices
        if policy.release(inv, term_name(inv, by_term)) in (Release.SHIP, Release.ORDER_UNPAID)
    }
