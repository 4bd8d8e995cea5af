"""Invoice lines → ShipStation order items, with totals kept exact.

- A sales line (``SalesItemLineDetail``, also inside a bundle's ``GroupLineDetail``) becomes an
  item: SKU and name from the QuickBooks item, quantity, unit price, ``lineItemKey`` = the
  line's id. Lines of ``Service`` items become ``adjustment`` items: counted in the totals, never
  shipped, no SKU needed.
- A fractional quantity (1.5 h) becomes quantity 1 at the line amount, the real quantity kept
  as an item option; a negative line (a credit) becomes an adjustment at its amount.
- When quantity times unit price differs from the line amount (QuickBooks rounds amounts to cents),
  a ``Rounding`` adjustment carries the difference, so the order total equals the invoice's.
- Discount lines become one adjustment item each at minus their amount (as ShipStation's own
  example does); lines of the ``SHIPPING_ITEM_ID`` item become the order's ``shippingAmount``;
  subtotal and description lines are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ledgerlink.money import ZERO, cents, decimal, number
from ledgerlink.shipstation.fields import ITEM_NAME_MAX, SKU_MAX
from target_shipstation.errors import InvoiceError

JSON = dict[str, Any]
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"  # QuickBooks' built-in shipping line item
SkuFallback = Literal["error", "item_id"]


@dataclass(frozen=True)
class Lines:
    items: list[JSON]
    shipping: Decimal


def _sales_lines(invoice: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(lineItemKey, line) of every sales line, bundles expanded."""
    for index, line in enumerate(invoice.get("Line") or [], start=1):
        if not isinstance(line, Mapping):
            continue
        key = str(line.get("Id") or f"n{index}")
        if line.get("DetailType") == "SalesItemLineDetail" or "SalesItemLineDetail" in line:
            yield key, line
        elif line.get("DetailType") == "GroupLineDetail":
            group = line.get("GroupLineDetail") or {}
            for inner_index, inner in enumerate(group.get("Line") or [], start=1):
                if isinstance(inner, Mapping) and "SalesItemLineDetail" in inner:
                    yield f"{key}.{inner.get('Id') or f'n{inner_index}'}", inner


def _discounts(invoice: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for index, line in enumerate(invoice.get("Line") or [], start=1):
        if isinstance(line, Mapping) and line.get("DetailType") == "DiscountLineDetail":
            yield str(line.get("Id") or f"n{index}"), line


def _item_text(invoice: Mapping[str, Any], value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise InvoiceError(
            invoice,
            f"item {field} {value[:40]!r}… is {len(value)} characters, over ShipStation's "
            f"{limit}; shorten it in QuickBooks",
        )
    return value


def _item(
    invoice: Mapping[str, Any],
    ref: Mapping[str, Any],
    items: Mapping[str, Mapping[str, Any]],
    sku_fallback: SkuFallback,
) -> tuple[str | None, str, bool]:
    """(sku, name, physical) of the line's QuickBooks item."""
    ident = str(ref.get("value") or "")
    record = items.get(ident)
    if record is None:
        raise InvoiceError(
            invoice,
            f"its item {ref.get('name') or ident!r} (id {ident}) is unknown to the target; "
            "run the job with the items stream (a full sync of items) and retry",
        )
    name = " ".join(str(record.get("Name") or ref.get("name") or "").split())
    physical = record.get("Type") != "Service"
    sku = str(record.get("Sku") or "").strip() or None
    if sku is None and physical:
        if sku_fallback == "error":
            raise InvoiceError(
                invoice,
                f"its item {name!r} (id {ident}) has no SKU; set the item's SKU in QuickBooks "
                "(or the target's sku_fallback setting to item_id)",
            )
        sku = f"qbo-item-{ident}"
    if not name:
        raise InvoiceError(invoice, f"its item with id {ident} has no name")
    name = _item_text(invoice, name, "name", ITEM_NAME_MAX)
    return (_item_text(invoice, sku, "SKU", SKU_MAX) if sku else None), name, physical


def _entry(
    key: str,
    sku: str | None,
    name: str,
    quantity: int,
    unit: Decimal,
    *,
    adjustment: bool,
    options: list[JSON] | None = None,
) -> JSON:
    return {
        "lineItemKey": key,
        "sku": sku,
        "name": name,
        "quantity": quantity,
        "unitPrice": number(unit),
        "adjustment": adjustment,
        "options": options or [],
    }


def order_lines(
    invoice: Mapping[str, Any],
    items: Mapping[str, Mapping[str, Any]],
    sku_fallback: SkuFallback = "error",
) -> Lines:
    out: list[JSON] = []
    shipping = ZERO
    seen_sales = False
    for key, line in _sales_lines(invoice):
        detail = line.get("SalesItemLineDetail") or {}
        ref = detail.get("ItemRef") or {}
        amount = decimal(line.get("Amount"))
        if str(ref.get("value")) == SHIPPING_ITEM_ID:
            shipping += amount
            continue
        qty = decimal(detail.get("Qty"), default=Decimal(1))
        if qty == ZERO and amount == ZERO:
            continue  # nothing ordered, nothing charged
        seen_sales = True
        sku, name, physical = _item(invoice, ref, items, sku_fallback)
        if amount < ZERO or qty <= ZERO:
            out.append(_entry(key, sku, name, 1, amount, adjustment=True))
        elif qty != qty.to_integral_value():
            option = [{"name": "Quantity", "value": format(qty.normalize(), "f")}]
            out.append(_entry(key, sku, name, 1, amount, adjustment=not physical, options=option))
        else:
            unit = decimal(detail.get("UnitPrice"), default=amount / qty)
            out.append(_entry(key, sku, name, int(qty), unit, adjustment=not physical))
            difference = amount - unit * qty
            if difference != ZERO:
                out.append(
                    _entry(
                        f"{key}-rounding", None, f"Rounding ({name})"[:ITEM_NAME_MAX], 1,
                        difference, adjustment=True,
                    )
                )  # fmt: skip
    if not seen_sales:
        raise InvoiceError(invoice, "it has no product lines; add its products in QuickBooks")
    for key, line in _discounts(invoice):
        amount = decimal(line.get("Amount"))
        if amount == ZERO:
            continue
        detail = line.get("DiscountLineDetail") or {}
        percent = decimal(detail.get("DiscountPercent"), default=ZERO)
        label = f"Discount {format(percent.normalize(), 'f')}%" if percent else "Discount"
        out.append(_entry(f"discount-{key}", None, label, 1, -amount, adjustment=True))
    return Lines(out, shipping)


def items_total(items: list[JSON]) -> Decimal:
    return sum((decimal(i["unitPrice"]) * decimal(i["quantity"]) for i in items), start=ZERO)


def physical_quantity(items: list[JSON]) -> int:
    """Units to ship: the ``X`` of "X/Y Shipped" counts against this."""
    return sum(int(i["quantity"]) for i in items if not i["adjustment"])


def check_total(invoice: Mapping[str, Any], computed: Decimal) -> None:
    total = decimal(invoice.get("TotalAmt"))
    if cents(computed) != cents(total):
        raise InvoiceError(
            invoice,
            f"its lines, discounts, tax and shipping add up to {cents(computed)} but its total "
            f"is {cents(total)}; the order would not match the invoice (check line types)",
        )
