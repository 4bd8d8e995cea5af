"""QBO writes: validation faults, SyncToken, sparse/full update, void/delete, side effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledgerlink_sandbox.quickbooks.store import QboFault, RealmStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 60) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> RealmStore:
    return RealmStore("4620816365201690220", clock)


def w(
    store: RealmStore,
    entity: str,
    body: dict[str, Any],
    operation: str | None = None,
    include: set[str] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    return store.write(
        entity, body, operation=operation, include=include or set(), request_id=request_id
    )


def fails(code: str, fn: Any, *args: Any, **kwargs: Any) -> QboFault:
    with pytest.raises(QboFault) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.detail
    return info.value


@pytest.fixture
def books(store: RealmStore, clock: Clock) -> dict[str, Any]:
    item = w(store, "Item", {"Name": "Sod", "UnitPrice": 35, "Taxable": True})
    parent = w(
        store,
        "Customer",
        {
            "DisplayName": "Freeman Sporting Goods",
            "GivenName": "Kirby",
            "FamilyName": "Freeman",
            "CompanyName": "Freeman Sporting Goods",
            "PrimaryEmailAddr": {"Address": "s@g.com"},
            "BillAddr": {
                "Line1": "370 Easy St.",
                "City": "Middlefield",
                "CountrySubDivisionCode": "CA",
                "PostalCode": "94482",
            },
        },
    )
    job = w(
        store,
        "Customer",
        {"DisplayName": "0969 Ocean View Road", "ParentRef": {"value": parent["Id"]}},
    )
    clock.tick()
    return {"item": item, "parent": parent, "job": job}


def invoice_body(customer: dict[str, Any], item: dict[str, Any], qty: int = 2) -> dict[str, Any]:
    return {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            {
                "Amount": 35 * qty,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": item["Id"]},
                    "Qty": qty,
                    "UnitPrice": 35,
                },
            }
        ],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}},
    }


def pay(store: RealmStore, invoice: dict[str, Any], amount: float) -> dict[str, Any]:
    return w(
        store,
        "Payment",
        {
            "CustomerRef": invoice["CustomerRef"],
            "TotalAmt": amount,
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )


def test_customer_job_shape(books: dict[str, Any]) -> None:
    job, parent = books["job"], books["parent"]
    assert job["Job"] is True and job["Level"] == 1 and job["ParentRef"] == {"value": parent["Id"]}
    assert job["FullyQualifiedName"] == "Freeman Sporting Goods:0969 Ocean View Road"
    assert parent["Job"] is False and "Level" not in parent and "ParentRef" not in parent
    assert parent["SyncToken"] == "0" and parent["domain"] == "QBO" and parent["sparse"] is False
    assert parent["MetaData"]["CreateTime"] == "2026-03-01T09:00:00-08:00"
    assert parent["BillAddr"]["Id"] and None not in parent.values()


def test_ids_share_sequences(store: RealmStore, books: dict[str, Any]) -> None:
    vendor = w(store, "Vendor", {"DisplayName": "Smith Family Store"})
    assert int(vendor["Id"]) == int(books["job"]["Id"]) + 1  # Customer/Vendor/Employee
    inv = w(store, "Invoice", invoice_body(books["job"], books["item"]))
    payment = pay(store, inv, 10)
    assert int(payment["Id"]) == int(inv["Id"]) + 1  # transactions share one sequence
    assert books["item"]["Id"] == "1"  # items have their own


def test_invoice_create_derives_fields(store: RealmStore, books: dict[str, Any]) -> None:
    inv = w(store, "Invoice", invoice_body(books["parent"], books["item"]))
    assert inv["DocNumber"] == "1001" and inv["SyncToken"] == "0"
    assert inv["SalesTermRef"] == {"value": "3", "name": "Net 30"}
    assert (inv["TxnDate"], inv["DueDate"]) == ("2026-03-01", "2026-03-31")
    assert inv["TotalAmt"] == 75.6 and inv["Balance"] == 75.6 and inv["LinkedTxn"] == []
    assert inv["TxnTaxDetail"]["TotalTax"] == 5.6
    assert inv["Line"][-1] == {
        "Amount": 70.0,
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    assert inv["BillAddr"]["Line1"] == "Kirby Freeman"
    assert inv["BillEmail"] == {"Address": "s@g.com"}
    assert "InvoiceLink" not in inv
    customer = store.read("customer", books["parent"]["Id"], include=set())
    assert customer["Balance"] == 75.6 and customer["SyncToken"] == "0"
    assert customer["MetaData"]["LastUpdatedTime"] == inv["MetaData"]["LastUpdatedTime"]


def test_invoice_link_only_when_requested_and_payable(
    store: RealmStore, books: dict[str, Any]
) -> None:
    body = {**invoice_body(books["parent"], books["item"]), "AllowOnlinePayment": True}
    inv = w(store, "Invoice", body)
    assert "InvoiceLink" not in store.read("invoice", inv["Id"], include=set())
    linked = store.read("invoice", inv["Id"], include={"invoiceLink"})
    assert linked["InvoiceLink"].startswith("https://connect.intuit.com/portal/app/")
    plain = w(store, "Invoice", invoice_body(books["parent"], books["item"]))
    assert "InvoiceLink" not in store.read("invoice", plain["Id"], include={"invoiceLink"})


def test_required_fields_and_lengths(store: RealmStore, books: dict[str, Any]) -> None:
    body = invoice_body(books["parent"], books["item"])
    fails("2020", w, store, "Invoice", {"Line": body["Line"]})
    fails("2020", w, store, "Invoice", {"CustomerRef": body["CustomerRef"], "Line": []})
    fails("2050", w, store, "Invoice", {**body, "DocNumber": "X" * 22})
    fails("610", w, store, "Invoice", {**body, "CustomerRef": {"value": "999"}})
    fails("610", store.read, "Invoice", "424242", include=set())


def test_doc_number_uniqueness(store: RealmStore, books: dict[str, Any]) -> None:
    body = {**invoice_body(books["parent"], books["item"]), "DocNumber": "A-1"}
    first = w(store, "Invoice", body)
    f = fails("6140", w, store, "Invoice", body)
    assert f"TxnId={first['Id']}" in f.detail
    dup = w(store, "Invoice", body, include={"allowduplicatedocnum"})
    assert dup["DocNumber"] == "A-1"


def test_display_name_unique_across_parties(store: RealmStore, books: dict[str, Any]) -> None:
    fails("6240", w, store, "Vendor", {"DisplayName": "freeman  sporting goods"})
    fails("6240", w, store, "Employee", {"DisplayName": "0969 Ocean View Road"})
    assert w(store, "Customer", {"DisplayName": "Freeman Sporting Goods."})["Id"]


def test_sync_token_and_stale_object(
    store: RealmStore, books: dict[str, Any], clock: Clock
) -> None:
    parent = books["parent"]
    updated = w(
        store, "Customer", {"Id": parent["Id"], "SyncToken": "0", "sparse": True, "Notes": "VIP"}
    )
    assert updated["SyncToken"] == "1" and updated["GivenName"] == "Kirby"
    f = fails(
        "5010",
        w,
        store,
        "Customer",
        {"Id": parent["Id"], "SyncToken": "0", "sparse": True, "Notes": "again"},
    )
    assert f.detail.startswith("Stale Object Error : You and root were working on this")
    full = w(
        store,
        "Customer",
        {"Id": parent["Id"], "SyncToken": "1", "DisplayName": "Freeman Sporting Goods"},
    )
    assert "GivenName" not in full and "Notes" not in full  # full update clears omitted fields
    assert full["SyncToken"] == "2"
    job = store.read("Customer", books["job"]["Id"], include=set())
    assert job["FullyQualifiedName"] == "Freeman Sporting Goods:0969 Ocean View Road"


def test_sparse_update_replaces_lines(store: RealmStore, books: dict[str, Any]) -> None:
    inv = w(store, "Invoice", invoice_body(books["parent"], books["item"], qty=3))
    item2 = w(store, "Item", {"Name": "Soil", "UnitPrice": 10})
    new = w(
        store,
        "Invoice",
        {
            "Id": inv["Id"],
            "SyncToken": "0",
            "sparse": True,
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": item2["Id"]}, "Qty": 1},
                }
            ],
        },
    )
    assert [line.get("Amount") for line in new["Line"]] == [10.0, 10.0]
    assert new["TotalAmt"] == 10.0 and new["CustomerMemo"] == inv["CustomerMemo"]


def test_payment_side_effects(store: RealmStore, books: dict[str, Any], clock: Clock) -> None:
    inv = w(store, "Invoice", invoice_body(books["job"], books["item"]))
    clock.tick(3600)
    payment = pay(store, inv, 50)
    line_ex = {p["value"]["Name"]: p["value"]["Value"] for p in payment["Line"][0]["LineEx"]["any"]}
    assert line_ex == {
        "txnId": inv["Id"],
        "txnOpenBalance": "75.6",
        "txnReferenceNumber": inv["DocNumber"],
    }
    after = store.read("Invoice", inv["Id"], include=set())
    assert after["Balance"] == 25.6 and after["SyncToken"] == "1"
    assert after["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert after["MetaData"]["LastUpdatedTime"] == payment["MetaData"]["LastUpdatedTime"]
    job = store.read("Customer", books["job"]["Id"], include=set())
    parent = store.read("Customer", books["parent"]["Id"], include=set())
    assert (job["Balance"], job["BalanceWithJobs"], job["SyncToken"]) == (25.6, 25.6, "0")
    assert (parent["Balance"], parent["BalanceWithJobs"], parent["SyncToken"]) == (0, 25.6, "0")
    assert parent["MetaData"]["LastUpdatedTime"] == payment["MetaData"]["LastUpdatedTime"]
    fails("6000", pay, store, after, 30)  # more than the open balance
    clock.tick()
    w(store, "Payment", {"Id": payment["Id"], "SyncToken": "0"}, operation="delete")
    reopened = store.read("Invoice", inv["Id"], include=set())
    assert reopened["Balance"] == 75.6 and reopened["SyncToken"] == "2"
    assert reopened["LinkedTxn"] == []
    assert store.read("Customer", books["parent"]["Id"], include=set())["BalanceWithJobs"] == 75.6


def test_void_invoice_and_payment(store: RealmStore, books: dict[str, Any], clock: Clock) -> None:
    inv = w(
        store, "Invoice", {**invoice_body(books["parent"], books["item"]), "PrivateNote": "rush"}
    )
    payment = pay(store, inv, 20)
    clock.tick()
    voided = w(
        store,
        "Payment",
        {"Id": payment["Id"], "SyncToken": "0", "sparse": True},
        operation="update",
        include={"void"},
    )
    assert (voided["TotalAmt"], voided["Line"], voided["PrivateNote"]) == (0, [], "Voided")
    current = store.read("Invoice", inv["Id"], include=set())
    assert current["Balance"] == 75.6 and current["SyncToken"] == "2"
    v = w(store, "Invoice", {"Id": inv["Id"], "SyncToken": "2"}, operation="void")
    assert (v["TotalAmt"], v["Balance"], v["SyncToken"]) == (0, 0, "3")
    assert v["PrivateNote"] == "Voided - rush"
    assert all(line["Amount"] == 0 for line in v["Line"])
    assert store.read("Customer", books["parent"]["Id"], include=set())["Balance"] == 0
    assert store.changes_since(0)[-2].operation == "Void"


def test_delete_transactions_only(store: RealmStore, books: dict[str, Any]) -> None:
    inv = w(store, "Invoice", invoice_body(books["parent"], books["item"]))
    fails("5010", w, store, "Invoice", {"Id": inv["Id"], "SyncToken": "7"}, operation="delete")
    gone = w(store, "Invoice", {"Id": inv["Id"], "SyncToken": "0"}, operation="delete")
    assert gone == {"status": "Deleted", "domain": "QBO", "Id": inv["Id"]}
    fails("610", store.read, "Invoice", inv["Id"], include=set())
    assert store.read("Customer", books["parent"]["Id"], include=set())["Balance"] == 0
    fails(
        "500",
        w,
        store,
        "Customer",
        {"Id": books["job"]["Id"], "SyncToken": "0"},
        operation="delete",
    )


def test_deactivating_customer_with_balance_fails(store: RealmStore, books: dict[str, Any]) -> None:
    w(store, "Invoice", invoice_body(books["job"], books["item"]))
    job = store.read("Customer", books["job"]["Id"], include=set())
    f = fails(
        "6250",
        w,
        store,
        "Customer",
        {"Id": job["Id"], "SyncToken": job["SyncToken"], "sparse": True, "Active": False},
    )
    assert f.message == "Delete List Has Balance Error"
    other = w(store, "Customer", {"DisplayName": "Idle Co"})
    off = w(
        store, "Customer", {"Id": other["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert off["Active"] is False


def test_request_id_replays_the_first_answer(store: RealmStore, books: dict[str, Any]) -> None:
    body = invoice_body(books["parent"], books["item"])
    first = w(store, "Invoice", body, request_id="req-1")
    again = w(store, "Invoice", body, request_id="req-1")
    assert again == first
    assert store.query("SELECT COUNT(*) FROM Invoice", include=set()) == {"totalCount": 1}
    bad = {**body, "DocNumber": "Y" * 30}
    fails("2050", w, store, "Invoice", bad, request_id="req-2")
    fails("2050", w, store, "Invoice", body, request_id="req-2")  # replayed fault


def test_batch(store: RealmStore, books: dict[str, Any]) -> None:
    inv = w(store, "Invoice", invoice_body(books["parent"], books["item"]))
    items: list[dict[str, Any]] = [
        {"bId": "bid1", "operation": "create", "Vendor": {"DisplayName": "Freeman Sporting Goods"}},
        {"bId": "bid2", "operation": "delete", "Invoice": {"Id": "999", "SyncToken": "0"}},
        {
            "bId": "bid3",
            "operation": "update",
            "Customer": {"Id": books["parent"]["Id"], "SyncToken": "9", "sparse": True},
        },
        {"bId": "bid4", "Query": "select * from Invoice where TotalAmt > '50.00'"},
        {"bId": "bid5", "Query": "select * from Invoice where TotalAmt > '5000.00'"},
        {
            "bId": "bid6",
            "operation": "update",
            "optionsData": "void",
            "Invoice": {"Id": inv["Id"], "SyncToken": "0"},
        },
        {"bId": "bid7", "operation": "create", "Vendor": {"DisplayName": "New Vendor"}},
    ]
    out = store.batch(items, request_id=None)
    assert [r["bId"] for r in out] == [i["bId"] for i in items]
    assert [r["Fault"]["Error"][0]["code"] for r in out[:3]] == ["6240", "610", "5010"]
    assert out[3]["QueryResponse"]["Invoice"][0]["Id"] == inv["Id"]
    assert out[4] == {"bId": "bid5", "QueryResponse": {}}
    assert out[5]["Invoice"]["PrivateNote"] == "Voided"
    assert out[6]["Vendor"]["DisplayName"] == "New Vendor"
    many = [{"bId": str(i), "Query": "select * from Term"} for i in range(31)]
    f = fails("2010", store.batch, many, request_id=None)
    assert f.status == 400
    assert len(store.batch(many[:30], request_id=None)) == 30


def test_invoice_pdf_is_a_pdf(store: RealmStore, books: dict[str, Any]) -> None:
    inv = w(store, "Invoice", invoice_body(books["parent"], books["item"]))
    pdf = store.invoice_pdf(inv["Id"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref")
    assert b"INVOICE 1001" in pdf


def test_company_info_and_preferences(store: RealmStore) -> None:
    info = store.read("companyinfo", store.realm_id, include=set())
    assert info["CompanyAddr"]["Country"] == "USA" and "Lat" not in info["CompanyAddr"]
    prefs = store.preferences()
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is False
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    terms = store.query("SELECT * FROM Term ORDERBY Id", include=set())["Term"]
    assert [(t["Id"], t["Name"]) for t in terms] == [
        ("1", "Due on receipt"),
        ("2", "Net 15"),
        ("3", "Net 30"),
        ("4", "Net 60"),
        ("5", "Net 10"),
    ]
