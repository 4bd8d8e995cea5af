"""When an invoice ships: the per-term rule, "paid" versus voided, and the history cutoff."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.shiprule import (
    InvoiceStatus,
    Release,
    ShipPolicy,
    invoice_status,
    release,
    term_name,
)
from target_shipstation.cutoff import HistoryCutoff
from target_shipstation.errors import InvoiceError, SettingError
from tests.target_shipstation.invoices import invoice_12

DEFAULTS = ShipPolicy()


def invoice(total: float, balance: float, **extra: Any) -> dict[str, Any]:
    return {"Id": "7", "DocNumber": "1007", "TxnDate": "2026-03-01", "TotalAmt": total,
            "Balance": balance, **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("term", "total", "balance", "extra", "expected"),
    [
        ("Due on receipt", 100, 100, {}, Release.WAIT),
        ("Due on Receipt", 100, 40, {}, Release.WAIT),  # partly paid is not paid
        ("Due on receipt", 100, 0, {}, Release.SHIP),
        ("Net 30", 100, 100, {}, Release.ORDER_UNPAID),
        ("net  60", 100, 0, {}, Release.SHIP),
        ("Net 15", 100, 100, {}, Release.WAIT),  # unknown term: the default, paid
        (None, 100, 100, {}, Release.WAIT),
        ("Net 30", 0, 0, {"PrivateNote": "Voided"}, Release.CANCEL),  # balance 0, yet not paid
        ("Due on receipt", 0, 0, {"PrivateNote": "Voided"}, Release.CANCEL),
        ("Due on receipt", 0, 0, {"_sdc_deleted_at": "2026-03-02T00:00:00Z"}, Release.CANCEL),
        ("Net 30", 100, 100, {"status": "Deleted"}, Release.CANCEL),
        ("Due on receipt", 0, 0, {}, Release.SKIP),  # zero total: never paid
        ("Net 30", 0, 0, {}, Release.SHIP),  # ... but nothing is owed under created
    ],
)  # fmt: skip
def test_default_rule(
    term: str | None, total: float, balance: float, extra: dict[str, Any], expected: Release
) -> None:
    assert DEFAULTS.release(invoice(total, balance, **extra), term) is expected


def test_settings_override_terms_and_the_default() -> None:
    policy = ShipPolicy.from_settings({"Net 30": "paid", "Net 15": "created"}, default="created")
    assert policy.ship_on("NET 30") == "paid"
    assert policy.ship_on("net 15") == "created"
    assert policy.ship_on("Due on receipt") == "paid"  # untouched default
    assert policy.ship_on("2% 10 Net 30") == "created"
    with pytest.raises(SettingError, match=r"ship_on\['Net 30'\] is 'later'; use one of: paid"):
        ShipPolicy.from_settings({"Net 30": "later"})
    with pytest.raises(SettingError, match="ship_on_default"):
        ShipPolicy.from_settings({}, default="never")


def test_term_name_from_the_reference_or_the_kept_terms() -> None:
    assert term_name(invoice_12()) == "Net 30"
    bare = {"SalesTermRef": {"value": "1"}}
    assert term_name(bare, {"1": {"Id": "1", "Name": "Due on receipt"}}) == "Due on receipt"
    assert term_name(bare, {}) is None and term_name({}) is None


money = st.decimals(min_value=0, max_value=10_000, places=2).map(float)


@st.composite
def any_invoice(draw: st.DrawFn) -> dict[str, Any]:
    total = draw(money)
    balance = draw(st.one_of(st.just(0.0), st.just(total), money.filter(lambda b: b <= total)))
    extra = draw(st.sampled_from([{}, {}, {"PrivateNote": "Voided"}, {"status": "Deleted"},
                                  {"_sdc_deleted_at": "2026-03-02T00:00:00Z"}]))  # fmt: skip
    if "PrivateNote" in extra:
        total = balance = 0.0  # what QuickBooks leaves of a voided invoice
    return invoice(total, balance, **extra)


terms = st.sampled_from(["Due on receipt", "Net 30", "Net 60", "Net 10", None])


@given(inv=any_invoice(), term=terms)
def test_rule_properties(inv: dict[str, Any], term: str | None) -> None:
    status = invoice_status(inv)
    decided = DEFAULTS.release(inv, term)
    voided_or_deleted = status in (InvoiceStatus.VOIDED, InvoiceStatus.DELETED)
    # A voided or deleted invoice never ships, whatever its term or balance.
    assert (decided is Release.CANCEL) == voided_or_deleted
    paid = inv["Balance"] == 0 and inv["TotalAmt"] > 0 and not voided_or_deleted
    assert (status is InvoiceStatus.PAID) == paid
    # Under ship_on: paid an order exists exactly when the invoice is paid.
    if DEFAULTS.ship_on(term) == "paid" and not voided_or_deleted:
        assert (decided is Release.SHIP) == paid
    # Whatever ships under "paid" ships under "created" too, and no later.
    if release(status, "paid") is Release.SHIP:
        assert release(status, "created") is Release.SHIP
    if paid:
        assert decided is Release.SHIP


def test_history_cutoff_defaults_to_the_connection_day() -> None:
    connected = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    cutoff = HistoryCutoff.from_setting(None, connected)
    assert cutoff.since == date(2026, 3, 1)
    old, today, later = (invoice(10, 0, TxnDate=d) for d in
                         ("2026-02-28", "2026-03-01", "2026-03-09"))  # fmt: skip
    admitted, held = cutoff.split([old, today, later])
    assert (admitted, held) == ([today, later], 1)
    assert HistoryCutoff.from_setting("2020-01-01", connected).admits(old)
    undated = {"Id": "8", "MetaData": {"CreateTime": "2026-02-01T10:00:00-08:00"}}
    assert not cutoff.admits(undated)
    with pytest.raises(SettingError, match="history_cutoff is 'last year'"):
        HistoryCutoff.from_setting("last year", connected)
    with pytest.raises(InvoiceError, match="invoice with QuickBooks id 9: it has no date"):
        cutoff.admits({"Id": "9"})


@given(days=st.lists(st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 1, 1))),
       since=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 1, 1)))  # fmt: skip
def test_cutoff_holds_back_exactly_the_older_invoices(days: list[date], since: date) -> None:
    batch = [invoice(1, 0, TxnDate=d.isoformat()) for d in days]
    admitted, held = HistoryCutoff(since).split(batch)
    assert held == sum(1 for d in days if d < since)
    assert all(date.fromisoformat(i["TxnDate"]) >= since for i in admitted)
    assert len(admitted) + held == len(batch)
