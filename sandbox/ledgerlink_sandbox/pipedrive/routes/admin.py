"""Pipedrive-specific admin endpoints (never counted, never rate limited):

| Method + path                                    | What                                          |
|--------------------------------------------------|-----------------------------------------------|
| ``GET /_sandbox/credentials``                    | default API token, OAuth app, company domain  |
| ``GET /_sandbox/oauth/issued``                   | every code/access/refresh token issued        |
| ``GET /_sandbox/tokens``                         | daily budget: limit, spent (today, total,     |
|                                                  | per operation), remaining; the burst window's |
|                                                  | peak_in_window and burst_refusals (429s)      |
| ``POST /_sandbox/tokens``                        | ``{"remaining": n}`` sets today's remaining   |
| ``GET /_sandbox/generated``                      | generated field codes and name-match cases    |
| ``POST /_sandbox/records/{entity}``              | create a record behind the API's back         |
| ``PATCH /_sandbox/records/{entity}/{id}``        | change it (``change_source: "app"``)          |
| ``DELETE /_sandbox/records/{entity}/{id}``       | soft delete; ``?hard=true`` purges            |
| ``GET /_sandbox/webhooks/deliveries``            | every delivery attempt                        |

``entity`` is ``organization``, ``person``, ``deal`` or ``note``; record values use the v2 JSON
shape with RFC 3339 times, and are NOT validated (that is the point: the UI or another integration
can produce data the API would refuse).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ledgerlink_sandbox.framework.admin import AdminError, bad_request, read_json
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_API_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_SCOPES,
)
from ledgerlink_sandbox.pipedrive.render import render, render_note
from ledgerlink_sandbox.pipedrive.routes.entities import defaults
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.store import NotFound

ENTITIES = ("organization", "person", "deal", "note")
_TIMES = (
    "add_time",
    "update_time",
    "close_time",
    "won_time",
    "lost_time",
    "archive_time",
    "stage_change_time",
)


def _values(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AdminError("a JSON object of record values is required")
    out = dict(body)
    for key in _TIMES:
        if isinstance(out.get(key), str):
            out[key] = datetime.fromisoformat(out[key].replace("Z", "+00:00"))
    return out


def routes(state: State) -> list[BaseRoute]:
    # Always state.store, never a captured store: a data reset swaps the store object.
    def shown(entity: str, record: dict[str, Any]) -> dict[str, Any]:
        store = state.store
        return render_note(store, record) if entity == "note" else render(store, entity, record)

    def entity_of(request: Request) -> str:
        entity = str(request.path_params["entity"])
        if entity not in ENTITIES:
            raise AdminError(f"entity must be one of {list(ENTITIES)}")
        return entity

    async def credentials(request: Request) -> Response:
        return JSONResponse(
            {
                "api_token": DEFAULT_API_TOKEN,
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "scopes": DEFAULT_SCOPES,
                "company_domain": state.store.company.domain,
                "company_id": state.store.company.id,
                "user_id": state.store.company.user_id,
            }
        )

    async def issued(request: Request) -> Response:
        return JSONResponse(
            {
                "issued": [item.to_json() for item in state.oauth.issued],
                "overlapping_requests": state.oauth.overlapping_requests,
            }
        )

    async def tokens(request: Request) -> Response:
        return JSONResponse(state.limits.snapshot())

    async def set_tokens(request: Request) -> Response:
        try:
            body = await read_json(request)
            remaining = body.get("remaining") if isinstance(body, dict) else None
            if isinstance(remaining, bool) or not isinstance(remaining, int) or remaining < 0:
                raise AdminError('send {"remaining": non-negative integer}')
        except AdminError as exc:
            return bad_request(str(exc))
        state.limits.set_remaining(remaining)
        return JSONResponse(state.limits.snapshot())

    async def generated(request: Request) -> Response:
        return JSONResponse(asdict(state.generated))

    async def create(request: Request) -> Response:
        try:
            entity = entity_of(request)
            values = _values(await read_json(request))
        except (AdminError, ValueError) as exc:
            return bad_request(str(exc))
        if entity != "note":  # same defaults as an API create, so renders stay complete
            values = defaults(state, entity, values)
        record = state.store.insert(entity, values, source="app")
        return JSONResponse(shown(entity, record), status_code=201)

    async def change(request: Request) -> Response:
        try:
            entity = entity_of(request)
            values = _values(await read_json(request))
            record_id = int(request.path_params["id"])
            forced = values.pop("update_time", None)
            record = state.store.update(entity, record_id, values, source="app")
            if forced is not None:  # let tests place a change at an exact time
                record["update_time"] = forced
        except (AdminError, ValueError) as exc:
            return bad_request(str(exc))
        except NotFound:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(shown(entity, record))

    async def remove(request: Request) -> Response:
        try:
            entity = entity_of(request)
            record_id = int(request.path_params["id"])
            if request.query_params.get("hard") == "true":
                state.store.hard_delete(entity, record_id)
            else:
                state.store.delete(entity, record_id, source="app")
        except (AdminError, ValueError) as exc:
            return bad_request(str(exc))
        except NotFound:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"deleted": record_id})

    async def deliveries(request: Request) -> Response:
        return JSONResponse({"deliveries": list(state.webhooks.log)})

    p = "/_sandbox"
    return [
        Route(f"{p}/credentials", credentials, methods=["GET"]),
        Route(f"{p}/oauth/issued", issued, methods=["GET"]),
        Route(f"{p}/tokens", tokens, methods=["GET"]),
        Route(f"{p}/tokens", set_tokens, methods=["POST"]),
        Route(f"{p}/generated", generated, methods=["GET"]),
        Route(f"{p}/records/{{entity}}", create, methods=["POST"]),
        Route(f"{p}/records/{{entity}}/{{id}}", change, methods=["PATCH"]),
        Route(f"{p}/records/{{entity}}/{{id}}", remove, methods=["DELETE"]),
        Route(f"{p}/webhooks/deliveries", deliveries, methods=["GET"]),
    ]
