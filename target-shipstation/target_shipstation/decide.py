"""One invoice → one decision: the ship rule, the history cutoff, the order body and ``plan``
against its mapping row. No I/O: the run passes in what it loaded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledgerlink.shiprule import Release, term_name
from target_shipstation.errors import InvoiceError
from target_shipstation.order import BuiltOrder, NothingToShip, build_order
from target_shipstation.plan import Action, plan
from target_shipstation.settings import RunSettings
from target_shipstation.store import OrderRow

JSON = dict[str, Any]


@dataclass(frozen=True)
class Decision:
    invoice: JSON
    action: Action | None  # None: the invoice cannot be ordered as it is (``problem``)
    release: Release | None
    term: str | None
    built: BuiltOrder | None = None
    row: OrderRow | None = None
    paid_on: date | None = None
    problem: str | None = None  # why it failed, was skipped or flagged

    @property
    def invoice_id(self) -> str:
        return str(self.invoice.get("Id"))


@dataclass(frozen=True)
class Known:
    """What earlier runs and this one know besides the invoices."""

    customers: Mapping[str, Mapping[str, Any]]
    items: Mapping[str, Mapping[str, Any]]
    terms: Mapping[str, Mapping[str, Any]]
    paid_on: Mapping[str, date]  # invoice id -> its last payment's date (payments.payment_dates)


def _customer_id(invoice: Mapping[str, Any]) -> str | None:
    ref = invoice.get("CustomerRef")
    value = ref.get("value") if isinstance(ref, Mapping) else None
    return None if value is None else str(value)


def decide(invoice: JSON, row: OrderRow | None, known: Known, settings: RunSettings) -> Decision:
    term = term_name(invoice, known.terms)
    release = settings.policy.release(invoice, term)
    try:
        admitted = settings.cutoff.admits(invoice)
    except InvoiceError as error:
        if release is not Release.CANCEL:
            return Decision(invoice, None, release, term, row=row, problem=str(error))
        admitted = True  # a deletion tombstone carries no date; it only resolves or cancels
    built: BuiltOrder | None = None
    paid_on: date | None = None
    if release in (Release.SHIP, Release.ORDER_UNPAID) and (admitted or row is not None):
        invoice_id = str(invoice.get("Id"))
        paid_on = known.paid_on.get(invoice_id) or (row.paid_on if row else None)
        customer_id = _customer_id(invoice)
        customer = known.customers.get(customer_id) if customer_id else None
        try:
            built = build_order(
                invoice,
                customer=customer,
                items=known.items,
                settings=settings.order,
                release=release,
                paid_at=paid_on if release is Release.SHIP else None,
            )
        except NothingToShip as error:
            if row is None:
                return Decision(invoice, Action.SKIP, release, term, problem=str(error))
            return Decision(invoice, Action.FLAG, release, term, row=row, problem=str(error))
        except InvoiceError as error:
            return Decision(invoice, None, release, term, row=row, problem=str(error))
    action = plan(row.mapped if row else None, release, built.digest if built else None, admitted)
    return Decision(invoice, action, release, term, built, row, paid_on, _why(action, release))


def _why(action: Action, release: Release) -> str | None:
    if action is Action.FLAG:
        if release is Release.CANCEL:
            return "voided or deleted after its order shipped; the order was left alone"
        if release in (Release.WAIT, Release.SKIP):
            return "no longer paid (payment reversed) after its order was made; left alone"
        return "changed after its order shipped or was cancelled in ShipStation; left alone"
    if action is Action.SKIP:
        return "nothing to ship: a zero total under ship_on: paid"
    if action is Action.RESOLVE:
        return "voided or deleted before any order"
    return None
