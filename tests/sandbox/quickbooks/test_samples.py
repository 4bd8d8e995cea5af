"""Replay the recorded sandbox records: they must round-trip key for key through the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ledgerlink_sandbox.quickbooks.generator import generate
from ledgerlink_sandbox.quickbooks.store import RealmStore
from ledgerlink_sandbox.reference import reference_dir

SAMPLES = reference_dir() / "quickbooks-samples"
NOW = datetime(2023, 2, 18, 21, 0, tzinfo=UTC)
# Values that legitimately differ after replay: ids, versions, times, derived balances.
VOLATILE = {
    "Id",
    "SyncToken",
    "MetaData",
    "ParentRef",
    "CustomerRef",
    "ItemRef",
    "TxnId",
    "Balance",
    "BalanceWithJobs",
}


def load(name: str) -> list[dict[str, Any]]:
    return list(json.loads((SAMPLES / name).read_text()))


def strip(value: Any) -> Any:
    """Drop volatile values but keep the keys (their order is part of the comparison)."""
    if isinstance(value, dict):
        return {k: "*" if k in VOLATILE else strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def same(got: dict[str, Any], recorded: dict[str, Any]) -> None:
    assert list(got) == list(recorded)
    assert strip(got) == strip(recorded)


def write(store: RealmStore, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    return store.write(entity, body, operation=None, include=set(), request_id=None)


@pytest.fixture(scope="module")
def replay() -> dict[str, Any]:
    store = RealmStore("9341455649204247", lambda: NOW)
    customers = {c["Id"]: c for c in load("customers.sandbox.json")}
    ids: dict[str, str] = {}
    for old in ("7", "8", "17", "3"):  # parents first
        body = dict(customers[old])
        if "ParentRef" in body:
            body["ParentRef"] = {"value": ids[body["ParentRef"]["value"]]}
        ids[old] = write(store, "Customer", {k: v for k, v in body.items() if k != "Id"})["Id"]
    invoices = {i["Id"]: i for i in load("invoices.sandbox.json")}
    items: dict[str, str] = {}
    for inv in invoices.values():
        for line in inv["Line"]:
            ref = line.get("SalesItemLineDetail", {}).get("ItemRef")
            if ref and ref["value"] not in items:
                items[ref["value"]] = write(store, "Item", {"Name": ref["name"], "Taxable": True})[
                    "Id"
                ]
    # Customer 24 of invoice 130 is not among the recorded customers: create a stand-in.
    ids["24"] = write(store, "Customer", {"DisplayName": "Sonnenschein Family Store"})["Id"]
    created: dict[str, dict[str, Any]] = {}
    for old, inv in invoices.items():
        body = json.loads(json.dumps(inv))
        body.pop("Id")
        body["CustomerRef"]["value"] = ids[body["CustomerRef"]["value"]]
        body["LinkedTxn"] = [t for t in body["LinkedTxn"] if t["TxnType"] != "Payment"]
        for line in body["Line"]:
            if "SalesItemLineDetail" in line:
                ref = line["SalesItemLineDetail"]["ItemRef"]
                ref["value"] = items[ref["value"]]
        created[old] = write(store, "Invoice", body)
    paid = created["12"]  # invoice 12 was settled by payments 61 (694.00) then 120
    for amount in (694.0, 1675.52):
        write(
            store,
            "Payment",
            {
                "CustomerRef": paid["CustomerRef"],
                "TotalAmt": amount,
                "Line": [
                    {"Amount": amount, "LinkedTxn": [{"TxnId": paid["Id"], "TxnType": "Invoice"}]}
                ],
            },
        )
    return {
        "store": store,
        "customers": customers,
        "ids": ids,
        "invoices": invoices,
        "created": created,
    }


def test_customers_round_trip(replay: dict[str, Any]) -> None:
    store = replay["store"]
    for old, new in replay["ids"].items():
        if old not in replay["customers"]:
            continue
        got = store.read("customer", new, include=set())
        same(got, replay["customers"][old])
        text = f"SELECT * FROM Customer WHERE Id = '{new}'"  # noqa: S608 - QBO query, no SQL
        queried = store.query(text, include=set())
        assert queried["Customer"] == [got]


def test_invoices_round_trip(replay: dict[str, Any]) -> None:
    store = replay["store"]
    for old, recorded in replay["invoices"].items():
        new = replay["created"][old]["Id"]
        got = store.read("invoice", new, include=set())
        same(got, recorded)
        assert got["TotalAmt"] == recorded["TotalAmt"] and got["Balance"] == recorded["Balance"]
        assert got["TxnTaxDetail"] == recorded["TxnTaxDetail"]
        text = f"select * from invoice where id in ('{new}')"  # noqa: S608 - QBO query, no SQL
        queried = store.query(text, include=set())
        assert queried == {"Invoice": [got], "startPosition": 1, "maxResults": 1}
    paid = store.read("invoice", replay["created"]["12"]["Id"], include=set())
    assert [t["TxnType"] for t in paid["LinkedTxn"]] == ["Payment", "Payment"]
    assert int(paid["LinkedTxn"][0]["TxnId"]) > int(paid["LinkedTxn"][1]["TxnId"])


def test_derived_balances_match_recording(replay: dict[str, Any]) -> None:
    store = replay["store"]
    mark = store.read("customer", replay["ids"]["17"], include=set())
    assert mark["Balance"] == mark["BalanceWithJobs"] == 314.28  # recorded values
    cool_cars = store.read("customer", replay["ids"]["3"], include=set())
    assert cool_cars["Balance"] == 0 and cool_cars["SyncToken"] == "0"


def key_order_ok(generated: dict[str, Any], recorded: list[dict[str, Any]]) -> None:
    """Keys shared with each recording appear in that recording's order."""
    for r in recorded:
        order = list(r)
        shared = [k for k in generated if k in r]
        assert shared == sorted(shared, key=order.index)


def test_generated_records_have_the_recorded_structure() -> None:
    data = generate("shape", "demo", NOW)
    customers = load("customers.sandbox.json")
    invoices = load("invoices.sandbox.json")
    allowed = {k for c in customers for k in c} | {"SalesTermRef"}
    for c in data.records["Customer"]:
        assert set(c) <= allowed, set(c) - allowed
        key_order_ok(c, customers)
    allowed = {k for i in invoices for k in i} | {"PrivateNote"}
    line_keys = {k for i in invoices for line in i["Line"] for k in line}
    for inv in data.records["Invoice"]:
        assert set(inv) <= allowed, set(inv) - allowed
        key_order_ok(inv, invoices)
        for line in inv["Line"]:
            assert set(line) <= line_keys
        assert set(inv["TxnTaxDetail"]) <= set(invoices[0]["TxnTaxDetail"])
    assert {k for c in data.records["Customer"] for k in c} >= {k for k in customers[2]}
