"""Generated company data: deterministic, realistic and internally consistent."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledgerlink_sandbox.quickbooks.dataset import Dataset
from ledgerlink_sandbox.quickbooks.generator import SIZES, generate
from ledgerlink_sandbox.quickbooks.ledger import customer_balance
from ledgerlink_sandbox.quickbooks.store import QboFault, RealmStore

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$")


def d(value: Any) -> Decimal:
    return Decimal(str(value))


@pytest.fixture(scope="module")
def small() -> RealmStore:
    store = RealmStore("193514", lambda: NOW)
    store.load(generate("consistency", "small", NOW))
    return store


def rows(store: RealmStore, entity: str) -> list[dict[str, Any]]:
    return list(store.books.table(entity).rows.values())


def dump(dataset: Dataset) -> str:
    return json.dumps([dataset.records, dataset.tombstones, dataset.changes], default=str)


def test_deterministic_per_seed() -> None:
    a = generate("seed-a", "demo", NOW)
    b = generate("seed-a", "demo", NOW)
    c = generate("seed-b", "demo", NOW)
    assert dump(a) == dump(b)
    assert dump(a) != dump(c)
    assert len(a.records["Customer"]) == SIZES["demo"][0]


def test_sizes() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate("x", "huge", NOW)


def test_balances_are_consistent(small: RealmStore) -> None:
    invoices = rows(small, "Invoice")
    payments = rows(small, "Payment")
    applied: dict[str, Decimal] = defaultdict(Decimal)
    paid_by: dict[str, set[str]] = defaultdict(set)
    for p in payments:
        assert d(p["TotalAmt"]) == sum(d(line["Amount"]) for line in p["Line"])
        for line in p["Line"]:
            inv_id = line["LinkedTxn"][0]["TxnId"]
            applied[inv_id] += d(line["Amount"])
            paid_by[inv_id].add(p["Id"])
    own: dict[str, Decimal] = defaultdict(Decimal)
    for inv in invoices:
        assert d(inv["Balance"]) == d(inv["TotalAmt"]) - applied[inv["Id"]]
        assert {t["TxnId"] for t in inv["LinkedTxn"]} == paid_by[inv["Id"]]
        lines = [x for x in inv["Line"] if x["DetailType"] == "SalesItemLineDetail"]
        if inv.get("PrivateNote") == "Voided":
            assert inv["TotalAmt"] == 0 and inv["Balance"] == 0 and not inv["LinkedTxn"]
        else:
            subtotal = sum(d(x["Amount"]) for x in lines)
            assert d(inv["TotalAmt"]) == subtotal + d(inv["TxnTaxDetail"]["TotalTax"])
        own[inv["CustomerRef"]["value"]] += d(inv["Balance"])
    customers = {c["Id"]: c for c in rows(small, "Customer")}
    with_jobs = dict(own)
    for c in sorted(customers.values(), key=lambda c: -c.get("Level", 0)):
        parent = (c.get("ParentRef") or {}).get("value")
        if parent:
            with_jobs[parent] = with_jobs.get(parent, Decimal(0)) + with_jobs.get(c["Id"], 0)
    for c in customers.values():
        assert d(c["Balance"]) == own.get(c["Id"], 0), c["Id"]
        assert d(c["BalanceWithJobs"]) == with_jobs.get(c["Id"], 0), c["Id"]
        assert customer_balance(small.books, c["Id"]) == int(d(c["Balance"]) * 100)
        if not c["Active"]:
            assert c["BalanceWithJobs"] == 0


def test_history_is_plausible(small: RealmStore) -> None:
    invoices = rows(small, "Invoice")
    payments = rows(small, "Payment")
    recent = (NOW - timedelta(days=30)).timestamp()
    for row in [*invoices, *payments, *rows(small, "Customer")]:
        meta = row["MetaData"]
        assert STAMP.match(meta["CreateTime"]) and STAMP.match(meta["LastUpdatedTime"])
        created = datetime.fromisoformat(meta["CreateTime"])
        updated = datetime.fromisoformat(meta["LastUpdatedTime"])
        assert created <= updated <= NOW
    assert (
        sum(
            datetime.fromisoformat(i["MetaData"]["LastUpdatedTime"]).timestamp() > recent
            for i in invoices
        )
        > 100
    )
    # Transactions share one Id sequence.
    assert not {i["Id"] for i in invoices} & {p["Id"] for p in payments}
    fates: defaultdict[str, int] = defaultdict(int)
    for inv in invoices:
        total, balance = d(inv["TotalAmt"]), d(inv["Balance"])
        fate = (
            "voided"
            if inv.get("PrivateNote") == "Voided"
            else "paid"
            if balance == 0
            else "open"
            if balance == total
            else "partial"
        )
        fates[fate] += 1
    assert all(fates[f] > 20 for f in ("open", "partial", "paid", "voided")), fates
    assert {i["SalesTermRef"]["name"] for i in invoices} == {"Due on receipt", "Net 30", "Net 60"}
    deleted = small.books.tombstones["Invoice"]
    assert len(deleted) > 20
    some = next(iter(deleted))
    with pytest.raises(QboFault):
        small.read("Invoice", some, include=set())
    cdc = small.cdc(["Invoice"], (NOW - timedelta(days=29)).isoformat())
    assert (
        any(r.get("status") == "Deleted" for r in cdc[0]["QueryResponse"][0]["Invoice"])
        or len(cdc[0]["QueryResponse"][0]["Invoice"]) == 1000
    )


def test_customers_look_real(small: RealmStore) -> None:
    customers = rows(small, "Customer")
    names = [c["DisplayName"] for c in customers]
    folded = [" ".join(n.split()).casefold() for n in names]
    assert len(set(folded)) == len(folded)
    simplified = defaultdict(list)
    for n in names:
        simplified[re.sub(r"[^a-z0-9]", "", n.casefold())].append(n)
    assert any(len(v) > 1 for v in simplified.values()), "look-alike names"
    assert any(not n.isascii() for n in names), "unicode names"
    assert any("'" in n for n in names)
    assert 0 < sum("PrimaryEmailAddr" not in c for c in customers) < len(customers) // 4
    jobs = [c for c in customers if c["Job"]]
    assert len(jobs) > 50 and any(c["Level"] == 2 for c in jobs)
    by_id = {c["Id"]: c for c in customers}
    for job in jobs:
        parent = by_id[job["ParentRef"]["value"]]
        assert job["FullyQualifiedName"] == f"{parent['FullyQualifiedName']}:{job['DisplayName']}"
        assert job["Level"] == parent.get("Level", 0) + 1
    assert any(not c["Active"] for c in customers)


def test_generated_store_accepts_writes(small: RealmStore) -> None:
    store = RealmStore("193514", lambda: NOW)
    store.load(generate("writes", "demo", NOW))
    inv = next(i for i in rows(store, "Invoice") if 0 < i["Balance"] < i["TotalAmt"])
    customer_before = store.read("Customer", inv["CustomerRef"]["value"], include=set())
    payment = store.write(
        "Payment",
        {
            "CustomerRef": inv["CustomerRef"],
            "TotalAmt": inv["Balance"],
            "Line": [
                {
                    "Amount": inv["Balance"],
                    "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}],
                }
            ],
        },
        operation=None,
        include=set(),
        request_id=None,
    )
    assert int(payment["Id"]) > max(
        int(i["Id"]) for i in rows(store, "Invoice") if i["Id"] != payment["Id"]
    )
    after = store.read("Invoice", inv["Id"], include=set())
    assert after["Balance"] == 0 and int(after["SyncToken"]) == int(inv["SyncToken"]) + 1
    customer = store.read("Customer", inv["CustomerRef"]["value"], include=set())
    assert d(customer["Balance"]) == d(customer_before["Balance"]) - d(inv["Balance"])
    new = store.write(
        "Invoice",
        {"CustomerRef": inv["CustomerRef"], "Line": inv["Line"]},
        operation=None,
        include=set(),
        request_id=None,
    )
    assert (
        int(new["DocNumber"])
        == max(int(i["DocNumber"]) for i in rows(store, "Invoice") if i["Id"] != new["Id"]) + 1
    )


@pytest.mark.slow
def test_large_builds_and_pages() -> None:
    # Build time and page latency are measured by benchmarks/sandbox.py, not asserted here.
    store = RealmStore("1", lambda: NOW)
    store.load(generate("large", "large", NOW))
    assert len(store.books.table("Customer")) == 100_000
    statement = (
        "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-06-01T00:00:00Z'"
        " ORDERBY MetaData.LastUpdatedTime STARTPOSITION {} MAXRESULTS 1000"
    )
    for start in (1, 1001, 50_001, 100_001):
        assert store.query(statement.format(start), include=set())["maxResults"] == 1000
