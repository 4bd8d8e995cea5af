"""QuickBooks records for the domain tests: Intuit's recorded sandbox invoice 12 and customer 3
(reference quickbooks-samples/, trimmed to the fields the target reads) and a strategy for
invoices whose totals add up the way QuickBooks computes them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

JSON = dict[str, Any]

ITEMS: dict[str, JSON] = {
    "1": {"Id": "1", "Name": "Services", "Type": "Service"},
    "14": {"Id": "14", "Name": "Sod", "Sku": "SOD-1", "Type": "NonInventory"},
    "16": {"Id": "16", "Name": "Sprinkler Heads", "Sku": "SPR-H", "Type": "Inventory"},
    "17": {"Id": "17", "Name": "Sprinkler Pipes", "Sku": "SPR-P", "Type": "Inventory"},
    "5": {"Id": "5", "Name": "Rock Fountain", "Sku": "RF-275", "Type": "NonInventory"},
}
PHYSICAL = ["14", "16", "17", "5"]


def sales_line(ident: str, item: str, qty: Any, unit: Any, amount: Any) -> JSON:
    return {
        "Id": ident, "LineNum": int(ident), "Amount": amount, "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item, "name": ITEMS[item]["Name"]},
                                "UnitPrice": unit, "Qty": qty, "TaxCodeRef": {"value": "TAX"}},
    }  # fmt: skip


def invoice_12() -> JSON:
    """Paid Net 30 invoice 1004 of Cool Cars: four lines, tax, free-form bill-to, no ship-to."""
    return {
        "Id": "12", "SyncToken": "3", "DocNumber": "1004", "TxnDate": "2023-02-06",
        "MetaData": {"CreateTime": "2023-02-15T15:04:04-08:00",
                     "LastUpdatedTime": "2023-02-18T12:59:21-08:00"},
        "LinkedTxn": [{"TxnId": "120", "TxnType": "Payment"},
                      {"TxnId": "61", "TxnType": "Payment"}],
        "Line": [
            sales_line("1", "16", 10, 2, 20.0),
            sales_line("2", "17", 6, 4, 24.0),
            sales_line("3", "14", 50, 35, 1750.0),
            sales_line("4", "1", 8, 50, 400.0),
            {"Amount": 2194.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}, "TotalTax": 175.52},
        "CustomerRef": {"value": "3", "name": "Cool Cars"},
        "BillAddr": {"Id": "50", "Line1": "Grace Pariente", "Line2": "Cool Cars",
                     "Line3": "65 Ocean Dr.", "Line4": "Half Moon Bay, CA  94213",
                     "Lat": "INVALID", "Long": "INVALID"},
        "SalesTermRef": {"value": "3", "name": "Net 30"}, "DueDate": "2023-03-08",
        "TotalAmt": 2369.52, "BillEmail": {"Address": "Cool_Cars@intuit.com"}, "Balance": 0,
    }  # fmt: skip


def customer_3() -> JSON:
    return {
        "Id": "3", "GivenName": "Grace", "FamilyName": "Pariente", "CompanyName": "Cool Cars",
        "DisplayName": "Cool Cars", "PrimaryPhone": {"FreeFormNumber": "(415) 555-9933"},
        "PrimaryEmailAddr": {"Address": "Cool_Cars@intuit.com"},
        "BillAddr": {"Id": "4", "Line1": "65 Ocean Dr.", "City": "Half Moon Bay",
                     "CountrySubDivisionCode": "CA", "PostalCode": "94213"},
    }  # fmt: skip


CENTS = Decimal("0.01")
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
unit_prices = st.one_of(money, st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"),
                                           places=3))  # fmt: skip
quantities = st.one_of(
    st.integers(min_value=1, max_value=60).map(Decimal),
    st.decimals(min_value=Decimal("0.25"), max_value=Decimal("12"), places=2),
)


@st.composite
def invoices(draw: st.DrawFn) -> JSON:
    """An invoice as QuickBooks computes it: line amount = qty x unit rounded to cents, total =
    lines - discount + shipping + tax; sometimes a bundle, a service line, a credit line."""
    lines: list[JSON] = []
    subtotal = Decimal(0)
    for n in range(1, draw(st.integers(min_value=1, max_value=6)) + 1):
        item = draw(st.sampled_from([*PHYSICAL, "1"] if n > 1 else PHYSICAL))
        qty, unit = draw(quantities), draw(unit_prices)
        amount = (qty * unit).quantize(CENTS)
        line = sales_line(str(n), item, float(qty), float(unit), float(amount))
        if subtotal > 1 and draw(st.integers(0, 9)) == 0:  # a credit line, below the subtotal
            amount = -draw(st.decimals(min_value=CENTS, max_value=subtotal - CENTS, places=2))
            line = sales_line(str(n), item, 1, float(amount), float(amount))
        if n > 1 and draw(st.integers(0, 7)) == 0:  # a bundle holding the line
            line = {
                "Id": str(n),
                "DetailType": "GroupLineDetail",
                "Amount": float(amount),
                "GroupLineDetail": {"Quantity": 1, "Line": [{**line, "Id": "1"}]},
            }
        lines.append(line)
        subtotal += amount
    lines.append(
        {"Amount": float(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
    )
    total = subtotal
    if subtotal > 1 and draw(st.booleans()):
        discount = draw(st.decimals(min_value=CENTS, max_value=subtotal - CENTS, places=2))
        lines.append(
            {
                "Id": "90",
                "Amount": float(discount),
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": False},
            }
        )
        total -= discount
    if draw(st.booleans()):
        shipping = draw(money)
        lines.append(
            {
                "Id": "91",
                "Amount": float(shipping),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "SHIPPING_ITEM_ID"}},
            }
        )
        total += shipping
    tax = draw(st.one_of(st.just(Decimal(0)), money))
    total += tax
    balance = draw(st.sampled_from([Decimal(0), total, (total / 2).quantize(CENTS)]))
    return {
        "Id": str(draw(st.integers(min_value=1, max_value=10**9))),
        "DocNumber": draw(st.from_regex(r"[0-9A-Z\-]{1,21}", fullmatch=True)),
        "TxnDate": "2026-03-01", "Line": lines, "TxnTaxDetail": {"TotalTax": float(tax)},
        "TotalAmt": float(total), "Balance": float(balance),
        "CustomerRef": {"value": "3"}, "SalesTermRef": {"value": "3", "name": "Net 30"},
        "MetaData": {"CreateTime": "2026-03-01T09:00:00-08:00",
                     "LastUpdatedTime": "2026-03-02T10:30:00-08:00"},
    }  # fmt: skip
