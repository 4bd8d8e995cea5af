"""v2 list semantics: keyset cursor under concurrent changes, updated_since, sorting, statuses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.pipedrive.harness import Harness


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset(data=True)


def page(pd: Harness, path: str, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    response = pd.api.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["data"], body["additional_data"]["next_cursor"]


def test_cursor_by_id_sees_new_records_and_skips_none(pd: Harness) -> None:
    before = {o["id"] for o in pd.state.store.rows("organization") if not o["is_deleted"]}
    first, cursor = page(pd, "/api/v2/organizations", limit=10)
    # Between pages: one new org, one unseen org renamed, one unseen org deleted.
    created = pd.api.post("/api/v2/organizations", json={"name": "Mid-scan Co"}).json()["data"]
    unseen = sorted(before - {o["id"] for o in first})
    pd.admin.patch(f"/_sandbox/records/organization/{unseen[0]}", json={"name": "Renamed Mid"})
    pd.admin.delete(f"/_sandbox/records/organization/{unseen[1]}")
    seen = [o["id"] for o in first]
    while cursor:
        items, cursor = page(pd, "/api/v2/organizations", limit=10, cursor=cursor)
        seen += [o["id"] for o in items]
    assert len(seen) == len(set(seen)), "no duplicates when sorting by id"
    assert set(seen) == (before | {created["id"]}) - {unseen[1]}


def test_cursor_by_update_time_returns_an_updated_record_again(pd: Harness) -> None:
    first, cursor = page(pd, "/api/v2/organizations", limit=5, sort_by="update_time")
    pd.advance(60)
    touched = first[0]["id"]
    pd.api.patch(f"/api/v2/organizations/{touched}", json={"website": "https://moved.test"})
    seen = [o["id"] for o in first]
    while cursor:
        items, cursor = page(
            pd, "/api/v2/organizations", limit=5, sort_by="update_time", cursor=cursor
        )
        seen += [o["id"] for o in items]
    # Keyset on (update_time, id): the edited record moved behind the cursor and comes again;
    # every other record exactly once.
    assert seen.count(touched) == 2
    assert all(seen.count(i) == 1 for i in set(seen) - {touched})


def test_descending_scan_misses_a_record_updated_mid_scan(pd: Harness) -> None:
    first, cursor = page(
        pd, "/api/v2/organizations", limit=5, sort_by="update_time", sort_direction="desc"
    )
    rest_ids = []
    later, _ = page(
        pd,
        "/api/v2/organizations",
        limit=500,
        sort_by="update_time",
        sort_direction="desc",
        cursor=cursor,
    )
    victim = later[3]["id"]
    pd.advance(60)
    pd.api.patch(f"/api/v2/organizations/{victim}", json={"website": "https://x.test"})
    while cursor:
        items, cursor = page(
            pd,
            "/api/v2/organizations",
            limit=5,
            sort_by="update_time",
            sort_direction="desc",
            cursor=cursor,
        )
        rest_ids += [o["id"] for o in items]
    assert victim not in rest_ids and victim not in [o["id"] for o in first]


def test_updated_since_is_inclusive_and_until_exclusive(pd: Harness) -> None:
    org = pd.api.post("/api/v2/organizations", json={"name": "Boundary"}).json()["data"]
    stamp = org["update_time"]
    items, _ = page(pd, "/api/v2/organizations", updated_since=stamp, limit=500)
    assert org["id"] in [o["id"] for o in items]
    items, _ = page(pd, "/api/v2/organizations", updated_until=stamp, limit=500)
    assert org["id"] not in [o["id"] for o in items]
    fractional = pd.api.get("/api/v2/organizations", params={"updated_since": stamp[:-1] + ".5Z"})
    assert fractional.status_code == 400
    assert fractional.json()["code"] == "ERR_SCHEMA_VALIDATION_FAILED"


def test_limit_default_max_and_the_above_max_setting(pd: Harness) -> None:
    pd.reset(data=False)
    for n in range(105 - len(pd.state.store.rows("organization"))):
        pd.admin.post("/_sandbox/records/organization", json={"name": f"Filler {n}"})
    items, cursor = page(pd, "/api/v2/organizations")
    assert len(items) == 100 and cursor
    assert pd.api.get("/api/v2/organizations", params={"limit": 501}).status_code == 400
    pd.settings(limit_above_max="clamp")
    items, _ = page(pd, "/api/v2/organizations", limit=501)
    assert len(items) == len(
        [o for o in pd.state.store.rows("organization") if not o["is_deleted"]]
    )


def test_deals_status_filter_includes_deleted_only_when_asked(pd: Harness) -> None:
    everything, _ = page(pd, "/api/v2/deals", limit=500)
    assert everything and not any(d["is_deleted"] for d in everything)
    deleted, _ = page(pd, "/api/v2/deals", status="deleted", limit=500)
    assert deleted and all(d["is_deleted"] for d in deleted)
    mixed, _ = page(pd, "/api/v2/deals", status="open,won,lost,deleted", limit=500)
    assert len(mixed) == len(everything) + len(deleted)
    won, _ = page(pd, "/api/v2/deals", status="won", limit=500)
    assert won and all(d["status"] == "won" and not d["is_deleted"] for d in won)
    archived, _ = page(pd, "/api/v2/deals/archived", limit=500)
    assert all(d["is_archived"] for d in archived)
    assert not {d["id"] for d in archived} & {d["id"] for d in everything}


def test_deleted_deals_vanish_after_thirty_days(pd: Harness) -> None:
    deal = pd.api.post("/api/v2/deals", json={"title": "Short-lived"}).json()["data"]
    pd.api.delete(f"/api/v2/deals/{deal['id']}")
    deleted, _ = page(pd, "/api/v2/deals", status="deleted", limit=500)
    assert deal["id"] in [d["id"] for d in deleted]
    pd.advance(31 * 86_400)
    deleted, _ = page(pd, "/api/v2/deals", status="deleted", limit=500)
    assert deal["id"] not in [d["id"] for d in deleted]
    assert pd.api.get(f"/api/v2/deals/{deal['id']}").status_code == 404


def test_custom_fields_filter_and_option_labels(pd: Harness) -> None:
    tier = pd.field("organization", "Customer Tier")
    items, _ = page(
        pd, "/api/v2/organizations", custom_fields=tier, include_option_labels="true", limit=500
    )
    assert all(set(o["custom_fields"]) == {tier} for o in items)
    labelled = [o["custom_fields"][tier] for o in items if o["custom_fields"][tier]]
    assert labelled and all({"id", "label"} == set(v) for v in labelled)
    too_many = ",".join(f"{n:040x}" for n in range(16))
    assert (
        pd.api.get("/api/v2/organizations", params={"custom_fields": too_many}).status_code == 400
    )


def test_stages_sort_by_their_order_in_the_pipeline(pd: Harness) -> None:
    # The v2 spec's sort_by enum for /stages adds order_nr to id, update_time and add_time.
    first, cursor = page(pd, "/api/v2/stages", limit=3, sort_by="order_nr")
    rest, end = page(pd, "/api/v2/stages", limit=10, sort_by="order_nr", cursor=cursor)
    stages = first + rest
    assert end is None and len(stages) == len(pd.state.store.rows("stage"))
    assert [(s["order_nr"], s["id"]) for s in stages] == sorted(
        (s["order_nr"], s["id"]) for s in stages
    )
    refused = pd.api.get("/api/v2/pipelines", params={"sort_by": "order_nr"})
    assert refused.status_code == 400
