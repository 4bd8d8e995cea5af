"""v2 ``/organizationFields``, ``/dealFields``, ``/personFields``: list, get, create, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.pipedrive.fields import (
    CREATABLE_TYPES,
    ValidationFailed,
    field_code,
    subfields_for,
)
from ledgerlink_sandbox.pipedrive.http import api_routes, json_body, not_found, ok
from ledgerlink_sandbox.pipedrive.limits import Principal
from ledgerlink_sandbox.pipedrive.listing import paginate, parse_csv
from ledgerlink_sandbox.pipedrive.payloads import not_allowed
from ledgerlink_sandbox.pipedrive.render import FIELD_NAMESPACES, render_field
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.store import FieldDef

PATHS = {"organization": "/organizationFields", "deal": "/dealFields", "person": "/personFields"}


def _namespaces(request: Request) -> tuple[str, ...]:
    requested = parse_csv(request.query_params, "include_fields")
    unknown = [n for n in requested if n not in FIELD_NAMESPACES]
    if unknown:
        raise ValidationFailed(f"Validation failed: include_fields: unknown namespace {unknown[0]}")
    return requested


def _list(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        namespaces = _namespaces(request)
        defs = list(state.store.fields[entity].values())
        # Fields have no numeric id: the cursor keys on the position in the definition order.
        rows = [{"id": n, "def": d} for n, d in enumerate(defs, 1)]
        page = paginate(
            rows,
            request.query_params,
            clamp=state.settings.limit_above_max == "clamp",
            sortable=("id",),
        )
        data = [render_field(entity, r["def"], namespaces) for r in page.items]
        return ok(data, {"next_cursor": page.next_cursor})

    return handler


def _get(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        fdef = state.store.fields[entity].get(request.path_params["field_code"])
        if fdef is None:
            raise not_found("Field not found")
        return ok(render_field(entity, fdef, _namespaces(request)))

    return handler


def _create(state: State, entity: str) -> Any:
    allowed = {"field_name", "field_type", "options", *FIELD_NAMESPACES}
    if entity == "deal":
        allowed.add("description")

    async def handler(request: Request, principal: Principal) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ValidationFailed("Validation failed: body: must be a JSON object")
        for key in body:
            if key not in allowed:
                raise not_allowed(key)
        name, kind = body.get("field_name"), body.get("field_type")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise ValidationFailed("Validation failed: field_name: must be 1-255 characters")
        if kind not in CREATABLE_TYPES:
            raise ValidationFailed(
                f"Validation failed: field_type: must be one of {', '.join(CREATABLE_TYPES)}"
            )
        options = body.get("options")
        if kind in ("enum", "set"):
            if (
                not isinstance(options, list)
                or not options
                or not all(isinstance(o, dict) and isinstance(o.get("label"), str) for o in options)
            ):
                raise ValidationFailed(
                    "Validation failed: options: required for enum and set fields"
                )
            options = [
                {"id": state.store.next_option_id(), "label": o["label"], "color": o.get("color")}
                for o in options
            ]
        elif options is not None:
            raise ValidationFailed(
                "Validation failed: options: only allowed for enum and set fields"
            )
        with state.store.lock:
            # Codes are hashes of (company seed, entity, name, sequence) - unique per company.
            code = field_code(
                state.store.company.domain, entity, f"{name}:{len(state.store.fields[entity])}"
            )
            fdef = FieldDef(
                code,
                name,
                kind,
                True,
                options,
                subfields_for(kind, name),
                state.store.clock.now(),
                body.get("description"),
                {k: v for k, v in body.items() if k in FIELD_NAMESPACES},
            )
            state.store.fields[entity][code] = fdef
        return ok(render_field(entity, fdef, FIELD_NAMESPACES))

    return handler


def _delete(state: State, entity: str) -> Any:
    async def handler(request: Request, principal: Principal) -> Response:
        code = request.path_params["field_code"]
        with state.store.lock:
            fdef = state.store.fields[entity].get(code)
            if fdef is None:
                raise not_found("Field not found")
            if not fdef.is_custom:
                raise ValidationFailed(
                    "Validation failed: field_code: system fields cannot be deleted"
                )
            del state.store.fields[entity][code]
        return ok(render_field(entity, fdef))

    return handler


def routes(state: State) -> list[Route]:
    out: list[Route] = []
    for entity, path in PATHS.items():
        out += api_routes(state, "v2", "GET", path, _list(state, entity))
        out += api_routes(state, "v2", "POST", path, _create(state, entity))
        out += api_routes(state, "v2", "GET", f"{path}/{{field_code}}", _get(state, entity))
        out += api_routes(state, "v2", "DELETE", f"{path}/{{field_code}}", _delete(state, entity))
    return out
