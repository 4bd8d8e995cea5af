"""v2 writes: strict custom-field validation, soft delete settings, field definitions, search."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.pipedrive.harness import Harness


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset(data=True)


def create_org(pd: Harness, **body: Any) -> dict[str, Any]:
    response = pd.api.post("/api/v2/organizations", json={"name": "Writes Co", **body})
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def error_of(response: Any) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "ERR_SCHEMA_VALIDATION_FAILED"
    return str(response.json()["error"])


def test_custom_field_values_are_checked_per_type(pd: Harness) -> None:
    ext, credit = (
        pd.field("organization", "QuickBooks Customer ID"),
        pd.field("organization", "Credit Limit"),
    )
    tier = pd.field("organization", "Customer Tier")
    options = [o["id"] for o in pd.state.store.fields["organization"][tier].options or []]
    org = create_org(
        pd, custom_fields={ext: "17", credit: {"value": 500, "currency": "USD"}, tier: options[0]}
    )
    assert org["custom_fields"][ext] == "17"
    assert org["custom_fields"][credit] == {"value": 500, "currency": "USD"}
    bad = [
        {ext: 17},
        {credit: 500},
        {credit: {"value": "500", "currency": "USD"}},
        {tier: 999_999},
        {tier: "Gold"},
        {"0" * 40: "x"},
    ]
    for custom in bad:
        error_of(pd.api.patch(f"/api/v2/organizations/{org['id']}", json={"custom_fields": custom}))
    cleared = pd.api.patch(
        f"/api/v2/organizations/{org['id']}", json={"custom_fields": {ext: None}}
    )
    assert cleared.json()["data"]["custom_fields"][ext] is None


def test_top_level_hash_is_rejected_as_recorded(pd: Harness) -> None:
    ext = pd.field("organization", "QuickBooks Customer ID")
    org = create_org(pd)
    message = error_of(pd.api.patch(f"/api/v2/organizations/{org['id']}", json={ext: "1"}))
    assert message == f"Validation failed: {ext}: Parameter '{ext}' is not allowed for this request"


def test_strict_types_and_set_fields(pd: Harness) -> None:
    error_of(pd.api.post("/api/v2/organizations", json={"name": "x", "owner_id": "1"}))
    error_of(pd.api.post("/api/v2/organizations", json={"name": "x", "visible_to": 2}))
    error_of(pd.api.post("/api/v2/organizations", json={"owner_id": 1}))
    field = pd.api.post(
        "/api/v2/organizationFields",
        json={
            "field_name": "Regions",
            "field_type": "set",
            "options": [{"label": "North"}, {"label": "South"}],
        },
    ).json()["data"]
    ids = [o["id"] for o in field["options"]]
    org = create_org(pd, custom_fields={field["field_code"]: ids})
    assert org["custom_fields"][field["field_code"]] == ids
    error_of(
        pd.api.patch(
            f"/api/v2/organizations/{org['id']}", json={"custom_fields": {field["field_code"]: []}}
        )
    )


def test_deleted_field_key_fails_the_whole_request(pd: Harness) -> None:
    field = pd.api.post(
        "/api/v2/organizationFields", json={"field_name": "Temporary", "field_type": "varchar"}
    ).json()["data"]
    org = create_org(pd, custom_fields={field["field_code"]: "x"})
    assert pd.api.delete(f"/api/v2/organizationFields/{field['field_code']}").status_code == 200
    error_of(
        pd.api.patch(
            f"/api/v2/organizations/{org['id']}",
            json={"name": "n", "custom_fields": {field["field_code"]: "y"}},
        )
    )
    assert pd.api.get(f"/api/v2/organizations/{org['id']}").json()["data"]["name"] == "Writes Co"


def test_patch_bumps_update_time_and_soft_delete_settings(pd: Harness) -> None:
    org = create_org(pd)
    pd.advance(5)
    patched = pd.api.patch(f"/api/v2/organizations/{org['id']}", json={"name": "Writes Co"})
    assert patched.json()["data"]["update_time"] > org["update_time"]  # no-op PATCH bumps
    pd.settings(bump_update_time_on_noop=False)
    pd.advance(5)
    again = pd.api.patch(f"/api/v2/organizations/{org['id']}", json={"name": "Writes Co"})
    assert again.json()["data"]["update_time"] == patched.json()["data"]["update_time"]
    assert pd.api.delete(f"/api/v2/organizations/{org['id']}").json() == {
        "success": True,
        "data": {"id": org["id"]},
    }
    shown = pd.api.get(f"/api/v2/organizations/{org['id']}")
    assert shown.status_code == 200 and shown.json()["data"]["is_deleted"] is True
    assert pd.api.patch(f"/api/v2/organizations/{org['id']}", json={"name": "z"}).status_code == 404
    assert pd.api.delete(f"/api/v2/organizations/{org['id']}").status_code == 404
    listed = pd.api.get("/api/v2/organizations", params={"limit": 500}).json()["data"]
    assert org["id"] not in [o["id"] for o in listed]
    pd.settings(deleted_get="404", deleted_patch="200")
    assert pd.api.get(f"/api/v2/organizations/{org['id']}").status_code == 404
    assert pd.api.patch(f"/api/v2/organizations/{org['id']}", json={"name": "z"}).status_code == 200


def test_unset_custom_fields_as_nulls_is_a_setting(pd: Harness) -> None:
    org = create_org(pd)
    assert org["custom_fields"] and all(v is None for v in org["custom_fields"].values())
    pd.settings(custom_fields_emit_nulls=False)
    assert pd.api.get(f"/api/v2/organizations/{org['id']}").json()["data"]["custom_fields"] == {}


def test_deal_status_drives_close_times(pd: Harness) -> None:
    deal = pd.api.post("/api/v2/deals", json={"title": "T", "value": 10}).json()["data"]
    assert deal["status"] == "open" and deal["won_time"] is None
    won = pd.api.patch(f"/api/v2/deals/{deal['id']}", json={"status": "won"}).json()["data"]
    assert won["won_time"] and won["close_time"] == won["won_time"]
    error_of(
        pd.api.patch(f"/api/v2/deals/{deal['id']}", json={"status": "won", "lost_reason": "x"})
    )
    error_of(pd.api.post("/api/v2/deals", json={"title": "T", "stage_id": 999}))
    error_of(pd.api.post("/api/v2/deals", json={"title": "T", "is_deleted": True}))


def test_field_creation_returns_a_40_char_code(pd: Harness) -> None:
    created = pd.api.post(
        "/api/v2/dealFields", json={"field_name": "Invoice Link", "field_type": "varchar"}
    ).json()["data"]
    assert len(created["field_code"]) == 40 and created["is_custom_field"] is True
    listed = pd.api.get("/api/v2/dealFields", params={"limit": 500}).json()["data"]
    assert created["field_code"] in [f["field_code"] for f in listed]
    error_of(pd.api.post("/api/v2/dealFields", json={"field_name": "E", "field_type": "enum"}))


def test_organization_search_rules(pd: Harness) -> None:
    name = pd.state.generated.customer_names[pd.state.generated.exact[0]]
    exact = pd.api.get(
        "/api/v2/organizations/search",
        params={"term": name.upper(), "exact_match": "true", "fields": "name"},
    )
    items = exact.json()["data"]["items"]
    assert items and all(i["item"]["name"].casefold() == name.casefold() for i in items)
    partial = pd.api.get("/api/v2/organizations/search", params={"term": name.split()[0][:3]})
    assert len(partial.json()["data"]["items"]) >= len(items)
    assert pd.api.get("/api/v2/organizations/search", params={"term": "a"}).status_code == 400
    one = pd.api.get("/api/v2/organizations/search", params={"term": "a", "exact_match": "true"})
    assert one.status_code == 200
    ambiguous = pd.state.generated.customer_names[pd.state.generated.ambiguous[0]]
    twins = pd.api.get(
        "/api/v2/organizations/search", params={"term": ambiguous, "exact_match": "true"}
    ).json()["data"]["items"]
    assert len(twins) == 2


def test_search_lag_and_burst_lane(pd: Harness) -> None:
    pd.settings(search_index_lag_seconds=30)
    create_org(pd, name="Freshly Made Org")
    params = {"term": "Freshly Made Org", "exact_match": "true"}
    assert pd.api.get("/api/v2/organizations/search", params=params).json()["data"]["items"] == []
    pd.advance(31)
    assert (
        len(pd.api.get("/api/v2/organizations/search", params=params).json()["data"]["items"]) == 1
    )
    pd.settings(enforce_burst_limit=True)
    statuses = [
        pd.api.get("/api/v2/organizations/search", params=params).status_code for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    assert pd.api.get("/api/v2/organizations", params={"limit": 1}).status_code == 200


def test_item_search_field_is_case_sensitive(pd: Harness) -> None:
    ext = pd.field("organization", "QuickBooks Customer ID")
    create_org(pd, name="Ext Co", custom_fields={ext: "QB-77"})
    params = {"entity_type": "organization", "field": ext, "term": "QB-77"}
    assert (
        pd.api.get("/api/v2/itemSearch/field", params=params).json()["data"][0]["name"] == "Ext Co"
    )
    lower = pd.api.get("/api/v2/itemSearch/field", params={**params, "term": "qb-77"})
    assert lower.json()["data"] == []
