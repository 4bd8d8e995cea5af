"""Every ``include_fields`` value the official v2 document lists is accepted and answered with
values that agree with the sandbox's own records; unknown paths answer Pipedrive's JSON error
envelope."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from tests.sandbox.pipedrive.harness import Harness

PLURALS = {"deal": "deals", "organization": "organizations", "person": "persons"}
DOCUMENTED_COUNT = {"deal": 16, "organization": 19, "person": 24}


@pytest.fixture(autouse=True)
def fresh(pd: Harness) -> None:
    pd.reset()


def listed(entity: str) -> list[str]:
    names = OpenApiSpec.shared().include_fields("v2", "GET", f"/{PLURALS[entity]}")
    assert len(names) == DOCUMENTED_COUNT[entity]
    return sorted(names)


def get_all(pd: Harness, path: str, **params: Any) -> list[dict[str, Any]]:
    response = pd.api.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


@pytest.mark.parametrize("entity", sorted(PLURALS))
def test_every_documented_include_field_is_answered(pd: Harness, entity: str) -> None:
    names = listed(entity)
    path = f"/api/v2/{PLURALS[entity]}"
    records = get_all(pd, path, include_fields=",".join(names))
    assert records and all(set(names) <= set(record) for record in records)
    one = pd.api.get(f"{path}/{records[0]['id']}", params={"include_fields": ",".join(names)})
    assert set(names) <= set(one.json()["data"])
    for name in names:  # one at a time, as a client adding a single field would ask
        single = pd.api.get(path, params={"include_fields": name, "limit": 1}).json()["data"]
        assert name in single[0]
    if entity == "deal":
        archived = pd.api.get("/api/v2/deals/archived", params={"include_fields": ",".join(names)})
        assert archived.status_code == 200


@pytest.mark.parametrize("entity", sorted(PLURALS))
def test_an_include_field_the_document_does_not_list_is_refused(pd: Harness, entity: str) -> None:
    response = pd.api.get(f"/api/v2/{PLURALS[entity]}", params={"include_fields": "bogus_count"})
    assert response.status_code == 400
    assert response.json()["code"] == "ERR_SCHEMA_VALIDATION_FAILED"


def test_organization_counts_agree_with_the_records(pd: Harness) -> None:
    names = ",".join(listed("organization"))
    deals = get_all(pd, "/api/v2/deals")
    persons = get_all(pd, "/api/v2/persons")
    for org in get_all(pd, "/api/v2/organizations", include_fields=names):
        own = [d for d in deals if d["org_id"] == org["id"]]
        assert org["open_deals_count"] == sum(d["status"] == "open" for d in own)
        assert org["won_deals_count"] == sum(d["status"] == "won" for d in own)
        assert org["lost_deals_count"] == sum(d["status"] == "lost" for d in own)
        assert org["closed_deals_count"] == org["won_deals_count"] + org["lost_deals_count"]
        assert org["people_count"] == sum(p["org_id"] == org["id"] for p in persons)
        assert (org["activities_count"], org["next_activity_id"]) == (0, None)  # none held
        assert org["smart_bcc_email"].endswith("@pipedrivemail.com")


def test_person_counts_agree_with_the_records(pd: Harness) -> None:
    org = pd.api.post("/api/v2/organizations", json={"name": "Counting Co"}).json()["data"]
    person = pd.api.post(
        "/api/v2/persons", json={"name": "Counted Person", "org_id": org["id"]}
    ).json()["data"]
    for status in ("open", "open", "won"):
        body = {"title": f"{status} deal", "org_id": org["id"], "person_id": person["id"]}
        pd.api.post("/api/v2/deals", json={**body, "status": status})
    pd.api.post("/api/v2/deals", json={"title": "colleague's", "org_id": org["id"]})
    pd.api.post("/v1/notes", json={"content": "met", "person_id": person["id"]})
    names = ",".join(listed("person"))
    got = pd.api.get(f"/api/v2/persons/{person['id']}", params={"include_fields": names})
    counted = got.json()["data"]
    assert (counted["open_deals_count"], counted["won_deals_count"]) == (2, 1)
    assert counted["closed_deals_count"] == 1 and counted["lost_deals_count"] == 0
    assert counted["participant_open_deals_count"] == 2
    assert counted["related_open_deals_count"] == 1  # the organization's deal without them
    assert counted["notes_count"] == 1
    pd.reset(data=True)


def test_deal_fields_agree_with_the_records(pd: Harness) -> None:
    names = ",".join(listed("deal"))
    deals = get_all(pd, "/api/v2/deals", include_fields=names)
    won = [d for d in deals if d["status"] == "won"]
    assert won and all(d["first_won_time"] == d["won_time"] is not None for d in won)
    assert all(d["first_won_time"] is None for d in deals if d["status"] == "open")
    assert all(d["participants_count"] == (d["person_id"] is not None) for d in deals)
    deal = deals[0]
    before = deal["notes_count"]
    pd.api.post("/v1/notes", json={"content": "call back", "deal_id": deal["id"]})
    after = pd.api.get(f"/api/v2/deals/{deal['id']}", params={"include_fields": "notes_count"})
    assert after.json()["data"]["notes_count"] == before + 1
    pd.reset(data=True)


@pytest.mark.parametrize(
    ("method", "path", "spec"),
    [
        ("GET", "/api/v2/no-such-thing", "v2"),
        ("POST", "/api/v2/pipelines", "v2"),
        ("GET", "/v1/no-such-thing", "v1"),
        ("GET", "/api/v1/recents/extra", "v1"),
    ],
)
def test_unknown_paths_answer_the_json_error_envelope_and_cost_nothing(
    pd: Harness, method: str, path: str, spec: str
) -> None:
    before = pd.admin.get("/_sandbox/tokens").json()["spent_today"]
    response = pd.admin.request(method, path, headers={"x-api-token": "irrelevant"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False and body["error"]
    errors = list(
        jsonschema.Draft202012Validator(OpenApiSpec.shared().error_schema(spec, 404)).iter_errors(
            body
        )
    )
    assert errors == []
    assert pd.admin.get("/_sandbox/tokens").json()["spent_today"] == before
