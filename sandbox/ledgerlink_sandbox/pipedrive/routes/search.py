"""v2 search: ``/organizations/search``, ``/persons/search`` and ``/itemSearch/field``.

Rules (pipedrive.md §1.7): ``term`` is required, at least 2 characters (1 with ``exact_match``);
``exact_match`` compares whole field values case-insensitively; without it a case-insensitive
substring match is used. ``itemSearch/field`` is case sensitive (exact / beginning / middle).
Search endpoints share a separate 10 requests / 2 s burst lane. The index can lag behind writes
(``search_index_lag_seconds``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.pipedrive.fields import ValidationFailed
from ledgerlink_sandbox.pipedrive.http import api_routes, ok
from ledgerlink_sandbox.pipedrive.limits import Principal
from ledgerlink_sandbox.pipedrive.listing import paginate, parse_bool, parse_csv, parse_int
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.store import Record

SEARCHABLE_CUSTOM = ("address", "varchar", "text", "varchar_auto", "double", "monetary", "phone")
FIELDS = {
    "organization": ("address", "custom_fields", "notes", "name"),
    "person": ("custom_fields", "email", "notes", "phone", "name"),
}


def _term(request: Request, exact: bool) -> str:
    term = request.query_params.get("term", "")
    if len(term.strip()) < (1 if exact else 2):
        raise ValidationFailed(
            "Validation failed: term: must be at least 2 characters (1 with exact_match)"
        )
    return term.strip()


def _score(value: str, term: str, exact: bool) -> float:
    """0 = no match; higher for whole-value and prefix matches (deterministic, like a ranking)."""
    v, t = value.casefold(), term.casefold()
    if v == t:
        return 1.0
    if exact:
        return 0.0
    if v.startswith(t):
        return 0.6
    return 0.3 if t in v else 0.0


def _custom_texts(state: State, entity: str, record: Record) -> list[str]:
    texts = []
    for code, value in record.get("custom_fields", {}).items():
        fdef = state.store.fields[entity].get(code)
        if fdef is None or fdef.type not in SEARCHABLE_CUSTOM:
            continue
        texts.append(str(value["value"] if isinstance(value, dict) else value))
    return texts


def _candidates(
    state: State, entity: str, record: Record, fields: tuple[str, ...]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"name": [record["name"]]}
    if entity == "organization" and record.get("address"):
        out["address"] = [record["address"].get("value") or ""]
    if entity == "person":
        out["email"] = [e["value"] for e in record.get("emails", [])]
        out["phone"] = [p["value"] for p in record.get("phones", [])]
    out["custom_fields"] = _custom_texts(state, entity, record)
    return {k: v for k, v in out.items() if k in fields}


def _item(state: State, entity: str, record: Record, matched_custom: list[str]) -> dict[str, Any]:
    owner = {"id": record["owner_id"]}
    if entity == "organization":
        address = (record.get("address") or {}).get("value")
        return {
            "id": record["id"],
            "type": "organization",
            "name": record["name"],
            "address": address,
            "visible_to": record["visible_to"],
            "owner": owner,
            "custom_fields": matched_custom,
            "notes": [],
        }
    org = state.store.get("organization", record["org_id"]) if record.get("org_id") else None
    return {
        "id": record["id"],
        "type": "person",
        "name": record["name"],
        "phones": [p["value"] for p in record.get("phones", [])],
        "emails": [e["value"] for e in record.get("emails", [])],
        "visible_to": record["visible_to"],
        "owner": owner,
        "organization": (
            {
                "id": org["id"],
                "name": org["name"],
                "address": (org.get("address") or {}).get("value"),
            }
            if org
            else None
        ),
        "custom_fields": matched_custom,
        "notes": [],
    }


def _search(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        params = request.query_params
        exact = parse_bool(params, "exact_match")
        term = _term(request, exact)
        fields = parse_csv(params, "fields") or FIELDS[entity]
        if any(f not in FIELDS[entity] for f in fields):
            raise ValidationFailed(
                f"Validation failed: fields: must be among {', '.join(FIELDS[entity])}"
            )
        org_filter = parse_int(params, "organization_id") if entity == "person" else None
        hits = []
        for record in state.store.searchable(entity, state.settings.search_index_lag_seconds):
            if org_filter is not None and record.get("org_id") != org_filter:
                continue
            candidates = _candidates(state, entity, record, fields)
            best = max(
                (_score(v, term, exact) for vs in candidates.values() for v in vs), default=0
            )
            if best > 0:
                custom = [v for v in candidates.get("custom_fields", []) if _score(v, term, exact)]
                hits.append((best, record, custom))
        hits.sort(key=lambda h: (-h[0], h[1]["id"]))
        rows = [{"id": n, "hit": h} for n, h in enumerate(hits, 1)]
        page = paginate(
            rows, params, clamp=state.settings.limit_above_max == "clamp", sortable=("id",)
        )
        items = [
            {"result_score": r["hit"][0], "item": _item(state, entity, r["hit"][1], r["hit"][2])}
            for r in page.items
        ]
        return ok({"items": items}, {"next_cursor": page.next_cursor})

    return handler


def _field_matches(value: Any, term: str, match: str) -> bool:
    text = str(value["value"] if isinstance(value, dict) else value)
    if match == "exact":
        return text == term
    return text.startswith(term) if match == "beginning" else term in text


def _item_search_field(state: State) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        params = request.query_params
        entity = params.get("entity_type", "")
        if entity not in ("organization", "person", "deal"):
            raise ValidationFailed(
                "Validation failed: entity_type: must be organization, person or deal"
            )
        match = params.get("match") or "exact"
        if match not in ("exact", "beginning", "middle"):
            raise ValidationFailed("Validation failed: match: must be exact, beginning or middle")
        term = _term(request, match == "exact")
        key = params.get("field", "")
        if not key or (key not in state.store.fields[entity] and key not in ("name", "title")):
            raise ValidationFailed("Validation failed: field: unknown field")
        label = "title" if entity == "deal" else "name"
        hits = []
        for record in state.store.searchable(entity, state.settings.search_index_lag_seconds):
            value = record.get("custom_fields", {}).get(key, record.get(key))
            if value is not None and _field_matches(value, term, match):
                hits.append({"id": record["id"], "name": record[label]})
        page = paginate(
            hits, params, clamp=state.settings.limit_above_max == "clamp", sortable=("id",)
        )
        return ok(page.items, {"next_cursor": page.next_cursor})

    return handler


def routes(state: State) -> list[Route]:
    return [
        *api_routes(
            state, "v2", "GET", "/organizations/search", _search(state, "organization"), search=True
        ),
        *api_routes(state, "v2", "GET", "/persons/search", _search(state, "person"), search=True),
        *api_routes(
            state, "v2", "GET", "/itemSearch/field", _item_search_field(state), search=True
        ),
    ]
