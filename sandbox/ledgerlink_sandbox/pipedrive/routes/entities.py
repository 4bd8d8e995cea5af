"""v2 organizations, persons and deals (list, get, create, PATCH, delete) and pipelines/stages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.pipedrive.fields import ValidationFailed
from ledgerlink_sandbox.pipedrive.http import api_routes, int_path, json_body, not_found, ok
from ledgerlink_sandbox.pipedrive.includes import INCLUDABLE
from ledgerlink_sandbox.pipedrive.limits import Principal
from ledgerlink_sandbox.pipedrive.listing import (
    SORT_FIELDS,
    paginate,
    parse_bool,
    parse_csv,
    parse_int,
    time_filters,
)
from ledgerlink_sandbox.pipedrive.payloads import validate_body
from ledgerlink_sandbox.pipedrive.render import RenderOptions, render
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.store import NotFound, Record

PLURAL = {
    "organization": "organizations",
    "person": "persons",
    "deal": "deals",
    "pipeline": "pipelines",
    "stage": "stages",
}
DEAL_STATUSES = ("open", "won", "lost", "deleted")
# The spec's sort_by enums: stages also sort by their position in the pipeline.
SORTABLE = {"stage": (*SORT_FIELDS, "order_nr")}


def render_options(state: State, request: Request, entity: str) -> RenderOptions:
    params = request.query_params
    keys = parse_csv(params, "custom_fields")
    if len(keys) > 15:
        raise ValidationFailed("Validation failed: custom_fields: a maximum of 15 keys is allowed")
    include = parse_csv(params, "include_fields")
    unknown = [k for k in include if k not in INCLUDABLE.get(entity, ())]
    if unknown:
        raise ValidationFailed(f"Validation failed: include_fields: unknown field {unknown[0]}")
    return RenderOptions(
        custom_keys=keys or None,
        option_labels=parse_bool(params, "include_option_labels"),
        emit_nulls=state.settings.custom_fields_emit_nulls,
        include=include,
    )


def _equals(key: str, value: int) -> Callable[[Record], bool]:
    return lambda record: record.get(key) == value


def _filters(request: Request, entity: str, archived: bool) -> list[Callable[[Record], bool]]:
    params = request.query_params
    checks = time_filters(params)
    ids = parse_csv(params, "ids")
    if ids:
        if len(ids) > 100 or not all(i.isdigit() for i in ids):
            raise ValidationFailed("Validation failed: ids: up to 100 integer ids")
        wanted = {int(i) for i in ids}
        checks.append(lambda r: r["id"] in wanted)
    keys = ["owner_id"]
    if entity == "person":
        keys.append("org_id")
    if entity == "deal":
        keys += ["person_id", "org_id", "pipeline_id", "stage_id"]
    if entity == "stage":
        keys.append("pipeline_id")
    for key in keys:
        value = parse_int(params, key)
        if value is not None:
            checks.append(_equals(key, value))
    if entity == "deal":
        statuses = parse_csv(params, "status")
        if any(s not in DEAL_STATUSES for s in statuses):
            raise ValidationFailed("Validation failed: status: must be open, won, lost or deleted")
        live = set(statuses) - {"deleted"} or (set() if statuses else {"open", "won", "lost"})
        show_deleted = "deleted" in statuses
        checks.append(lambda r: bool(r["is_archived"]) == archived)
        checks.append(
            lambda r: (
                (r["is_deleted"] and show_deleted) or (not r["is_deleted"] and r["status"] in live)
            )
        )
    else:
        checks.append(lambda r: not r["is_deleted"])
    return checks


def list_handler(state: State, entity: str, *, archived: bool = False) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        opts = render_options(state, request, entity) if entity in state.store.fields else None
        checks = _filters(request, entity, archived)
        rows = [r for r in state.store.rows(entity) if all(check(r) for check in checks)]
        page = paginate(
            rows,
            request.query_params,
            clamp=state.settings.limit_above_max == "clamp",
            sortable=SORTABLE.get(entity, SORT_FIELDS),
        )
        data = [render(state.store, entity, r, opts) for r in page.items]
        return ok(data, {"next_cursor": page.next_cursor})

    return handler


def _live(state: State, entity: str, record_id: int, *, for_write: bool) -> Record:
    record = state.store.get(entity, record_id)
    if record is None:
        raise not_found()
    if record.get("is_deleted"):
        setting = state.settings.deleted_patch if for_write else state.settings.deleted_get
        if setting == "404":
            raise not_found()
    return record


def get_handler(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        record = _live(state, entity, int_path(request), for_write=False)
        opts = render_options(state, request, entity) if entity in state.store.fields else None
        return ok(render(state.store, entity, record, opts))

    return handler


def defaults(state: State, entity: str, values: dict[str, Any]) -> dict[str, Any]:
    company = state.store.company
    base: dict[str, Any] = {
        "owner_id": company.user_id,
        "visible_to": 3,
        "label_ids": [],
        "custom_fields": {},
    }
    if entity == "organization":
        base.update(
            address=None,
            website=None,
            linkedin=None,
            industry=None,
            annual_revenue=None,
            employee_count=None,
        )
    elif entity == "person":
        name = str(values.get("name", ""))
        first, _, last = name.partition(" ")
        base.update(
            first_name=first,
            last_name=last or None,
            org_id=None,
            emails=[],
            phones=[],
            picture_id=None,
        )
    else:
        base.update(_deal_defaults(state, values))
    return {**base, **values}


def _deal_defaults(state: State, values: dict[str, Any]) -> dict[str, Any]:
    stages = sorted(state.store.rows("stage"), key=lambda s: (s["pipeline_id"], s["order_nr"]))
    pipeline_id = values.get("pipeline_id") or stages[0]["pipeline_id"]
    in_pipeline = [s for s in stages if s["pipeline_id"] == pipeline_id]
    if "stage_id" in values and all(s["id"] != values["stage_id"] for s in in_pipeline):
        raise ValidationFailed("Validation failed: stage_id: stage is not in the pipeline")
    now = state.store.clock.now()
    return {
        "creator_user_id": state.store.company.user_id,
        "value": 0,
        "person_id": None,
        "org_id": None,
        "pipeline_id": pipeline_id,
        "stage_id": in_pipeline[0]["id"],
        "currency": state.store.company.currency,
        "archive_time": None,
        "stage_change_time": now,
        "status": "open",
        "is_archived": False,
        "probability": None,
        "lost_reason": None,
        "close_time": None,
        "won_time": None,
        "lost_time": None,
        "local_won_date": None,
        "local_lost_date": None,
        "local_close_date": None,
        "expected_close_date": None,
        "origin": "API",
        "origin_id": None,
        "channel": None,
        "channel_id": None,
        "source_lead_id": None,
        "acv": None,
        "arr": None,
        "mrr": None,
    }


def _status_times(state: State, before: Record | None, values: dict[str, Any]) -> None:
    """Deal close/won/lost times follow status changes, as the UI would set them."""
    status = values.get("status")
    if status is None or (before is not None and before["status"] == status):
        return
    now = state.store.clock.now()
    closed = now if status in ("won", "lost") else None
    values.setdefault("close_time", closed)
    values.setdefault("won_time", closed if status == "won" else None)
    values.setdefault("lost_time", closed if status == "lost" else None)
    day = closed.date().isoformat() if closed else None
    values.update(
        local_close_date=day,
        local_won_date=day if status == "won" else None,
        local_lost_date=day if status == "lost" else None,
    )
    if status != "lost":
        values["lost_reason"] = None


def create_handler(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        values = validate_body(
            state.store,
            entity,
            await json_body(request),
            creating=True,
            too_long=state.settings.varchar_too_long,
        )
        if entity == "deal":
            _status_times(state, None, values)
        record = state.store.insert(entity, defaults(state, entity, values))
        return ok(render(state.store, entity, record, render_options(state, request, entity)))

    return handler


def patch_handler(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        record_id = int_path(request)
        before = _live(state, entity, record_id, for_write=True)
        values = validate_body(
            state.store,
            entity,
            await json_body(request),
            creating=False,
            too_long=state.settings.varchar_too_long,
        )
        if entity == "deal":
            _status_times(state, before, values)
            if "stage_id" in values and values["stage_id"] != before["stage_id"]:
                values["stage_change_time"] = state.store.clock.now()
        try:
            record = state.store.update(
                entity, record_id, values, bump_on_noop=state.settings.bump_update_time_on_noop
            )
        except NotFound:
            raise not_found() from None
        return ok(render(state.store, entity, record, render_options(state, request, entity)))

    return handler


def delete_handler(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        record_id = int_path(request)
        try:
            state.store.delete(entity, record_id)
        except NotFound:
            raise not_found() from None
        return ok({"id": record_id})

    return handler


def routes(state: State) -> list[Route]:
    out: list[Route] = []
    for entity in ("organization", "person", "deal"):
        path = f"/{PLURAL[entity]}"
        out += api_routes(state, "v2", "GET", path, list_handler(state, entity))
        out += api_routes(state, "v2", "POST", path, create_handler(state, entity))
        if entity == "deal":  # before /deals/{id}
            out += api_routes(
                state, "v2", "GET", "/deals/archived", list_handler(state, "deal", archived=True)
            )
        out += api_routes(state, "v2", "GET", f"{path}/{{id}}", get_handler(state, entity))
        out += api_routes(state, "v2", "PATCH", f"{path}/{{id}}", patch_handler(state, entity))
        out += api_routes(state, "v2", "DELETE", f"{path}/{{id}}", delete_handler(state, entity))
    for entity in ("pipeline", "stage"):
        path = f"/{PLURAL[entity]}"
        out += api_routes(state, "v2", "GET", path, list_handler(state, entity))
        out += api_routes(state, "v2", "GET", f"{path}/{{id}}", get_handler(state, entity))
    return out
