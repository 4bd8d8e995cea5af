"""What other tools still read from real Pipedrive's v1 API works against the sandbox: field
definitions from ``/v1/<entity>Fields`` and recent changes from ``/v1/recents`` (one month at
most), each response checked against the official v1 document and charged its documented cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledgerlink_sandbox.pipedrive.costs import TOKEN_COSTS
from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from tests.sandbox.pipedrive.harness import Harness

ENTITIES = ("deal", "organization", "person", "product", "note", "activity")
V1 = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset()


def v1_time(value: str) -> datetime:
    return datetime.strptime(value, V1).replace(tzinfo=UTC)


def recents(pd: Harness, **params: Any) -> dict[str, Any]:
    response = pd.api.get("/v1/recents", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def all_recents(pd: Harness, since: str, items: str | None = None) -> list[dict[str, Any]]:
    """Every page, the way an offset client walks them."""
    out: list[dict[str, Any]] = []
    start = 0
    while True:
        params: dict[str, Any] = {"since_timestamp": since, "start": start, "limit": 7}
        if items:
            params["items"] = items
        body = recents(pd, **params)
        out += body["data"]
        pagination = body["additional_data"]["pagination"]
        if not pagination["more_items_in_collection"]:
            return out
        start = pagination["next_start"]


# --- field definitions ------------------------------------------------------------------------
@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_every_v1_field_list_answers_per_the_document(
    pd: Harness, entity: str, prefix: str
) -> None:
    body = pd.api.get(f"{prefix}/{entity}Fields").json()
    assert body["success"] is True
    keys = [field["key"] for field in body["data"]]
    assert keys and len(set(keys)) == len(keys)
    assert len({field["id"] for field in body["data"]}) == len(keys)


@pytest.mark.parametrize("entity", ["deal", "organization", "person"])
def test_v1_fields_are_the_v2_fields_in_the_same_order(pd: Harness, entity: str) -> None:
    v2 = pd.api.get(f"/api/v2/{entity}Fields", params={"limit": 500}).json()["data"]
    v1 = pd.api.get(f"/v1/{entity}Fields", params={"limit": 500}).json()["data"]
    assert [f["key"] for f in v1] == [f["field_code"] for f in v2]
    assert [f["name"] for f in v1] == [f["field_name"] for f in v2]
    assert [f["edit_flag"] for f in v1] == [f["is_custom_field"] for f in v2]


def test_a_custom_field_created_through_v2_is_listed_by_v1_until_deleted(pd: Harness) -> None:
    created = pd.api.post(
        "/api/v2/dealFields",
        json={"field_name": "Region", "field_type": "enum", "options": [{"label": "EMEA"}]},
    ).json()["data"]
    listed = {f["key"]: f for f in pd.api.get("/v1/dealFields").json()["data"]}
    field = listed[created["field_code"]]
    assert (field["name"], field["field_type"], field["edit_flag"]) == ("Region", "enum", True)
    assert [o["label"] for o in field["options"]] == ["EMEA"]
    assert pd.api.delete(f"/api/v2/dealFields/{created['field_code']}").status_code == 200
    keys = {f["key"] for f in pd.api.get("/v1/dealFields").json()["data"]}
    assert created["field_code"] not in keys


def test_v1_field_lists_page_with_start_and_limit(pd: Harness) -> None:
    everything = pd.api.get("/v1/dealFields").json()["data"]
    pages: list[dict[str, Any]] = []
    start = 0
    while True:
        body = pd.api.get("/v1/dealFields", params={"start": start, "limit": 4}).json()
        pages += body["data"]
        pagination = body["additional_data"]["pagination"]
        assert pagination["limit"] == 4
        if not pagination["more_items_in_collection"]:
            assert "next_start" not in pagination
            break
        start = pagination["next_start"]
    assert pages == everything and len(everything) > 4


def test_v1_reads_are_charged_their_documented_token_costs(pd: Harness) -> None:
    spec = OpenApiSpec.shared()
    before = pd.admin.get("/_sandbox/tokens").json()["spent_today"]
    for entity in ENTITIES:
        pd.api.get(f"/v1/{entity}Fields")
    recents(pd, since_timestamp="2026-11-20 11:00:00")
    spent = pd.admin.get("/_sandbox/tokens").json()["spent_today"] - before
    operations = [("v1", "GET", f"/{entity}Fields") for entity in ENTITIES]
    operations.append(("v1", "GET", "/recents"))
    assert spent == sum(TOKEN_COSTS[op] for op in operations)
    assert spent == sum(spec.token_cost(*op) for op in operations) == 7 * 20


# --- recents ------------------------------------------------------------------------------------
def test_recents_lists_exactly_what_changed_after_the_timestamp_oldest_first(
    pd: Harness,
) -> None:
    pd.advance(60)
    since = pd.clock.now().strftime(V1)
    pd.advance(1)
    deal = pd.api.get("/api/v2/deals", params={"limit": 1}).json()["data"][0]
    pd.api.patch(f"/api/v2/deals/{deal['id']}", json={"title": "Renamed in the app"})
    pd.advance(1)
    org = pd.api.post("/api/v2/organizations", json={"name": "Recently Added Ltd"}).json()["data"]
    pd.advance(1)
    person = pd.api.get("/api/v2/persons", params={"limit": 1}).json()["data"][0]
    assert pd.api.delete(f"/api/v2/persons/{person['id']}").status_code == 200

    body = recents(pd, since_timestamp=since)
    changes = [(item["item"], item["id"]) for item in body["data"]]
    assert changes == [("deal", deal["id"]), ("organization", org["id"]), ("person", person["id"])]
    deal_data, org_data, person_data = (item["data"] for item in body["data"])
    assert deal_data["title"] == "Renamed in the app"
    assert org_data["name"] == "Recently Added Ltd" and org_data["active_flag"] is True
    assert person_data["active_flag"] is False  # deleted records are changes too
    assert body["additional_data"]["since_timestamp"] == since
    assert body["additional_data"]["last_timestamp_on_page"] == person_data["update_time"]
    times = [v1_time(item["data"]["update_time"]) for item in body["data"]]
    assert times == sorted(times) and min(times) > v1_time(since)

    only_deals = recents(pd, since_timestamp=since, items="deal")["data"]
    assert [(item["item"], item["id"]) for item in only_deals] == [("deal", deal["id"])]
    pd.reset(data=True)


def test_recents_returns_one_month_at_most_whatever_the_timestamp(pd: Harness) -> None:
    now = pd.clock.now()
    month_ago = now.replace(month=now.month - 1)
    body = recents(pd, since_timestamp="2020-01-01 00:00:00", limit=500)
    assert body["additional_data"]["since_timestamp"] == month_ago.strftime(V1)
    listed = {(item["item"], item["id"]) for item in body["data"]}
    assert all(v1_time(item["data"]["update_time"]) > month_ago for item in body["data"])
    # Everything the v2 lists show as changed within the month is there ...
    window = {"updated_since": (month_ago + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    for entity, plural in (("deal", "deals"), ("organization", "organizations")):
        changed = pd.api.get(f"/api/v2/{plural}", params={**window, "limit": 500}).json()["data"]
        assert changed
        assert {(entity, record["id"]) for record in changed} <= listed
    # ... and records changed before the month began are not, although the timestamp asks.
    older = pd.api.get(
        "/api/v2/deals",
        params={"updated_until": month_ago.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": 500},
    ).json()["data"]
    assert older
    assert not {("deal", record["id"]) for record in older} & listed


def test_recents_pages_with_start_and_limit(pd: Harness) -> None:
    since = "2026-11-01 00:00:00"
    whole = recents(pd, since_timestamp=since, limit=500)["data"]
    assert len(whole) > 7
    assert all_recents(pd, since) == whole
    deals = all_recents(pd, since, items="deal,organization")
    assert deals == [item for item in whole if item["item"] in ("deal", "organization")]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"since_timestamp": "2026-11-01T00:00:00Z"},
        {"since_timestamp": "yesterday"},
        {"since_timestamp": "2026-11-01 00:00:00", "items": "deals"},
    ],
)
def test_recents_refuses_what_the_api_refuses(pd: Harness, params: dict[str, str]) -> None:
    response = pd.api.get("/v1/recents", params=params)
    assert response.status_code == 400
    assert response.json()["success"] is False
