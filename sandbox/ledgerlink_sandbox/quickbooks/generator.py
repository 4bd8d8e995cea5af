"""Deterministic company data: ``generate(seed, size, now) -> Dataset``.

Rows are built directly in their final state (not replayed through the write path) so the
large size (100k customers, 300k invoices) builds in seconds. The history is simulated first:
customers, invoices with a fate (open, partly paid, paid, voided, deleted), payments and
deleted payments, each with a time; then Ids are handed out in time order (transactions
share one sequence) and every derived value (balances, SyncTokens, LastUpdatedTime, change
log) follows from that history exactly as the store's side effects would produce it.
Nested objects that never differ (currency, memo, item refs ...) are shared between rows to
keep the large size small; the store never mutates a row in place, so sharing is safe.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .changes import Operation
from .dataset import Dataset
from .fixtures import CUSTOM_FIELDS, DEFAULT_MEMO, SERVICES_INCOME, TAX_CODES, USD, term_rows
from .generator_people import Customer, make_customers
from .lines import money, number, voided_lines
from .names import PRODUCTS
from .timefmt import PACIFIC, add_days, pacific_epoch

Row = dict[str, Any]
SIZES = {"demo": (40, 120), "small": (1_000, 3_000), "large": (100_000, 300_000)}
SPAN_DAYS = 270  # history length
CHANGELOG_DAYS = 31  # history kept in the change log (CDC's window plus a day)
_TERMS = {"1": ("Due on receipt", 0), "3": ("Net 30", 30), "4": ("Net 60", 60)}


@dataclass
class _Pay:
    at: int
    amount: int  # cents
    deleted_at: int | None = None
    id: str = ""
    open_before: int = 0


@dataclass
class _Inv:
    customer: Customer
    at: int
    term: str
    lines: list[tuple[int, int, int]]  # (item index, qty, unit price cents)
    taxed: bool
    online: bool
    fate: str
    end_at: int | None = None  # void or delete time
    pays: list[_Pay] = field(default_factory=list)
    id: str = ""
    doc: str = ""
    balance: int = 0  # open cents

    subtotal: int = 0  # cents, set by __post_init__
    taxable: int = 0
    tax: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        self.subtotal = sum(q * p for _, q, p in self.lines)
        self.taxable = sum(q * p for i, q, p in self.lines if PRODUCTS[i][2])
        # Half-up rounding of 8 %, as the store's tax computation does.
        self.tax = (self.taxable * TAX_CODES["2"][1] + 50) // 100 if self.taxed else 0
        self.total = self.subtotal + self.tax


def generate(seed: str, size: str, now: datetime) -> Dataset:
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
    # Millions of small dicts and no cycles: the cyclic GC would rescan them over and over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, size, now)
    finally:
        if enabled:
            gc.enable()


def _generate(seed: str, size: str, now: datetime) -> Dataset:
    rng = random.Random(seed)
    n_customers, n_invoices = SIZES[size]
    end = int(now.astimezone(UTC).timestamp())
    start = end - SPAN_DAYS * 86_400
    customers, next_addr = make_customers(rng, n_customers, start, end)
    invoices = _invoices(rng, customers, n_invoices, end)
    _assign_ids(invoices)
    data = Dataset(counters={"addr": next_addr})
    log: list[tuple[int, str, str, Operation]] = []
    horizon = end - CHANGELOG_DAYS * 86_400
    data.records["Term"] = term_rows(_dt(start))
    data.records["Item"] = _items(start)
    inv_rows, pay_rows = [], []
    for inv in invoices:
        _history(inv, data, log, horizon)
        if inv.fate != "deleted":
            inv_rows.append(_invoice_row(inv))
        pay_rows += [_payment_row(inv, p) for p in inv.pays if p.deleted_at is None]
    data.records["Invoice"] = inv_rows
    data.records["Payment"] = pay_rows
    data.records["Customer"] = _customer_rows(customers, rng, end, log, horizon)
    log.sort(key=lambda e: e[0])
    data.changes = [(entity, id_, op, _dt(at)) for at, entity, id_, op in log]
    return data


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, PACIFIC).date().isoformat()


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _meta(created: int, updated: int) -> dict[str, str]:
    return {"CreateTime": pacific_epoch(created), "LastUpdatedTime": pacific_epoch(updated)}


def _items(start: int) -> list[Row]:
    return [
        {
            "Name": name,
            "Description": name,
            "Active": True,
            "FullyQualifiedName": name,
            "Taxable": taxable,
            "UnitPrice": number(price / 100),
            "Type": "NonInventory" if taxable else "Service",
            "IncomeAccountRef": SERVICES_INCOME,
            "PurchaseCost": 0,
            "TrackQtyOnHand": False,
            "domain": "QBO",
            "sparse": False,
            "Id": str(i + 1),
            "SyncToken": "0",
            "MetaData": _meta(start, start),
        }
        for i, (name, price, taxable) in enumerate(PRODUCTS)
    ]


def _invoices(rng: random.Random, customers: list[Customer], count: int, end: int) -> list[_Inv]:
    out = []
    n = len(customers)
    for _ in range(count):
        customer = customers[int(n * rng.random() ** 1.4)]  # older customers buy more
        at = rng.randint(customer.created + 60, end - 60)
        age_days = (end - at) / 86_400
        lines = []
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            item = rng.randrange(len(PRODUCTS))
            qty = rng.randint(1, 12) if not PRODUCTS[item][2] else rng.randint(1, 50)
            lines.append((item, qty, PRODUCTS[item][1]))
        roll = rng.random()
        if roll < 0.04:
            fate = "deleted"
        elif roll < 0.08:
            fate = "void"
        else:
            weights = (60, 15, 25) if age_days < 30 else (15, 10, 75)
            fate = rng.choices(("open", "partial", "paid"), weights)[0]
        term = customer.term or rng.choices(("1", "3", "4"), (2, 6, 2))[0]
        inv = _Inv(customer, at, term, lines, rng.random() < 0.6, rng.random() < 0.2, fate)
        _fate(rng, inv, end)
        out.append(inv)
    return out


def _fate(rng: random.Random, inv: _Inv, end: int) -> None:
    room = end - inv.at
    if room < 7_200 and inv.fate in ("partial", "paid"):
        inv.fate = "open"  # too young to have been paid

    def later(after: int) -> int:
        return rng.randint(after + 1, min(end, after + max(2, (end - after) // 2, 5 * 86_400)))

    if inv.fate in ("void", "deleted"):
        inv.end_at = later(inv.at)
    elif inv.fate == "partial":
        inv.pays.append(_Pay(later(inv.at + 3_600), max(1, inv.total * rng.randint(20, 80) // 100)))
    elif inv.fate == "paid":
        first = later(inv.at + 3_600)
        if rng.random() < 0.3 and first < end - 60:
            part = max(1, inv.total * rng.randint(20, 80) // 100)
            inv.pays.append(_Pay(first, part))
            inv.pays.append(_Pay(later(first), inv.total - part))
        else:
            inv.pays.append(_Pay(first, inv.total))
    if inv.fate in ("open", "partial") and rng.random() < 0.05 and room > 7_200:
        made = later(inv.at + 3_600)  # a payment entered by mistake, then deleted
        inv.pays.append(_Pay(made, 1, deleted_at=later(made)))


def _assign_ids(invoices: list[_Inv]) -> None:
    """Transactions share one Id sequence, handed out in creation order."""
    creates: list[tuple[int, int, Any]] = []
    for inv in invoices:
        creates.append((inv.at, 0, inv))
        creates += [(p.at, 1, p) for p in inv.pays]
    creates.sort(key=lambda c: (c[0], c[1]))
    for number_, (_, _, txn) in enumerate(creates, start=1):
        txn.id = str(number_)
    for doc, inv in enumerate(sorted(invoices, key=lambda i: int(i.id)), start=1001):
        inv.doc = str(doc)


def _history(
    inv: _Inv, data: Dataset, log: list[tuple[int, str, str, Operation]], horizon: int
) -> None:
    """Open balances, LineEx balances, tombstones, customer events and the change log."""
    open_cents = inv.total
    customer = inv.customer
    customer.touch(inv.at, log, horizon)
    if inv.at >= horizon:
        log.append((inv.at, "Invoice", inv.id, "Create"))
    for pay in sorted(inv.pays, key=lambda p: p.at):
        pay.open_before = open_cents
        open_cents -= pay.amount
        customer.touch(pay.at, log, horizon)
        events: list[tuple[int, str, Operation]] = [
            (pay.at, "Payment", "Create"),
            (pay.at, "Invoice", "Update"),
        ]
        if pay.deleted_at is not None:
            open_cents += pay.amount
            customer.touch(pay.deleted_at, log, horizon)
            data.tombstones.append(("Payment", pay.id, _dt(pay.deleted_at)))
            events += [(pay.deleted_at, "Payment", "Delete"), (pay.deleted_at, "Invoice", "Update")]
        for at, entity, op in events:
            if at >= horizon:
                log.append((at, entity, pay.id if entity == "Payment" else inv.id, op))
    if inv.end_at is not None:
        customer.touch(inv.end_at, log, horizon)
        end_op: Operation = "Delete" if inv.fate == "deleted" else "Void"
        if inv.end_at >= horizon:
            log.append((inv.end_at, "Invoice", inv.id, end_op))
        if inv.fate == "deleted":
            data.tombstones.append(("Invoice", inv.id, _dt(inv.end_at)))
        open_cents = 0
    inv.balance = open_cents
    customer.open_cents += open_cents


_TAX_REF = {"value": "2"}
_RATE_REF = {"value": "3"}
_TAX_CODE = {"value": "TAX"}
_NON_CODE = {"value": "NON"}
_MEMO = {"value": DEFAULT_MEMO}
_SUBTOTAL: Row = {}
_ITEM_REFS = [{"value": str(i + 1), "name": p[0]} for i, p in enumerate(PRODUCTS)]
_TERM_REFS = {k: {"value": k, "name": v[0]} for k, v in _TERMS.items()}
_CUSTOM = [dict(f) for f in CUSTOM_FIELDS]


def _invoice_row(inv: _Inv) -> Row:
    lines: list[Row] = [
        {
            "Id": str(n),
            "LineNum": n,
            "Description": PRODUCTS[item][0],
            "Amount": money(q * p),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": _ITEM_REFS[item],
                "UnitPrice": number(p / 100),
                "Qty": q,
                "TaxCodeRef": _TAX_CODE if PRODUCTS[item][2] else _NON_CODE,
            },
        }
        for n, (item, q, p) in enumerate(inv.lines, start=1)
    ]
    lines.append(
        {
            "Amount": money(inv.subtotal),
            "DetailType": "SubTotalLineDetail",
            "SubTotalLineDetail": _SUBTOTAL,
        }
    )
    tax: Row = {"TotalTax": 0}
    if inv.taxed:
        tax = {
            "TxnTaxCodeRef": _TAX_REF,
            "TotalTax": money(inv.tax),
            "TaxLine": [
                {
                    "Amount": money(inv.tax),
                    "DetailType": "TaxLineDetail",
                    "TaxLineDetail": {
                        "TaxRateRef": _RATE_REF,
                        "PercentBased": True,
                        "TaxPercent": 8,
                        "NetAmountTaxable": money(inv.taxable),
                    },
                }
            ],
        }
    active_pays = sorted((p for p in inv.pays if p.deleted_at is None), key=lambda p: -int(p.id))
    touches = (
        [inv.at]
        + [p.at for p in inv.pays]
        + [p.deleted_at for p in inv.pays if p.deleted_at is not None]
    )
    sync = len(inv.pays) + sum(1 for p in inv.pays if p.deleted_at is not None)
    voided = inv.fate == "void"
    if voided and inv.end_at is not None:
        touches.append(inv.end_at)
        sync += 1
    c = inv.customer
    txn_date = _day(inv.at)
    due_days = _TERMS[inv.term][1]
    row: Row = {
        "AllowIPNPayment": False,
        "AllowOnlinePayment": inv.online,
        "AllowOnlineCreditCardPayment": inv.online,
        "AllowOnlineACHPayment": inv.online,
        "domain": "QBO",
        "sparse": False,
        "Id": inv.id,
        "SyncToken": str(sync),
        "MetaData": _meta(inv.at, max(touches)),
        "CustomField": _CUSTOM,
        "DocNumber": inv.doc,
        "TxnDate": txn_date,
        "CurrencyRef": USD,
    }
    if voided:
        row["PrivateNote"] = "Voided"
    row["LinkedTxn"] = [{"TxnId": p.id, "TxnType": "Payment"} for p in active_pays]
    row["Line"] = voided_lines(lines) if voided else lines
    row["TxnTaxDetail"] = {"TotalTax": 0} if voided else tax
    row["CustomerRef"] = c.ref
    row["CustomerMemo"] = _MEMO
    if c.bill_block is not None:
        row["BillAddr"] = c.bill_block
    if c.ship is not None:
        row["ShipAddr"] = c.ship
    row["SalesTermRef"] = _TERM_REFS[inv.term]
    row["DueDate"] = add_days(txn_date, due_days)
    row["TotalAmt"] = 0 if voided else money(inv.total)
    row["ApplyTaxAfterDiscount"] = False
    row["PrintStatus"] = "NeedToPrint" if c.delivery == "Print" else "NotSet"
    row["EmailStatus"] = "EmailSent" if c.delivery == "Email" else "NotSet"
    if c.email_ref is not None:
        row["BillEmail"] = c.email_ref
    row["Balance"] = money(inv.balance)
    return row


def _payment_row(inv: _Inv, pay: _Pay) -> Row:
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

    line_ex = {
        "any": [
            pair("txnId", inv.id),
            pair("txnOpenBalance", str(pay.open_before / 100)),
            pair("txnReferenceNumber", inv.doc),
        ]
    }
    return {
        "CustomerRef": inv.customer.ref,
        "DepositToAccountRef": {"value": "4", "name": "Undeposited Funds"},
        "TotalAmt": money(pay.amount),
        "UnappliedAmt": 0,
        "ProcessPayment": False,
        "domain": "QBO",
        "sparse": False,
        "Id": pay.id,
        "SyncToken": "0",
        "MetaData": _meta(pay.at, pay.at),
        "TxnDate": _day(pay.at),
        "CurrencyRef": USD,
        "Line": [
            {
                "Amount": money(pay.amount),
                "LinkedTxn": [{"TxnId": inv.id, "TxnType": "Invoice"}],
                "LineEx": line_ex,
            }
        ],
    }


def _customer_rows(
    customers: list[Customer],
    rng: random.Random,
    end: int,
    log: list[tuple[int, str, str, Operation]],
    horizon: int,
) -> list[Row]:
    # Balances roll up from the deepest jobs to their top-level customer.
    for c in sorted(customers, key=lambda c: -c.level):
        c.with_jobs += c.open_cents
        if c.parent is not None:
            c.parent.with_jobs += c.with_jobs
    for c in customers:
        idle = c.parent is None and not c.children and c.with_jobs == 0
        if idle and rng.random() < 0.04 and c.last < end - 86_400:
            c.deactivate(rng.randint(c.last + 1, end), log, horizon)
    return [c.row() for c in customers]
