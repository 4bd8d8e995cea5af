"""Derived amounts and the side effects QBO applies when money moves (reference §2.2, §2.3, §7.2).

- Invoice ``Balance`` = ``TotalAmt`` - ``Deposit`` - amounts applied by payments; applying,
  changing or removing a payment re-saves the invoice (``LinkedTxn``, SyncToken + 1, new
  LastUpdatedTime).
- Customer ``Balance`` = open invoice balances - unapplied payment amounts;
  ``BalanceWithJobs`` adds the sub-customers'. A change re-saves the customer and every
  ancestor with a new LastUpdatedTime but the same SyncToken (recorded live).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .books import Books, payment_links
from .lines import cents, money
from .timefmt import pacific

Row = dict[str, Any]


def applied_to(books: Books, invoice_id: str, *, skip_payment: str | None = None) -> int:
    """Cents applied to an invoice by its payments (optionally ignoring one payment)."""
    total = 0
    for payment_id in books.payments_for.get(invoice_id, ()):
        if payment_id == skip_payment:
            continue
        payment = books.get("Payment", payment_id)
        if payment is not None:
            total += payment_links(payment).get(invoice_id, 0)
    return total


def invoice_balance(books: Books, invoice: Row) -> int:
    applied = applied_to(books, invoice["Id"])
    return cents(invoice.get("TotalAmt", 0)) - cents(invoice.get("Deposit", 0)) - applied


def payment_link_list(books: Books, invoice_id: str) -> list[Row]:
    # Newest payment first, as in the recorded invoice 12 (payments 120, 61).
    ids = sorted(books.payments_for.get(invoice_id, ()), key=int, reverse=True)
    return [{"TxnId": pid, "TxnType": "Payment"} for pid in ids]


def _bumped(row: Row, at: datetime, *, sync: bool) -> Row:
    meta = {"CreateTime": row["MetaData"]["CreateTime"], "LastUpdatedTime": pacific(at)}
    out = {**row, "MetaData": meta}
    if sync:
        out["SyncToken"] = str(int(row["SyncToken"]) + 1)
    return out


def refresh_invoices(books: Books, invoice_ids: Iterable[str], at: datetime) -> set[str]:
    """Recompute Balance/LinkedTxn of invoices touched by a payment; returns their customers."""
    customers: set[str] = set()
    for invoice_id in sorted(set(invoice_ids), key=int):
        invoice = books.get("Invoice", invoice_id)
        if invoice is None:
            continue
        others = [t for t in invoice.get("LinkedTxn", []) if t.get("TxnType") != "Payment"]
        row = _bumped(invoice, at, sync=True)
        row["LinkedTxn"] = others + payment_link_list(books, invoice_id)
        row["Balance"] = money(invoice_balance(books, row))
        books.save("Invoice", row, "Update", at)
        customers.add(row["CustomerRef"]["value"])
    return customers


def customer_balance(books: Books, customer_id: str) -> int:
    total = 0
    for invoice_id in books.invoices_of.get(customer_id, ()):
        invoice = books.get("Invoice", invoice_id)
        if invoice is not None:
            total += cents(invoice.get("Balance", 0))
    for payment_id in books.payments_of.get(customer_id, ()):
        payment = books.get("Payment", payment_id)
        if payment is not None:
            total -= cents(payment.get("UnappliedAmt", 0))
    return total


def refresh_customers(books: Books, customer_ids: Iterable[str], at: datetime) -> None:
    """Recompute balances of the customers and all their ancestors, deepest first."""
    todo: dict[str, int] = {}
    for customer_id in customer_ids:
        current = books.get("Customer", customer_id)
        while current is not None and current["Id"] not in todo:
            todo[current["Id"]] = int(current.get("Level", 0))
            parent = (current.get("ParentRef") or {}).get("value")
            current = books.get("Customer", parent)
    for customer_id in sorted(todo, key=lambda c: -todo[c]):
        customer = books.get("Customer", customer_id)
        assert customer is not None
        own = customer_balance(books, customer_id)
        with_jobs = own + sum(
            cents(child.get("BalanceWithJobs", 0))
            for child_id in books.children.get(customer_id, ())
            if (child := books.get("Customer", child_id)) is not None
        )
        row = _bumped(customer, at, sync=False)
        row["Balance"] = money(own)
        row["BalanceWithJobs"] = money(with_jobs)
        books.save("Customer", row, "Update", at)


def unlink_invoice(books: Books, invoice_id: str, at: datetime) -> set[str]:
    """Detach every payment from an invoice being voided/deleted; the money becomes unapplied.

    Returns the customers whose balances need a refresh.
    """
    customers: set[str] = set()
    for payment_id in sorted(books.payments_for.get(invoice_id, set()).copy(), key=int):
        payment = books.get("Payment", payment_id)
        if payment is None:
            continue
        lines = [
            line
            for line in payment.get("Line", [])
            if not any(
                t.get("TxnId") == invoice_id and t.get("TxnType") == "Invoice"
                for t in line.get("LinkedTxn", [])
            )
        ]
        applied = sum(cents(line["Amount"]) for line in lines)
        row = _bumped(payment, at, sync=True)
        row["Line"] = lines
        row["UnappliedAmt"] = money(cents(payment["TotalAmt"]) - applied)
        books.save("Payment", row, "Update", at)
        customers.add(payment["CustomerRef"]["value"])
    return customers
