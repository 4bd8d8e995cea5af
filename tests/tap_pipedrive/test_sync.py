"""Full and incremental syncs emit exactly the expected records (scripted sandbox mutations)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import httpx

from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from tests.tap_pipedrive.conftest import START, PipedriveSandbox, run_tap

ENTITIES = {"organizations": "organization", "persons": "person", "deals": "deal"}
HASH = re.compile(r"^[0-9a-f]{40}$")


def test_full_sync_emits_every_record_once_with_readable_custom_fields(
    pd: PipedriveSandbox,
) -> None:
    run = run_tap()

    for stream, entity in ENTITIES.items():
        ids = run.ids(stream)
        assert Counter(ids).most_common(1)[0][1] == 1, f"{stream}: duplicates"
        assert set(ids) == pd.expected_ids(entity), stream
    for stream, entity in {"pipelines": "pipeline", "stages": "stage"}.items():
        assert sorted(run.ids(stream)) == sorted(pd.expected_ids(entity)), stream

    deals = {d["id"]: d for d in run.records["deals"]}
    month_ago = (START - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sum(1 for d in deals.values() if d["add_time"] < month_ago) > 100  # no /v1/recents
    deleted = [d for d in deals.values() if d["is_deleted"]]
    assert deleted and all(d["_sdc_deleted_at"] == d["update_time"] for d in deleted)
    assert all(d["_sdc_deleted_at"] is None for d in deals.values() if not d["is_deleted"])

    tier = pd.field_code("organization", "Customer Tier")
    credit = pd.field_code("organization", "Credit Limit")
    labels = {1: "Bronze", 2: "Silver", 3: "Gold"}
    orgs = run.records["organizations"]
    with_tier = [o for o in orgs if o["custom_fields"][tier] is not None]
    assert with_tier
    for org in orgs:
        # Raw values stay under their codes; readable keys carry labels, not option ids.
        raw = org["custom_fields"][tier]
        assert org["customer_tier"] == (labels.get(raw) if raw is not None else None)
        assert org["credit_limit"] == org["custom_fields"][credit]
        assert not [k for k in org if HASH.match(k)]  # no hash outside custom_fields

    fields = {f["field_name"]: f for f in run.records["organization_fields"]}
    assert fields["Customer Tier"]["readable_key"] == "customer_tier"
    assert fields["QuickBooks Customer ID"]["readable_key"] == "quickbooks_customer_id"
    assert fields["Name"]["readable_key"] is None  # built-in fields keep their own names

    bookmark = run.state["bookmarks"]["deals"]
    assert bookmark["replication_key_value"] == max(d["update_time"] for d in deals.values())
    assert "progress_markers" not in bookmark


def test_incremental_sync_emits_exactly_the_changes(pd: PipedriveSandbox) -> None:
    first = run_tap()
    deals = {d["id"]: d for d in first.records["deals"]}
    old_deal = min((d for d in deals.values() if not d["is_deleted"]), key=lambda d: d["add_time"])
    assert old_deal["add_time"] < (START - timedelta(days=300)).isoformat()
    gone = next(d for d in deals.values() if not d["is_deleted"] and d["id"] != old_deal["id"])
    org = first.records["organizations"][0]
    person = first.records["persons"][0]

    pd.advance(60)
    t1 = pd.now()
    pd.change("organization", org["id"], name="Renamed Org")
    pd.change("deal", old_deal["id"], value=123456)
    pd.delete("deal", gone["id"])
    new = pd.create("deal", title="Brand new", org_id=org["id"])
    pd.advance(1)
    tier = pd.field_code("organization", "Customer Tier")
    pd.change("organization", org["id"], custom_fields={tier: 3})
    pd.change("person", person["id"], name="Renamed Person")

    second = run_tap(state=first.state)
    assert second.ids("organizations") == [org["id"]]
    assert second.records["organizations"][0]["customer_tier"] == "Gold"
    assert second.records["organizations"][0]["name"] == "Renamed Org"
    assert second.ids("persons") == [person["id"]]
    assert sorted(second.ids("deals")) == sorted([old_deal["id"], gone["id"], new["id"]])
    changed = {d["id"]: d for d in second.records["deals"]}
    assert changed[gone["id"]]["_sdc_deleted_at"] == t1
    assert changed[old_deal["id"]]["value"] == 123456
    assert changed[new["id"]]["_sdc_deleted_at"] is None

    third = run_tap(state=second.state)
    assert all(not third.records[stream] for stream in ENTITIES)


def test_changes_within_the_bookmark_second_are_neither_lost_nor_repeated(
    pd: PipedriveSandbox,
) -> None:
    first = run_tap()
    x, y = first.ids("deals")[:2]
    pd.advance(30)
    pd.change("deal", x, title="x changed")
    pd.change("deal", y, title="y changed")
    second = run_tap(state=first.state)
    assert sorted(second.ids("deals")) == sorted([x, y])
    assert second.state["bookmarks"]["deals"]["replication_key_value"] == pd.now()

    # Same second, after the run: y changes again and z appears; x stays as delivered.
    pd.change("deal", y, title="y changed twice")
    z = pd.create("deal", title="z, same second")["id"]
    third = run_tap(state=second.state)
    assert sorted(third.ids("deals")) == sorted([y, z])
    assert {d["title"] for d in third.records["deals"]} == {"y changed twice", "z, same second"}

    fourth = run_tap(state=third.state)
    assert fourth.ids("deals") == []


def test_start_date_limits_the_first_run(pd: PipedriveSandbox) -> None:
    start = (START - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = run_tap({"start_date": start})
    expected = {
        d["id"]
        for d in pd.rows("deal")
        if not d["is_archived"] and d["update_time"].strftime("%Y-%m-%dT%H:%M:%SZ") >= start
    }
    assert set(run.ids("deals")) == expected
    assert all(d["update_time"] >= start for d in run.records["deals"])


def test_archived_deals_come_from_their_own_partition_when_asked_for(
    pd: PipedriveSandbox,
) -> None:
    config = {"include_archived_deals": True}
    first = run_tap(config)
    rows = pd.rows("deal")
    assert any(r["is_archived"] for r in rows)
    assert sorted(first.ids("deals")) == sorted(r["id"] for r in rows)  # live + archived
    assert pd.tokens()["by_operation"]["GET /api/v2/deals/archived"] == 20

    live = next(d for d in first.records["deals"] if not d["is_archived"] and not d["is_deleted"])
    pd.advance(10)
    pd.change("deal", live["id"], is_archived=True, archive_time=pd.now())
    second = run_tap(config, state=first.state)
    assert second.ids("deals") == [live["id"]]
    assert second.records["deals"][0]["is_archived"] is True
    partitions = second.state["bookmarks"]["deals"]["partitions"]
    assert {p["context"]["is_archived"] for p in partitions} == {False, True}


def test_a_field_defined_after_discovery_waits_for_the_next_discovery(
    pd: PipedriveSandbox,
) -> None:
    first = run_tap()
    assert first.tap is not None
    catalog = first.tap.catalog_dict
    org = first.records["organizations"][0]
    created = httpx.post(
        f"{pd.url}/api/v2/organizationFields",
        json={"field_name": "Region", "field_type": "enum", "options": [{"label": "EMEA"}]},
        headers={"x-api-token": DEFAULT_API_TOKEN},
    ).json()["data"]
    code, option = created["field_code"], created["options"][0]["id"]
    pd.advance(5)
    pd.change("organization", org["id"], custom_fields={code: option})

    # The catalog of the last discovery has no "region" column: the value stays in the raw
    # custom_fields, the sync goes on, and the field list already shows its readable key.
    old = run_tap(state=first.state, catalog=catalog)
    [record] = old.records["organizations"]
    assert record["custom_fields"][code] == option and "region" not in record
    fields = {f["field_code"]: f for f in old.records["organization_fields"]}
    assert fields[code]["readable_key"] == "region"

    rediscovered = run_tap(state=first.state)
    assert rediscovered.records["organizations"][0]["region"] == "EMEA"
