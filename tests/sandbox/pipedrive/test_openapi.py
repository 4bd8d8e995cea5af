"""Every response of every Pipedrive sandbox route conforms to the official OpenAPI documents,
and the recorded examples replay key for key through the matching endpoints."""

from __future__ import annotations

import base64
import csv
import json
from typing import Any

from ledgerlink_sandbox.pipedrive.costs import TOKEN_COSTS, spec_operation
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from tests.sandbox.pipedrive.harness import Harness

SPEC_DIR = OpenApiSpec.directory()
EXAMPLES = SPEC_DIR / "examples"
BASIC = (
    "Basic " + base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
)
FULL_ADDRESS = {
    "value": "123 Main St",
    "country": "USA",
    "admin_area_level_1": "CA",
    "admin_area_level_2": "Santa Clara",
    "locality": "Sunnyvale",
    "sublocality": "Downtown",
    "route": "Main St",
    "street_number": "123",
    "subpremise": "123A",
    "postal_code": "94085",
}


def served_operations(pd: Harness) -> set[tuple[str, str, str]]:
    out = set()
    for route in pd.service.routes():
        for method in getattr(route, "methods", None) or ():
            operation = spec_operation(getattr(route, "path", ""), method)
            if operation and method != "HEAD":
                out.add((operation[0], method, operation[1]))
    return out


def test_cost_table_matches_the_spec() -> None:
    spec = OpenApiSpec.shared()
    for (name, method, path), cost in TOKEN_COSTS.items():
        if path != "/oauth/revoke":  # not in the spec
            assert spec.token_cost(name, method, path) == cost, (name, method, path)


def test_the_spec_examples_pass_the_validator() -> None:
    spec = OpenApiSpec.shared()
    with (EXAMPLES / "INDEX.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["spec"] == "v1old":
                continue
            body = json.loads((EXAMPLES / row["file"]).read_text())
            errors = spec.validate(
                row["spec"],
                row["method"],
                row["path"],
                int(row["status"]),
                body,
                "application/json",
            )
            assert errors == [], (row["file"], errors)


def _org(pd: Harness) -> int:
    body = {
        "name": "Spec Check Org",
        "address": FULL_ADDRESS,
        "website": "https://x.test",
        "linkedin": "https://linkedin.com/company/x",
        "industry": 2,
        "annual_revenue": 0,
        "employee_count": 10,
        "label_ids": [1],
        "visible_to": 7,
    }
    response = pd.api.post("/api/v2/organizations", json=body)
    assert response.status_code == 200
    return int(response.json()["data"]["id"])


def _oauth_token(pd: Harness) -> dict[str, Any]:
    authorize = pd.api.get(
        "/oauth/authorize",
        params={
            "client_id": DEFAULT_CLIENT_ID,
            "redirect_uri": "http://127.0.0.1:9/cb",
            "state": "s",
        },
    )
    code = authorize.headers["location"].split("code=")[1].split("&")[0]
    response = pd.api.post(
        "/oauth/token",
        headers={"Authorization": BASIC},
        data={
            "grant_type": "authorization_code",
            "code": code.replace("%3A", ":"),
            "redirect_uri": "http://127.0.0.1:9/cb",
        },
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def exercise_successes(pd: Harness) -> None:
    """One successful call per served operation (each response is validated by the client)."""
    api = pd.api
    org = _org(pd)
    deal = api.post("/api/v2/deals", json={"title": "Spec deal", "org_id": org, "value": 10}).json()
    person = api.post(
        "/api/v2/persons",
        json={
            "name": "Spec Person",
            "org_id": org,
            "emails": [{"value": "a@b.test", "primary": True}],
        },
    )
    person_id = person.json()["data"]["id"]
    field = api.post(
        "/api/v2/organizationFields",
        json={"field_name": "Spec enum", "field_type": "enum", "options": [{"label": "A"}]},
    ).json()
    code = field["data"]["field_code"]
    for entity in ("organization", "deal", "person"):
        path = f"/api/v2/{entity}Fields"
        assert api.get(path, params={"include_fields": "ui_visibility"}).status_code == 200
        assert (
            api.post(path, json={"field_name": "Tmp", "field_type": "varchar"}).status_code == 200
        )
        assert api.get(f"{path}/name" if entity != "deal" else f"{path}/title").status_code == 200
    assert api.delete(f"/api/v2/organizationFields/{code}").status_code == 200
    assert api.post(
        "/api/v2/dealFields", json={"field_name": "X", "field_type": "double"}
    ).is_success
    codes = [f["field_code"] for f in api.get("/api/v2/dealFields").json()["data"]]
    assert api.delete(f"/api/v2/dealFields/{codes[-1]}").status_code == 200
    pcodes = [f["field_code"] for f in api.get("/api/v2/personFields").json()["data"]]
    assert api.delete(f"/api/v2/personFields/{pcodes[-1]}").status_code == 200
    for plural, record in (
        ("organizations", org),
        ("deals", deal["data"]["id"]),
        ("persons", person_id),
    ):
        assert api.get(f"/api/v2/{plural}", params={"limit": 2}).status_code == 200
        assert api.get(f"/api/v2/{plural}/{record}").status_code == 200
        assert api.patch(f"/api/v2/{plural}/{record}", json={"visible_to": 3}).status_code == 200
    assert api.get("/api/v2/deals/archived").status_code == 200
    assert api.get("/api/v2/deals", params={"status": "deleted"}).status_code == 200
    for path in ("/api/v2/pipelines", "/api/v2/pipelines/1", "/api/v2/stages", "/api/v2/stages/1"):
        assert api.get(path).status_code == 200
    assert api.get("/api/v2/organizations/search", params={"term": "Spec"}).status_code == 200
    assert api.get("/api/v2/persons/search", params={"term": "Spec"}).status_code == 200
    assert (
        api.get(
            "/api/v2/itemSearch/field",
            params={"term": "Spec Check Org", "entity_type": "organization", "field": "name"},
        ).status_code
        == 200
    )
    note = api.post(
        "/v1/notes", json={"content": "hi", "org_id": org, "deal_id": deal["data"]["id"]}
    )
    assert note.status_code == 200
    assert api.get("/api/v1/notes").status_code == 200
    assert api.get(f"/v1/notes/{note.json()['data']['id']}").status_code == 200
    assert api.get("/v1/users/me").status_code == 200
    for entity in ("deal", "organization", "person", "product", "note", "activity"):
        assert api.get(f"/v1/{entity}Fields").status_code == 200
    assert api.get("/v1/recents", params={"since_timestamp": "2020-01-01 00:00:00"}).is_success
    hook = api.post(
        "/v1/webhooks",
        json={
            "subscription_url": "http://127.0.0.1:9/hook",
            "event_action": "*",
            "event_object": "deal",
            "name": "h",
        },
    )
    assert hook.status_code == 201
    assert api.get("/v1/webhooks").status_code == 200
    assert api.delete(f"/v1/webhooks/{hook.json()['data']['id']}").status_code == 200
    tokens = _oauth_token(pd)
    refreshed = api.post(
        "/oauth/token/",
        headers={"Authorization": BASIC},
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 200
    revoked = api.post(
        "/oauth/revoke",
        headers={"Authorization": BASIC},
        data={"token": tokens["access_token"], "token_type_hint": "access_token"},
    )
    assert revoked.status_code == 200
    for plural, record in (
        ("organizations", org),
        ("deals", deal["data"]["id"]),
        ("persons", person_id),
    ):
        assert api.delete(f"/api/v2/{plural}/{record}").status_code == 200


def exercise_errors(pd: Harness) -> None:
    """Operation-specific 400/404s, then a 401 and a 429 from every served operation."""
    api = pd.api
    expected = [
        ("GET", "/api/v2/organizations?limit=501", None, 400),
        ("GET", "/api/v2/deals?status=bogus", None, 400),
        ("GET", "/api/v2/persons?cursor=not-a-cursor", None, 400),
        ("GET", "/api/v2/organizations/999999", None, 404),
        ("GET", "/api/v2/deals/999999", None, 404),
        ("GET", "/api/v2/persons/999999", None, 404),
        ("GET", "/api/v2/pipelines/999", None, 404),
        ("GET", "/api/v2/stages/999", None, 404),
        ("POST", "/api/v2/organizations", {"name": 5}, 400),
        ("POST", "/api/v2/deals", {"value": 1}, 400),
        ("POST", "/api/v2/persons", {"name": "x", "org_id": "1"}, 400),
        ("PATCH", "/api/v2/organizations/1", {"a" * 40: "x"}, 400),
        ("PATCH", "/api/v2/deals/999999", {"title": "x"}, 404),
        ("PATCH", "/api/v2/persons/1", {"custom_fields": {"f" * 40: 1}}, 400),
        ("DELETE", "/api/v2/organizations/999999", None, 404),
        ("DELETE", "/api/v2/deals/999999", None, 404),
        ("DELETE", "/api/v2/persons/999999", None, 404),
        ("GET", "/api/v2/organizations/search?term=a", None, 400),
        ("GET", "/api/v2/persons/search", None, 400),
        ("GET", "/api/v2/itemSearch/field?term=x&entity_type=lead&field=name", None, 400),
        ("POST", "/api/v1/notes", {"content": "no target"}, 400),
        ("GET", "/v1/notes/999999", None, 404),
        ("POST", "/v1/webhooks", {"subscription_url": "nope"}, 400),
        ("DELETE", "/v1/webhooks/999", None, 404),
        ("GET", "/v1/recents", None, 400),
        ("GET", "/v1/recents?since_timestamp=2026-11-01T00:00:00Z", None, 400),
        ("GET", "/v1/recents?since_timestamp=2026-11-01 00:00:00&items=bogus", None, 400),
        ("GET", "/v1/dealFields?start=x", None, 400),
    ]
    for entity in ("organization", "deal", "person"):
        path = f"/api/v2/{entity}Fields"
        expected += [
            ("GET", f"{path}?include_fields=bogus", None, 400),
            ("POST", path, {"field_name": "x", "field_type": "bogus"}, 400),
            ("GET", f"{path}/{'0' * 40}", None, 404),
            ("DELETE", f"{path}/{'0' * 40}", None, 404),
        ]
    for method, url, body, status in expected:
        response = api.request(method, url, json=body)
        assert response.status_code == status, (method, url, response.text)
    assert (
        api.post(
            "/oauth/token",
            headers={"Authorization": BASIC},
            data={"grant_type": "refresh_token", "refresh_token": "nope"},
        ).status_code
        == 400
    )
    assert api.post("/oauth/token/", data={"grant_type": "refresh_token"}).status_code == 400
    assert api.get("/oauth/authorize", params={"client_id": "nope"}).status_code == 400
    operations = sorted(served_operations(pd))
    for name, method, path in operations:
        if path.startswith("/oauth/"):
            continue
        url = ("/api/v2" if name == "v2" else "/v1") + path.replace("{id}", "1").replace(
            "{field_code}", "name"
        )
        assert api.request(method, url, headers={"x-api-token": "wrong"}).status_code == 401
    pd.admin.post("/_sandbox/tokens", json={"remaining": 0})
    for name, method, path in operations:
        if path.startswith("/oauth/"):
            continue
        url = ("/api/v2" if name == "v2" else "/api/v1") + path.replace("{id}", "1").replace(
            "{field_code}", "name"
        )
        assert api.request(method, url, json={}).status_code == 429, url


def test_every_served_operation_answers_per_spec_on_success_and_error(pd: Harness) -> None:
    exercise_successes(pd)
    exercise_errors(pd)
    served = served_operations(pd)
    ok = {(s, m, p) for s, m, p, status in pd.api.seen if status < 400}
    failed = {(s, m, p) for s, m, p, status in pd.api.seen if status >= 400}
    # Not checkable: /oauth/revoke is absent from the spec; a successful authorize is a redirect
    # where the real server shows an HTML consent page.
    revoke, authorize = ("v1", "POST", "/oauth/revoke"), ("v1", "GET", "/oauth/authorize")
    assert served - ok - {revoke, authorize} == set(), "operations never seen succeeding"
    assert served - failed - {revoke} == set(), "operations never seen failing"
    pd.reset(data=True)


# --- replay of the recorded examples --------------------------------------------------------
# The spec's organization examples carry a stray "org_id" (pipedrive.md §1.5: ignore it).
IGNORED = {"org_id"}
# Objects keyed by per-company data (custom field hashes, stage ids): contents not compared.
OPAQUE = {"custom_fields", "statuses"}
# The sandbox has no projects (a separate Pipedrive product), so a note's "project" is null.
NOT_EMULATED = {"data.project.title", "data.[].project.title"}


def key_paths(node: Any, prefix: str = "") -> set[str]:
    """Dotted key paths of every key (contents of OPAQUE objects excluded)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in IGNORED and prefix.count(".") <= 2:
                continue
            out.add(prefix + key)
            if key not in OPAQUE:
                out |= key_paths(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for item in node:
            out |= key_paths(item, f"{prefix}[].")
    return out


def _replay_requests(pd: Harness) -> dict[str, tuple[str, str, Any, dict[str, str]]]:
    org, doomed = _org(pd), _org(pd)
    deal_body = {
        "title": "Replay",
        "org_id": org,
        "value": 200,
        "status": "won",
        "expected_close_date": "2021-01-01",
        "probability": 90,
        "label_ids": [1],
    }
    deal = pd.api.post("/api/v2/deals", json=deal_body).json()["data"]["id"]
    archived = pd.api.post(
        "/api/v2/deals",
        json={**deal_body, "is_archived": True, "archive_time": "2021-01-01T00:00:00Z"},
    )
    archived_id = archived.json()["data"]["id"]
    person = pd.api.post(
        "/api/v2/persons",
        json={
            "name": "Replay Person",
            "org_id": org,
            "phones": [{"value": "+372 555", "primary": True}],
            "emails": [{"value": "replay@example.com", "primary": True}],
        },
    ).json()["data"]["id"]
    pd.api.post(
        "/v1/notes", json={"content": "abc", "org_id": org, "deal_id": deal, "person_id": person}
    )
    ns = "ui_visibility,important_fields,required_fields"
    return {
        "v2_get_organizations_200": ("GET", "/api/v2/organizations", None, {"ids": str(org)}),
        "v2_get_organizations_id_200": ("GET", f"/api/v2/organizations/{org}", None, {}),
        "v2_post_organizations_200": (
            "POST",
            "/api/v2/organizations",
            {"name": "Again", "address": FULL_ADDRESS},
            {},
        ),
        "v2_patch_organizations_id_200": (
            "PATCH",
            f"/api/v2/organizations/{org}",
            {"name": "Renamed"},
            {},
        ),
        "v2_get_organizations_search_200": (
            "GET",
            "/api/v2/organizations/search",
            None,
            {"term": "Renamed"},
        ),
        "v2_get_deals_200": (
            "GET",
            "/api/v2/deals",
            None,
            {"ids": str(deal), "include_fields": "source_lead_id"},
        ),
        "v2_get_deals_id_200": (
            "GET",
            f"/api/v2/deals/{deal}",
            None,
            {"include_fields": "source_lead_id"},
        ),
        "v2_patch_deals_id_200": (
            "PATCH",
            f"/api/v2/deals/{deal}",
            {"value": 300},
            {"include_fields": "source_lead_id"},
        ),
        "v2_get_deals_archived_200": (
            "GET",
            "/api/v2/deals/archived",
            None,
            {"ids": str(archived_id), "include_fields": "source_lead_id"},
        ),
        "v2_get_persons_search_200": (
            "GET",
            "/api/v2/persons/search",
            None,
            {"term": "Replay Person"},
        ),
        "v2_get_organizationFields_200": (
            "GET",
            "/api/v2/organizationFields",
            None,
            {"include_fields": ns},
        ),
        "v2_get_dealFields_200": ("GET", "/api/v2/dealFields", None, {"include_fields": ns}),
        "v2_post_organizationFields_200": (
            "POST",
            "/api/v2/organizationFields",
            {"field_name": "Industry", "field_type": "enum", "options": [{"label": "Tech"}]},
            {},
        ),
        "v2_get_pipelines_200": ("GET", "/api/v2/pipelines", None, {}),
        "v2_get_stages_200": ("GET", "/api/v2/stages", None, {}),
        "v2_get_itemSearch_field_200": (
            "GET",
            "/api/v2/itemSearch/field",
            None,
            {"term": "Renamed", "entity_type": "organization", "field": "name"},
        ),
        "v1_post_notes_200": (
            "POST",
            "/v1/notes",
            {"content": "x", "org_id": org, "deal_id": deal, "person_id": person},
            {},
        ),
        "v1_get_notes_200": ("GET", "/v1/notes", None, {"limit": "1"}),
        "v1_get_users_me_200": ("GET", "/v1/users/me", None, {}),
        "v1_get_dealFields_200": ("GET", "/v1/dealFields", None, {}),
        "v1_get_organizationFields_200": ("GET", "/v1/organizationFields", None, {}),
        "v1_post_webhooks_201": (
            "POST",
            "/v1/webhooks",
            {
                "subscription_url": "http://127.0.0.1:9/h",
                "event_action": "*",
                "event_object": "*",
                "name": "Example webhook",
            },
            {},
        ),
        "v1_post_webhooks_400": (
            "POST",
            "/v1/webhooks",
            {"subscription_url": "bad", "event_action": "*", "event_object": "*", "name": "x"},
            {},
        ),
        "v2_delete_organizations_id_200": ("DELETE", f"/api/v2/organizations/{doomed}", None, {}),
    }


def test_recorded_examples_replay_key_for_key(pd: Harness) -> None:
    requests = _replay_requests(pd)
    served = served_operations(pd)
    with (EXAMPLES / "INDEX.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    replayed = 0
    for row in rows:
        name = row["file"].removesuffix(".json")
        if row["spec"] == "v1old" or (row["spec"], row["method"], row["path"]) not in served:
            continue
        example = json.loads((EXAMPLES / row["file"]).read_text())
        if name.endswith("_401"):
            response = pd.api.request(
                row["method"], "/v1" + row["path"], headers={"x-api-token": "wrong"}
            )
        elif name == "v1_post_oauth_token_200":
            tokens = _oauth_token(pd)
            assert key_paths(tokens) == key_paths(example)
            replayed += 1
            continue
        else:
            method, url, body, params = requests[name]
            response = pd.api.request(method, url, json=body, params=params)
        assert response.status_code == int(row["status"]), (name, response.text)
        ours, theirs = key_paths(response.json()), key_paths(example)
        # Our 401 adds the documented error_info (seen live) to the spec's example body.
        extra = {"error_info"} if name.endswith("_401") else set()
        assert ours - extra == theirs - NOT_EMULATED, (name, sorted(ours ^ theirs))
        replayed += 1
    assert replayed >= 25
    pd.reset(data=True)
