"""Money formatting and invoice line arithmetic (lines, subtotal, tax, totals).

Amounts are summed in integer cents so totals never drift; they are emitted the way QBO
serialises them: non-zero money as a float (``275.0``), zero as ``0``, and quantities/unit
prices as integers when integral (``"Qty": 4``, ``"UnitPrice": 12.75``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .books import Books
from .faults import QboFault, invalid_reference, not_found, required_missing
from .fixtures import TAX_CODES

Row = dict[str, Any]


def cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), ROUND_HALF_UP))


def money(amount_cents: int) -> float | int:
    return 0 if amount_cents == 0 else amount_cents / 100


def number(value: Any) -> float | int:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


@dataclass
class Totals:
    lines: list[Row]
    subtotal: int = 0  # cents
    taxable: int = 0
    discount: int = 0
    tax: int = 0

    @property
    def total(self) -> int:
        return self.subtotal - self.discount + self.tax


def _sales_line(books: Books, line: Row) -> tuple[Row, int, bool]:
    detail = dict(line.get("SalesItemLineDetail") or {})
    item_ref = detail.get("ItemRef") or {}
    if not item_ref.get("value"):
        raise required_missing("Line.SalesItemLineDetail.ItemRef")
    item = books.get("Item", str(item_ref["value"]))
    if item is None or not item.get("Active", True):
        raise not_found("Item")
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    if line.get("Amount") is not None:
        amount = cents(line["Amount"])
    elif qty is not None and price is not None:
        amount = cents(Decimal(str(qty)) * Decimal(str(price)))
    else:
        raise required_missing("Line.Amount")
    tax_code = (detail.get("TaxCodeRef") or {}).get("value") or (
        "TAX" if item.get("Taxable") else "NON"
    )
    out: Row = {"ItemRef": {"value": item["Id"], "name": item["Name"]}}
    for key in ("ClassRef",):
        if key in detail:
            out[key] = detail[key]
    if price is not None:
        out["UnitPrice"] = number(price)
    if qty is not None:
        out["Qty"] = number(qty)
    out["TaxCodeRef"] = {"value": tax_code}
    if "ServiceDate" in detail:
        out["ServiceDate"] = detail["ServiceDate"]
    return out, amount, tax_code == "TAX"


def build_lines(books: Books, raw_lines: list[Row]) -> Totals:
    """Validate and renumber lines; the SubTotal line is recomputed and appended last."""
    totals = Totals(lines=[])
    percent_discounts: list[tuple[Row, Decimal]] = []
    for line in raw_lines:
        kind = line.get("DetailType")
        if kind == "SubTotalLineDetail":
            continue
        out: Row = {"Id": str(len(totals.lines) + 1), "LineNum": len(totals.lines) + 1}
        if "Description" in line:
            out["Description"] = line["Description"]
        if kind == "SalesItemLineDetail":
            detail, amount, taxable = _sales_line(books, line)
            totals.subtotal += amount
            totals.taxable += amount if taxable else 0
        elif kind == "DiscountLineDetail":
            detail = dict(line.get("DiscountLineDetail") or {})
            amount = cents(line.get("Amount") or 0)
            if detail.get("PercentBased"):
                percent_discounts.append((out, Decimal(str(detail.get("DiscountPercent", 0)))))
            totals.discount += amount
        elif kind == "DescriptionOnly":
            detail = dict(line.get("DescriptionLineDetail") or {})
            amount = cents(line.get("Amount") or 0)
        elif kind == "GroupLineDetail":
            detail = dict(line.get("GroupLineDetail") or {})
            amount = cents(line.get("Amount") or 0)
            totals.subtotal += amount
        else:
            raise QboFault(
                "2170",
                "Invalid Enumeration",
                f"Invalid Enumeration : {kind}",
                element="Line.DetailType",
            )
        out["Amount"] = money(amount)
        if line.get("LinkedTxn"):
            out["LinkedTxn"] = line["LinkedTxn"]
        out["DetailType"] = kind
        out[_detail_key(kind)] = detail
        totals.lines.append(out)
    for out, percent in percent_discounts:
        amount = int((totals.subtotal * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))
        totals.discount += amount - cents(out["Amount"])
        out["Amount"] = money(amount)
    if not totals.lines:
        raise required_missing("Line")
    totals.lines.append(
        {
            "Amount": money(totals.subtotal),
            "DetailType": "SubTotalLineDetail",
            "SubTotalLineDetail": {},
        }
    )
    return totals


def _detail_key(kind: str) -> str:
    return "DescriptionLineDetail" if kind == "DescriptionOnly" else kind


def tax_detail(requested: Row | None, totals: Totals) -> Row:
    """``TxnTaxDetail`` for the taxable amount; without a tax code there is no tax."""
    code = ((requested or {}).get("TxnTaxCodeRef") or {}).get("value")
    if code is None:
        totals.tax = 0
        return {"TotalTax": 0}
    if code not in TAX_CODES:
        raise invalid_reference("TxnTaxDetail.TxnTaxCodeRef", str(code))
    rate_id, percent = TAX_CODES[code]
    tax = int((Decimal(totals.taxable) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))
    totals.tax = tax
    return {
        "TxnTaxCodeRef": {"value": code},
        "TotalTax": money(tax),
        "TaxLine": [
            {
                "Amount": money(tax),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate_id},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": money(totals.taxable),
                },
            }
        ],
    }


def voided_lines(lines: list[Row]) -> list[Row]:
    """Void keeps the lines but zeroes amounts and quantities (Intuit's void sample)."""
    out = []
    for line in lines:
        if line.get("DetailType") == "SubTotalLineDetail":
            continue
        zeroed = {**line, "Amount": 0}
        if "SalesItemLineDetail" in line:
            detail = {k: v for k, v in line["SalesItemLineDetail"].items() if k != "UnitPrice"}
            detail["Qty"] = 0
            zeroed["SalesItemLineDetail"] = detail
        out.append(zeroed)
    return out
