"""QBO Change Data Capture: grouping, tombstones, cap modes, the 30-day window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledgerlink_sandbox.quickbooks.store import QboFault, RealmStore

START = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def w(store: RealmStore, entity: str, body: dict[str, Any], operation: str | None = None) -> Any:
    return store.write(entity, body, operation=operation, include=set(), request_id=None)


Churn = tuple[str, list[dict[str, Any]], list[dict[str, Any]]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> RealmStore:
    s = RealmStore("123145", clock)
    w(s, "Item", {"Name": "Sod", "UnitPrice": 35})
    return s


def add_customers(store: RealmStore, clock: Clock, count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        clock.now += timedelta(seconds=1)
        out.append(w(store, "Customer", {"DisplayName": f"Customer {i:04d}"}))
    return out


def add_invoices(
    store: RealmStore, clock: Clock, customer: dict[str, Any], count: int
) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        clock.now += timedelta(seconds=1)
        out.append(
            w(
                store,
                "Invoice",
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "Line": [
                        {
                            "Amount": 35,
                            "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1},
                        }
                    ],
                },
            )
        )
    return out


def groups(result: list[Any]) -> dict[str, list[dict[str, Any]]]:
    return {k: v for g in result[0]["QueryResponse"] for k, v in g.items() if isinstance(v, list)}


def test_no_changes_shape(store: RealmStore, clock: Clock) -> None:
    clock.now += timedelta(hours=1)
    assert store.cdc(["Customer", "Invoice"], clock.now.isoformat()) == [{"QueryResponse": [{}]}]


def test_groups_actives_then_tombstones(store: RealmStore, clock: Clock) -> None:
    since = (clock.now + timedelta(seconds=1)).isoformat()
    [customer] = add_customers(store, clock, 1)
    invoices = add_invoices(store, clock, customer, 3)
    clock.now += timedelta(minutes=1)
    w(store, "Invoice", {"Id": invoices[0]["Id"], "SyncToken": "0"}, operation="delete")
    result = store.cdc(["invoice", "customer", "Payment"], since)
    got = groups(result)
    assert list(got) == ["Invoice", "Customer"]  # request order, unchanged entities omitted
    tomb = got["Invoice"][-1]
    assert tomb == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": invoices[0]["Id"],
        "MetaData": {"LastUpdatedTime": "2026-03-01T09:01:04-08:00"},
    }
    assert [r["Id"] for r in got["Invoice"][:-1]] == [i["Id"] for i in invoices[1:]]
    group = result[0]["QueryResponse"][0]
    assert group["startPosition"] == 1 and group["maxResults"] == 3
    # The customer changed last (balance refresh on delete) and comes back in full.
    assert got["Customer"][0]["DisplayName"] == "Customer 0000"


def test_date_only_and_offset_changed_since(store: RealmStore, clock: Clock) -> None:
    add_customers(store, clock, 2)
    by_date = store.cdc(["Customer"], "2026-03-01")
    by_time = store.cdc(["Customer"], "2026-03-01T00:00:00-08:00")
    assert by_date == by_time and len(groups(by_date)["Customer"]) == 2


def test_thirty_day_window(store: RealmStore, clock: Clock) -> None:
    since = clock.now.isoformat()
    assert store.cdc(["Customer"], since) == [{"QueryResponse": [{}]}]
    clock.now += timedelta(days=30, seconds=1)
    with pytest.raises(QboFault) as info:
        store.cdc(["Customer"], since)
    fault = info.value
    assert fault.status == 400 and fault.type == "ValidationFault"
    assert fault.detail == (
        "Operation cdc with changedSince date {date} which is older than "
        "fixed days is not supported."
    )
    store.settings.cdc_fill_date_in_error = True
    with pytest.raises(QboFault) as info:
        store.cdc(["Customer"], since)
    assert since in info.value.detail


def test_unsupported_entities_are_rejected(store: RealmStore, clock: Clock) -> None:
    for name in ("TaxCode", "JournalCode", "NoSuchThing"):
        with pytest.raises(QboFault):
            store.cdc([name], clock.now.isoformat())
    assert store.cdc(["Estimate"], clock.now.isoformat()) == [{"QueryResponse": [{}]}]


@pytest.fixture
def churn(store: RealmStore, clock: Clock) -> Churn:
    """6 customers, 6 invoices, then 3 invoices deleted: 6 + 3 actives and 3 tombstones."""
    since = (clock.now + timedelta(seconds=1)).isoformat()
    customers = add_customers(store, clock, 6)
    invoices = add_invoices(store, clock, customers[0], 6)
    for inv in invoices[:3]:
        clock.now += timedelta(seconds=1)
        w(store, "Invoice", {"Id": inv["Id"], "SyncToken": "0"}, operation="delete")
    return since, customers, invoices


def test_cap_per_request_keeps_earliest_and_drops_deletes_first(
    store: RealmStore, churn: Churn
) -> None:
    since, customers, invoices = churn
    store.settings.cdc_cap = 10
    got = groups(store.cdc(["Customer", "Invoice"], since))
    # Actives: customers 1..5 then invoices 4..6 then customer 0 (bumped by every delete).
    assert len(got["Customer"]) + len(got["Invoice"]) == 10
    assert [r["Id"] for r in got["Invoice"]] == [i["Id"] for i in invoices[3:]] + [
        invoices[0]["Id"]
    ]
    assert got["Invoice"][-1]["status"] == "Deleted"  # only one tombstone fits
    store.settings.cdc_cap = 5
    got = groups(store.cdc(["Customer", "Invoice"], since))
    assert list(got) == ["Customer"]
    assert [r["Id"] for r in got["Customer"]] == [c["Id"] for c in customers[1:]]


def test_cap_per_entity(store: RealmStore, churn: Churn) -> None:
    since, _, _ = churn
    store.settings.cdc_cap = 4
    store.settings.cdc_cap_mode = "per_entity"
    got = groups(store.cdc(["Customer", "Invoice"], since))
    assert len(got["Customer"]) == 4 and len(got["Invoice"]) == 4
    assert [r.get("status") for r in got["Invoice"]] == [None, None, None, "Deleted"]


def test_change_log_feeds_webhooks(store: RealmStore, clock: Clock) -> None:
    mark = store.changes_since(0)[-1].seq
    [customer] = add_customers(store, clock, 1)
    [inv] = add_invoices(store, clock, customer, 1)
    changes = store.changes_since(mark)
    assert [(c.entity, c.operation) for c in changes] == [
        ("Customer", "Create"),
        ("Invoice", "Create"),
        ("Customer", "Update"),
    ]
    assert [c.seq for c in changes] == list(range(mark + 1, mark + 4))
    assert changes[1].id == inv["Id"] and changes[1].at == clock.now
