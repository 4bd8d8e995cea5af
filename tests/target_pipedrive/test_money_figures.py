"""Money figures: what a customer's invoices and payments say, and that the store gives the same
figures whether the records came in one full run or in any number of incremental batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledgerlink import db
from target_pipedrive import ledger, money
from target_pipedrive.money import Figures

TODAY = date(2026, 11, 20)
DELETED_AT = "2026-11-20T10:00:00+00:00"


def invoice(
    invoice_id: str,
    customer: str,
    total: float,
    balance: float,
    txn: date,
    due: date | None = None,
    link: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": invoice_id,
        "DocNumber": f"10{invoice_id}",
        "CustomerRef": {"value": customer},
        "TotalAmt": total,
        "Balance": balance,
        "TxnDate": txn.isoformat(),
        "CurrencyRef": {"value": "USD"},
        "_sdc_deleted_at": None,
        **extra,
    }
    if due is not None:
        record["DueDate"] = due.isoformat()
    if link is not None:
        record["InvoiceLink"] = link
    return record


def payment(
    payment_id: str, customer: str, amount: float, txn: date, invoices: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "Id": payment_id,
        "CustomerRef": {"value": customer},
        "TotalAmt": amount,
        "TxnDate": txn.isoformat(),
        "CurrencyRef": {"value": "USD"},
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": i, "TxnType": "Invoice"}]} for i in invoices
        ],
        "_sdc_deleted_at": None,
    }


def tombstone(record_id: str) -> dict[str, Any]:
    return {"Id": record_id, "status": "Deleted", "_sdc_deleted_at": DELETED_AT}


def rows(records: list[dict[str, Any]]) -> list[money.InvoiceRow]:
    return [r for r in map(money.invoice_row, records) if r is not None]


# -- the figures of one customer ---------------------------------------------------------------
def test_open_and_overdue_balances_count_open_invoices_only() -> None:
    invoices = rows(
        [
            invoice("1", "7", 100, 100, date(2026, 10, 1), date(2026, 10, 31), "https://pay/1"),
            invoice("2", "7", 250, 50.5, date(2026, 11, 1), date(2026, 12, 1), "https://pay/2"),
            invoice("3", "7", 80, 0, date(2026, 11, 15), date(2026, 11, 30)),  # paid
        ]
    )
    paid = money.payment_row(payment("9", "7", 279.5, date(2026, 11, 18), ("2", "3")))
    assert paid is not None
    found = money.figures(invoices, [paid], TODAY)
    assert found == Figures(
        currency="USD",
        open_balance=Decimal("150.50"),
        overdue_balance=Decimal("100.00"),  # invoice 1 fell due before today
        open_invoices=2,
        last_invoice_date=date(2026, 11, 15),  # a paid invoice still counts as the last one
        last_payment_date=date(2026, 11, 18),
        pay_link="https://pay/1",  # the oldest open invoice's
    )


def test_an_invoice_due_today_is_not_overdue_and_a_voided_one_leaves() -> None:
    due_today = invoice("1", "7", 40, 40, date(2026, 11, 1), TODAY)
    voided = invoice(
        "2", "7", 0, 0, date(2026, 11, 2), PrivateNote="Voided", _sdc_deleted_at=DELETED_AT
    )
    assert money.invoice_row(voided) is None
    assert money.invoice_row(tombstone("3")) is None
    found = money.figures(rows([due_today]), [], TODAY)
    assert (found.open_balance, found.overdue_balance) == (Decimal("40.00"), Decimal(0))
    assert found.pay_link is None and found.last_payment_date is None


def test_the_oldest_open_invoice_without_a_link_gives_way_to_the_next_with_one() -> None:
    invoices = rows(
        [
            invoice("5", "7", 10, 10, date(2026, 9, 1)),  # no online payment: no link
            invoice("6", "7", 10, 10, date(2026, 9, 2), link="https://pay/6"),
        ]
    )
    assert money.figures(invoices, [], TODAY).pay_link == "https://pay/6"


def test_a_payment_names_the_invoices_it_paid_with_their_numbers() -> None:
    record = payment("9", "7", 10, TODAY, ("12",))
    record["Line"][0]["LineEx"] = {
        "any": [{"value": {"Name": "txnReferenceNumber", "Value": "1004"}}]
    }
    row = money.payment_row(record)
    assert row is not None
    assert [(i.invoice_id, i.number) for i in row.invoices] == [("12", "1004")]


# -- incremental batches = one full run ----------------------------------------------------------
@dataclass(frozen=True)
class Event:
    stream: str  # invoices | payments
    record: dict[str, Any]


CUSTOMERS = st.sampled_from(["1", "2", "3"])
DAYS = st.integers(min_value=-40, max_value=40).map(lambda n: TODAY + timedelta(days=n))


@st.composite
def invoice_event(draw: st.DrawFn) -> Event:
    invoice_id = draw(st.sampled_from(["11", "12", "13", "14"]))
    kind = draw(st.sampled_from(["upsert", "upsert", "upsert", "void", "delete"]))
    if kind == "delete":
        return Event("invoices", tombstone(invoice_id))
    if kind == "void":
        record = invoice(invoice_id, draw(CUSTOMERS), 0, 0, draw(DAYS), PrivateNote="Voided")
        return Event("invoices", {**record, "_sdc_deleted_at": DELETED_AT})
    total = draw(st.integers(min_value=1, max_value=5000))
    balance = draw(st.sampled_from([0, total, total // 2]))
    txn = draw(DAYS)
    due = txn + timedelta(days=draw(st.sampled_from([0, 15, 30])))
    link = draw(st.sampled_from([None, f"https://pay/{invoice_id}"]))
    return Event("invoices", invoice(invoice_id, draw(CUSTOMERS), total, balance, txn, due, link))


@st.composite
def payment_event(draw: st.DrawFn) -> Event:
    payment_id = draw(st.sampled_from(["21", "22", "23"]))
    if draw(st.integers(0, 4)) == 0:
        return Event("payments", tombstone(payment_id))
    paid = tuple(draw(st.lists(st.sampled_from(["11", "12", "13"]), max_size=2, unique=True)))
    amount = draw(st.integers(min_value=1, max_value=900))
    return Event("payments", payment(payment_id, draw(CUSTOMERS), amount, draw(DAYS), paid))


def _ingest(tenant: str, events: list[Event]) -> None:
    with db.connection() as conn:
        ledger.ingest_invoices(conn, tenant, [e.record for e in events if e.stream == "invoices"])
        ledger.ingest_payments(conn, tenant, [e.record for e in events if e.stream == "payments"])


def _push(tenant: str, today: date, pushed: dict[str, Figures]) -> None:
    """What a run pushes: the figures of every due customer, computed from the store."""
    with db.connection() as conn:
        due = ledger.due_customers(conn, tenant, today)
        stored = ledger.customer_money(conn, tenant, due)
        for customer in due:
            pushed[customer] = money.figures(
                stored[customer].invoices, stored[customer].payments, today
            )
            ledger.mark_done(conn, tenant, customer, today)


def _full(events: list[Event]) -> list[Event]:
    """What a full run emits: the final version of every live record, no tombstones."""
    final: dict[tuple[str, str], Event] = {}
    for event in events:
        final[(event.stream, event.record["Id"])] = event
    return [e for e in final.values() if not money.removed(e.record)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # Each event, and whether a run ends after it (the batches of the incremental runs).
    steps=st.lists(
        st.tuples(st.one_of(invoice_event(), payment_event()), st.booleans()),
        min_size=1,
        max_size=25,
    ),
    later=st.integers(min_value=0, max_value=45),
)
@example(  # an invoice moved to another customer, then deleted; a payment deleted
    steps=[
        (Event("invoices", invoice("11", "1", 100, 100, TODAY)), True),
        (Event("invoices", invoice("11", "2", 100, 100, TODAY)), True),  # moved to customer 2
        (Event("payments", payment("21", "2", 5, TODAY)), True),
        (Event("payments", tombstone("21")), True),
        (Event("invoices", tombstone("11")), False),
    ],
    later=0,
)
def test_incremental_batches_give_the_figures_of_one_full_run(
    clean_db: str, steps: list[tuple[Event, bool]], later: int
) -> None:
    events = [event for event, _ in steps]
    with db.connection() as conn:
        for table in ("money_invoices", "money_payments", "money_customers"):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
    pushed: dict[str, Figures] = {}
    batch: list[Event] = []
    for event, run_ends in steps:
        batch.append(event)
        if run_ends:
            _ingest("inc", batch)
            _push("inc", TODAY, pushed)
            batch = []
    _ingest("inc", batch)
    _ingest("full", _full(events))
    everyone = {"1", "2", "3"}
    for day in (TODAY, TODAY + timedelta(days=later)):
        _push("inc", day, pushed)  # a run days later, with no new record: overdue may grow
        with db.connection() as conn:
            stored = ledger.customer_money(conn, "full", sorted(everyone))
        for customer in everyone:
            expected = money.figures(stored[customer].invoices, stored[customer].payments, day)
            assert pushed.get(customer, Figures()) == expected, (customer, day)
