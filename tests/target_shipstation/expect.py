"""Which QuickBooks invoices should become orders under the default rule, worked out from the
records alone (for the replay and end-to-end tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from target_shipstation.ship_rule import Release, ShipPolicy, term_name

JSON = dict[str, Any]


def has_goods(invoice: Mapping[str, Any], items: Mapping[str, Mapping[str, Any]]) -> bool:
    """A sales line (bundles included) of an item that is not a service: something to ship."""
    lines = list(invoice.get("Line") or [])
    lines += [sub for line in lines for sub in (line.get("GroupLineDetail") or {}).get("Line", [])]
    return any(
        items.get(str(line["SalesItemLineDetail"]["ItemRef"]["value"]), {}).get("Type")
        not in (None, "Service")
        for line in lines
        if line.get("DetailType") == "SalesItemLineDetail" and float(line.get("Amount") or 0) > 0
    )


def shippable(
    invoices: Iterable[JSON], terms: Iterable[JSON], items: Iterable[JSON], tenant: str
) -> dict[str, JSON]:
    """Order number → invoice, for the invoices the default rule orders (paid, or Net terms;
    voided and deleted aside) that hold goods: an invoice of services only has no parcel."""
    by_term = {str(t["Id"]): t for t in terms}
    by_item = {str(i["Id"]): i for i in items}
    policy = ShipPolicy()
    return {
        f"QB-{tenant}-{inv['DocNumber']}": inv
        for inv in invoices
        if policy.release(inv, term_name(inv, by_term)) in (Release.SHIP, Release.ORDER_UNPAID)
        and has_goods(inv, by_item)
    }
