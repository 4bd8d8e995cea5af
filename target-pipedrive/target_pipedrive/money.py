"""Money on the CRM, the pure part: QuickBooks invoices and payments as the rows the store keeps,
and a customer's figures computed from all of its rows.

- ``invoice_row(record)`` / ``payment_row(record)``: the row a tap-quickbooks record becomes, or
  ``None`` when the transaction no longer counts (a CDC tombstone, a void: both carry
  ``_sdc_deleted_at``), so it leaves the store;
- ``figures(invoices, payments, today)``: open balance, overdue balance (open invoices due before
  ``today``), open invoice count, last invoice and payment dates, and the pay-online link of the
  oldest open invoice. Computed from every row of the customer, never from one run's records, so
  an incremental run gives the numbers a full one would.

Balances come from the invoices' own ``Balance``: QuickBooks applies payments, credit memos and
deletions to it and re-emits the invoice, so payments are not subtracted a second time here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True)
class InvoiceRow:
    invoice_id: str
    customer_id: str
    doc_number: str | None
    total: Decimal
    balance: Decimal
    currency: str | None
    txn_date: date | None
    due_date: date | None
    link: str | None

    @property
    def open(self) -> bool:
        return self.balance > 0


@dataclass(frozen=True)
class PaidInvoice:
    invoice_id: str
    number: str | None  # the DocNumber the payment line names (txnReferenceNumber)


@dataclass(frozen=True)
class PaymentRow:
    payment_id: str
    customer_id: str
    amount: Decimal
    currency: str | None
    txn_date: date | None
    invoices: tuple[PaidInvoice, ...] = ()


@dataclass(frozen=True)
class Figures:
    """One customer's money, as written to its organization and linked deals."""

    currency: str | None = None
    open_balance: Decimal = Decimal(0)
    overdue_balance: Decimal = Decimal(0)
    open_invoices: int = 0
    last_invoice_date: date | None = None
    last_payment_date: date | None = None
    pay_link: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The figures as a flat record, the source the money field mapping reads by key."""
        return {
            "currency": self.currency,
            "open_balance": float(self.open_balance),
            "overdue_balance": float(self.overdue_balance),
            "open_invoices": self.open_invoices,
            "last_invoice_date": _iso(self.last_invoice_date),
            "last_payment_date": _iso(self.last_payment_date),
            "pay_link": self.pay_link,
        }


def figures(invoices: Iterable[InvoiceRow], payments: Iterable[PaymentRow], today: date) -> Figures:
    """The customer's figures from all of its live invoices and payments."""
    invoices, payments = list(invoices), list(payments)
    open_rows = sorted(
        (i for i in invoices if i.open),
        key=lambda i: (i.txn_date or date.max, i.due_date or date.max, _id_key(i.invoice_id)),
    )
    currencies = [i.currency for i in open_rows] + [i.currency for i in invoices]
    currencies += [p.currency for p in payments]
    currency = next((c for c in currencies if c), None)
    open_balance = sum((i.balance for i in open_rows), Decimal(0))
    overdue = sum(
        (i.balance for i in open_rows if i.due_date is not None and i.due_date < today), Decimal(0)
    )
    link = next((i.link for i in open_rows if i.link), None)  # the oldest open with a link
    return Figures(
        currency=currency,
        open_balance=open_balance.quantize(CENT),
        overdue_balance=overdue.quantize(CENT),
        open_invoices=len(open_rows),
        last_invoice_date=max((i.txn_date for i in invoices if i.txn_date), default=None),
        last_payment_date=max((p.txn_date for p in payments if p.txn_date), default=None),
        pay_link=link,
    )


# -- records → rows ----------------------------------------------------------------------------
def removed(record: Mapping[str, Any]) -> bool:
    """A tombstone or a voided transaction: it no longer counts."""
    return bool(record.get("_sdc_deleted_at")) or record.get("status") == "Deleted"


def record_id(record: Mapping[str, Any]) -> str:
    return str(record.get("Id") or "").strip()


def invoice_row(record: Mapping[str, Any]) -> InvoiceRow | None:
    """The stored form of an invoice record; ``None`` when it leaves the store."""
    if removed(record):
        return None
    customer = _ref(record.get("CustomerRef"))
    if not customer:
        raise ValueError("an invoice without a CustomerRef")
    return InvoiceRow(
        invoice_id=record_id(record),
        customer_id=customer,
        doc_number=_text(record.get("DocNumber")),
        total=_money(record.get("TotalAmt")),
        balance=_money(record.get("Balance")),
        currency=_ref(record.get("CurrencyRef")),
        txn_date=_date(record.get("TxnDate")),
        due_date=_date(record.get("DueDate")),
        link=_text(record.get("InvoiceLink")),
    )


def payment_row(record: Mapping[str, Any]) -> PaymentRow | None:
    """The stored form of a payment record; ``None`` when it leaves the store."""
    if removed(record):
        return None
    customer = _ref(record.get("CustomerRef"))
    if not customer:
        raise ValueError("a payment without a CustomerRef")
    paid: dict[str, PaidInvoice] = {}
    for line in record.get("Line") or []:
        if not isinstance(line, Mapping):
            continue
        number = _reference_number(line)
        for linked in line.get("LinkedTxn") or []:
            if isinstance(linked, Mapping) and linked.get("TxnType") == "Invoice":
                invoice = str(linked.get("TxnId") or "").strip()
                if invoice:
                    paid.setdefault(invoice, PaidInvoice(invoice, number))
    return PaymentRow(
        payment_id=record_id(record),
        customer_id=customer,
        amount=_money(record.get("TotalAmt")),
        currency=_ref(record.get("CurrencyRef")),
        txn_date=_date(record.get("TxnDate")),
        invoices=tuple(paid.values()),
    )


def _reference_number(line: Mapping[str, Any]) -> str | None:
    """The invoice's DocNumber as a payment line carries it (``LineEx`` ``txnReferenceNumber``)."""
    for item in (line.get("LineEx") or {}).get("any") or []:
        value = item.get("value") if isinstance(item, Mapping) else None
        if isinstance(value, Mapping) and value.get("Name") == "txnReferenceNumber":
            return _text(value.get("Value"))
    return None


def _ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("value")
    return _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _money(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _date(value: Any) -> date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"not a date: {value!r}") from None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _id_key(value: str) -> tuple[int, str]:
    """QuickBooks Ids are digit strings: compare them as numbers."""
    return (int(value), "") if value.isdigit() else (2**63, value)
