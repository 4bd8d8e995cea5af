"""v1 reads other tools still make: ``/{deal,organization,person,product,note,activity}Fields``
and ``/recents`` (served under /api/v1 and /v1, charged their documented token costs)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink_sandbox.pipedrive.http import ApiError, Handler, api_routes, gateway_error, ok
from ledgerlink_sandbox.pipedrive.limits import Principal
from ledgerlink_sandbox.pipedrive.recents import (
    TIME_FORMAT,
    BadRecentsRequest,
    changes_since,
    parse_items,
    parse_since,
)
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.v1_fields import V1_ENTITIES, v1_fields
from ledgerlink_sandbox.pipedrive.v1_pages import v1_page

# The v1 document pages these with start/limit; notes and activities come in one piece.
_PAGED = ("deal", "organization", "person", "product")


def _fields(state: State, entity: str) -> Handler:
    async def handler(request: Request, principal: Principal) -> Response:
        rows = v1_fields(state.store, entity)
        if entity not in _PAGED:
            flat = {"start": 0, "limit": len(rows), "more_items_in_collection": False}
            return ok(rows, flat)
        page, pagination = v1_page(rows, request.query_params)
        return ok(page, {"pagination": pagination})

    return handler


def _recents(state: State) -> Handler:
    async def handler(request: Request, principal: Principal) -> Response:
        params = request.query_params
        try:
            since = parse_since(params.get("since_timestamp"), state.store.clock.now())
            items = parse_items(params.get("items"))
        except BadRecentsRequest as exc:
            raise ApiError(gateway_error(400, str(exc))) from exc
        page, pagination = v1_page(changes_since(state.store, since, items), params)
        additional: dict[str, Any] = {
            "since_timestamp": since.strftime(TIME_FORMAT),
            "last_timestamp_on_page": (
                page[-1].update_time.strftime(TIME_FORMAT) if page else since.strftime(TIME_FORMAT)
            ),
            "pagination": pagination,
        }
        data = [{"item": change.item, "id": change.id, "data": change.data} for change in page]
        return ok(data, additional)

    return handler


def routes(state: State) -> list[Route]:
    out: list[Route] = []
    for entity in V1_ENTITIES:
        out += api_routes(state, "v1", "GET", f"/{entity}Fields", _fields(state, entity))
    out += api_routes(state, "v1", "GET", "/recents", _recents(state))
    return out
