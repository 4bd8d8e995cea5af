"""Per-entity validation and normalisation of a row about to be saved.

Each ``prepare_*`` receives the merged row (client fields + ``Id``/``SyncToken``/``MetaData``
already set by the store) and the current version (None on create), and returns the row to
persist: defaults filled, read-only fields recomputed, keys in QBO's order. Business faults
(2020, 2050, 610, 6140, 6240, ...) are raised here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import faults
from .books import Books
from .entities import ENTITIES, ordered
from .fixtures import CUSTOM_FIELDS, DEFAULT_MEMO, SERVICES_INCOME, UNDEPOSITED_FUNDS, USD
from .ledger import applied_to, invoice_balance, payment_link_list
from .lines import build_lines, cents, money, tax_detail
from .timefmt import add_days, pacific_date

Row = dict[str, Any]
# Read-only beyond Id/SyncToken/MetaData/domain/sparse (silently ignored on write, §1.3).
READ_ONLY: dict[str, frozenset[str]] = {
    "Customer": frozenset({"Balance", "BalanceWithJobs", "FullyQualifiedName", "Level", "Job"}),
    "Vendor": frozenset({"Balance"}),
    "Item": frozenset({"FullyQualifiedName"}),
    "Invoice": frozenset({"TotalAmt", "Balance", "InvoiceLink", "HomeBalance"}),
    "Payment": frozenset({"UnappliedAmt"}),
}
SYSTEM = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse"})


def blank(value: Any) -> bool:
    """QBO reads an empty string or null as "no value" (clients such as python-quickbooks send
    ``"TxnDate": ""`` for every unset field, and QBO omits valueless fields in responses)."""
    return value is None or value == ""


def writable(entity: str, body: Row) -> Row:
    spec = ENTITIES[entity.lower()]
    blocked = SYSTEM | READ_ONLY.get(entity, frozenset())
    return {
        k: v for k, v in body.items() if k in spec.key_order and k not in blocked and not blank(v)
    }


@dataclass
class WriteContext:
    books: Books
    prefs: Row
    now: datetime
    include: set[str]  # lower-cased include= values


def _ref_to(ctx: WriteContext, entity: str, ref: Any, field: str) -> Row:
    """Resolve a ``{"value": Id}`` reference to an active row or raise 2020/610."""
    if not isinstance(ref, dict) or not ref.get("value"):
        raise faults.required_missing(field)
    row = ctx.books.get(entity, str(ref["value"]))
    if row is None or not row.get("Active", True):
        raise faults.not_found(entity)
    return row


def _display_name(row: Row) -> str:
    name = str(row.get("DisplayName") or "").strip()
    if not name:
        parts = [row.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
        name = " ".join(str(p).strip() for p in parts if p) or str(row.get("CompanyName") or "")
    if not name:
        raise faults.required_missing("DisplayName")
    if len(name) > 500:
        raise faults.string_too_long("DisplayName", len(name), 500)
    return name


def _unique_party_name(ctx: WriteContext, entity: str, row: Row) -> None:
    owner = ctx.books.names.get(ctx.books.fold(row["DisplayName"]))
    if owner is not None and owner != (entity, row["Id"]):
        raise faults.duplicate_name(row["DisplayName"])


def _address_ids(ctx: WriteContext, row: Row, *keys: str) -> None:
    for key in keys:
        addr = row.get(key)
        if isinstance(addr, dict) and addr and "Id" not in addr:
            row[key] = {"Id": ctx.books.new_id("addr"), **addr}


def prepare_customer(ctx: WriteContext, row: Row, current: Row | None) -> Row:
    row["DisplayName"] = _display_name(row)
    _unique_party_name(ctx, "Customer", row)
    row.setdefault("Taxable", False)
    row.setdefault("CurrencyRef", USD)
    row.setdefault("PreferredDeliveryMethod", "Print")
    row.setdefault("PrintOnCheckName", row.get("CompanyName") or row["DisplayName"])
    row.setdefault("Active", True)
    row.setdefault("BillWithParent", False)
    _address_ids(ctx, row, "BillAddr", "ShipAddr")
    parent_ref = row.pop("ParentRef", None)
    row.pop("Level", None)
    if parent_ref:
        parent = _ref_to(ctx, "Customer", parent_ref, "ParentRef")
        ancestor: Row | None = parent
        while ancestor is not None:  # a customer cannot become its own descendant
            if ancestor["Id"] == row["Id"]:
                raise faults.business_error("A customer cannot be its own parent", "ParentRef")
            ancestor = ctx.books.get("Customer", (ancestor.get("ParentRef") or {}).get("value"))
        row["Job"] = True
        row["ParentRef"] = {"value": parent["Id"]}
        row["Level"] = int(parent.get("Level", 0)) + 1
        row["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{row['DisplayName']}"
    else:
        row["Job"] = False
        row["FullyQualifiedName"] = row["DisplayName"]
    row["Balance"] = current.get("Balance", 0) if current else 0
    row["BalanceWithJobs"] = current.get("BalanceWithJobs", 0) if current else 0
    if (
        current is not None
        and current.get("Active", True)
        and not row["Active"]
        and (row["Balance"] or row["BalanceWithJobs"])
    ):
        raise faults.list_has_balance()
    return ordered(ENTITIES["customer"], row)


def prepare_party(entity: str) -> Callable[[WriteContext, Row, Row | None], Row]:
    """Vendor and Employee: only the name rules matter to this emulator."""

    def prepare(ctx: WriteContext, row: Row, current: Row | None) -> Row:
        row["DisplayName"] = _display_name(row)
        _unique_party_name(ctx, entity, row)
        row.setdefault("PrintOnCheckName", row.get("CompanyName") or row["DisplayName"])
        row.setdefault("Active", True)
        if entity == "Vendor":
            row["Balance"] = current.get("Balance", 0) if current else 0
            row.setdefault("Vendor1099", False)
            row.setdefault("CurrencyRef", USD)
            _address_ids(ctx, row, "BillAddr")
        else:
            row.setdefault("BillableTime", False)
        return ordered(ENTITIES[entity.lower()], row)

    return prepare


def _unique_list_name(ctx: WriteContext, entity: str, row: Row) -> None:
    name = str(row.get("Name") or "").strip()
    if not name:
        raise faults.required_missing("Name")
    row["Name"] = name
    owner = ctx.books.list_names.get((entity, ctx.books.fold(name)))
    if owner is not None and owner != row["Id"]:
        raise faults.duplicate_name(name)


def prepare_item(ctx: WriteContext, row: Row, current: Row | None) -> Row:
    _unique_list_name(ctx, "Item", row)
    row.setdefault("Active", True)
    row["FullyQualifiedName"] = row["Name"]
    row.setdefault("Taxable", False)
    row.setdefault("UnitPrice", 0)
    row.setdefault("Type", "Service")
    row.setdefault("IncomeAccountRef", SERVICES_INCOME)
    row.setdefault("PurchaseCost", 0)
    row.setdefault("TrackQtyOnHand", False)
    return ordered(ENTITIES["item"], row)


def prepare_term(ctx: WriteContext, row: Row, current: Row | None) -> Row:
    _unique_list_name(ctx, "Term", row)
    row.setdefault("Active", True)
    row.setdefault("Type", "STANDARD")
    if row["Type"] == "STANDARD":
        row.setdefault("DueDays", 0)
    return ordered(ENTITIES["term"], row)


def _doc_number(ctx: WriteContext, row: Row, creating: bool) -> None:
    doc = row.get("DocNumber")
    if doc is None:
        if creating and not ctx.prefs["SalesFormsPrefs"].get("CustomTxnNumbers"):
            row["DocNumber"] = str(ctx.books.last_doc_number + 1)
        return
    doc = str(doc)
    if len(doc) > 21:
        raise faults.string_too_long("DocNumber", len(doc), 21)
    others = ctx.books.doc_numbers.get(doc, set()) - {row["Id"]}
    if others and "allowduplicatedocnum" not in ctx.include:
        raise faults.duplicate_doc_number(doc, "Invoice", min(others, key=int))
    row["DocNumber"] = doc


def _bill_block(customer: Row, addr_id: str) -> Row | None:
    """The invoice's printed bill-to block, as QBO formats it from the customer."""
    source = customer.get("BillAddr")
    if not source:
        return None
    person = " ".join(str(customer[k]) for k in ("GivenName", "FamilyName") if customer.get(k))
    lines = [person or customer["DisplayName"]]
    if customer.get("CompanyName") and customer["CompanyName"] != lines[0]:
        lines.append(customer["CompanyName"])
    lines += [source[k] for k in ("Line1", "Line2", "Line3") if source.get(k)]
    city = source.get("City", "")
    region = " ".join(
        p for p in (source.get("CountrySubDivisionCode"), source.get("PostalCode")) if p
    )
    lines.append(f"{city}, {region.replace(' ', '  ', 1)}" if city else region)
    block: Row = {"Id": addr_id}
    block.update({f"Line{i}": text for i, text in enumerate(lines[:5], start=1)})
    for key in ("Lat", "Long"):
        if key in source:
            block[key] = source[key]
    return block


def prepare_invoice(ctx: WriteContext, row: Row, current: Row | None) -> Row:
    books = ctx.books
    creating = current is None
    customer = _ref_to(ctx, "Customer", row.get("CustomerRef"), "CustomerRef")
    if not row.get("Line"):
        raise faults.required_missing("Line")
    row["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    _doc_number(ctx, row, creating)
    row.setdefault("TxnDate", pacific_date(ctx.now))
    if creating:
        sales_forms = ctx.prefs["SalesFormsPrefs"]
        row.setdefault("SalesTermRef", customer.get("SalesTermRef") or sales_forms["DefaultTerms"])
        row.setdefault(
            "CustomerMemo", {"value": sales_forms.get("DefaultCustomerMessage", DEFAULT_MEMO)}
        )
        row.setdefault("CustomField", [dict(f) for f in CUSTOM_FIELDS])
        if "BillAddr" not in row and (block := _bill_block(customer, books.new_id("addr"))):
            row["BillAddr"] = block
        if "ShipAddr" not in row and customer.get("ShipAddr"):
            row["ShipAddr"] = customer["ShipAddr"]
        if "BillEmail" not in row and customer.get("PrimaryEmailAddr"):
            row["BillEmail"] = {"Address": customer["PrimaryEmailAddr"]["Address"]}
    if row.get("SalesTermRef"):
        term = _ref_to(ctx, "Term", row["SalesTermRef"], "SalesTermRef")
        row["SalesTermRef"] = {"value": term["Id"], "name": term["Name"]}
        row.setdefault("DueDate", add_days(row["TxnDate"], int(term.get("DueDays", 0))))
    row.setdefault("DueDate", row["TxnDate"])
    for flag in (
        "AllowIPNPayment",
        "AllowOnlinePayment",
        "AllowOnlineCreditCardPayment",
        "AllowOnlineACHPayment",
        "ApplyTaxAfterDiscount",
    ):
        row.setdefault(flag, False)
    row.setdefault("CurrencyRef", USD)
    delivery = customer.get("PreferredDeliveryMethod")
    row.setdefault("PrintStatus", "NeedToPrint" if delivery == "Print" else "NotSet")
    row.setdefault("EmailStatus", "NotSet")
    if row["EmailStatus"] == "NeedToSend" and not row.get("BillEmail"):
        raise faults.business_error(
            "BillEmail is required when EmailStatus is NeedToSend", "BillEmail"
        )
    totals = build_lines(books, row["Line"])
    row["TxnTaxDetail"] = tax_detail(row.get("TxnTaxDetail"), totals)
    row["Line"] = totals.lines
    row["TotalAmt"] = money(totals.total)
    if not cents(row.get("Deposit", 0)):
        row.pop("Deposit", None)
    others = [t for t in row.get("LinkedTxn") or [] if t.get("TxnType") != "Payment"]
    row["LinkedTxn"] = others + payment_link_list(books, row["Id"])
    row["Balance"] = money(invoice_balance(books, row))
    return ordered(ENTITIES["invoice"], row)


def _line_ex(invoice: Row, open_cents: int) -> Row:
    def pair(name: str, value: str) -> Row:
        return {
            "name": "{http://schema.intuit.com/finance/v3}NameValue",
            "declaredType": "com.intuit.schema.finance.v3.NameValue",
            "scope": "javax.xml.bind.JAXBElement$GlobalScope",
            "value": {"Name": name, "Value": value},
            "nil": False,
            "globalScope": True,
            "typeSubstituted": False,
        }

    items = [pair("txnId", invoice["Id"]), pair("txnOpenBalance", str(open_cents / 100))]
    if invoice.get("DocNumber"):
        items.append(pair("txnReferenceNumber", invoice["DocNumber"]))
    return {"any": items}


def prepare_payment(ctx: WriteContext, row: Row, current: Row | None) -> Row:
    customer = _ref_to(ctx, "Customer", row.get("CustomerRef"), "CustomerRef")
    row["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    if row.get("TotalAmt") is None:
        raise faults.business_error("TotalAmt is required for a payment", "TotalAmt")
    total = cents(row["TotalAmt"])
    if total < 0:
        raise faults.business_error("TotalAmt cannot be negative", "TotalAmt")
    lines, applied = [], 0
    for line in row.get("Line") or []:
        links = [t for t in line.get("LinkedTxn") or [] if t.get("TxnType") == "Invoice"]
        if len(links) != 1 or line.get("Amount") is None:
            raise faults.required_missing("Line.LinkedTxn")
        invoice = ctx.books.get("Invoice", str(links[0].get("TxnId")))
        if invoice is None:
            raise faults.not_found("Invoice")
        if invoice["CustomerRef"]["value"] != customer["Id"]:
            raise faults.business_error("The invoice belongs to another customer", "Line")
        amount = cents(line["Amount"])
        open_cents = (
            cents(invoice["TotalAmt"])
            - cents(invoice.get("Deposit", 0))
            - applied_to(ctx.books, invoice["Id"], skip_payment=row["Id"])
        )
        if amount <= 0 or amount > open_cents:
            raise faults.business_error(
                f"The payment amount {amount / 100} exceeds the open balance {open_cents / 100}"
                f" of invoice {invoice['Id']}",
                "Line.Amount",
            )
        applied += amount
        lines.append(
            {
                "Amount": money(amount),
                "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                "LineEx": _line_ex(invoice, open_cents),
            }
        )
    if applied > total:
        raise faults.business_error("The amount applied exceeds the payment total", "TotalAmt")
    row["Line"] = lines
    row["TotalAmt"] = money(total)
    row["UnappliedAmt"] = money(total - applied)
    row.setdefault("DepositToAccountRef", UNDEPOSITED_FUNDS)
    row.setdefault("ProcessPayment", False)
    row.setdefault("TxnDate", pacific_date(ctx.now))
    row.setdefault("CurrencyRef", USD)
    return ordered(ENTITIES["payment"], row)


PREPARE: dict[str, Callable[[WriteContext, Row, Row | None], Row]] = {
    "Customer": prepare_customer,
    "Vendor": prepare_party("Vendor"),
    "Employee": prepare_party("Employee"),
    "Item": prepare_item,
    "Term": prepare_term,
    "Invoice": prepare_invoice,
    "Payment": prepare_payment,
}
