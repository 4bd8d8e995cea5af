"""HTTP plumbing shared by the routes: envelopes, error bodies, auth + limits around handlers.

Error bodies (pipedrive.md §2.1, §3.4, §3.5):
- gateway 401: ``{"success":false,"error":"unauthorized access","errorCode":401,"error_info":...}``
  plus ``x-401-by-gw: true``;
- 429 (burst or budget): the same envelope with ``errorCode: 429`` (text is a setting);
- v2 validation: ``{"success":false,"error":"Validation failed: ...",
  "code":"ERR_SCHEMA_VALIDATION_FAILED"}``;
- not found: the spec's v2 404 resource ``{"success":false,"error":"...","error_info":...,
  "data":null,"additional_data":null}``; an unknown path answers the same (v2) or the gateway
  body (v1, OAuth) with 404.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from ledgerlink_sandbox.pipedrive.costs import token_cost
from ledgerlink_sandbox.pipedrive.fields import ValidationFailed
from ledgerlink_sandbox.pipedrive.limits import Principal
from ledgerlink_sandbox.pipedrive.state import State

INFO = "Please check developers.pipedrive.com"
Handler = Callable[[Request, Principal], Awaitable[Response]]


class ApiError(Exception):
    """Raised by handlers to answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def ok(data: Any, additional: Any = ..., status: int = 200) -> JSONResponse:
    body: dict[str, Any] = {"success": True, "data": data}
    if additional is not ...:
        body["additional_data"] = additional
    return JSONResponse(body, status_code=status)


def validation_error(message: str) -> JSONResponse:
    return JSONResponse(
        {"success": False, "error": message, "code": "ERR_SCHEMA_VALIDATION_FAILED"},
        status_code=400,
    )


def not_found(message: str = "Entity was not found") -> ApiError:
    body = {
        "success": False,
        "error": message,
        "error_info": "Object was not found.",
        "data": None,
        "additional_data": None,
    }
    return ApiError(JSONResponse(body, status_code=404))


def gateway_error(status: int, message: str) -> JSONResponse:
    body = {"success": False, "error": message, "errorCode": status, "error_info": INFO}
    return JSONResponse(body, status_code=status)


def unknown_route(scope: Scope, status: int) -> JSONResponse:
    """A path (or method) the API does not serve: Pipedrive's JSON error envelope, never a bare
    404 page (v2: the spec's 404 resource; elsewhere the v1 gateway body). The text is
    [unverified]."""
    message = "Unknown method ."
    if str(scope.get("path", "")).startswith("/api/v2/"):
        body = {
            "success": False,
            "error": message,
            "error_info": INFO,
            "data": None,
            "additional_data": None,
        }
        return JSONResponse(body, status_code=404)
    return gateway_error(404, message)


def unauthorized() -> JSONResponse:
    response = gateway_error(401, "unauthorized access")
    response.headers["x-401-by-gw"] = "true"
    return response


def cloudflare_ban() -> HTMLResponse:
    html = (
        "<!DOCTYPE html><html><head><title>Access denied | pipedrive.com used Cloudflare to "
        "restrict access</title></head><body><h1>Access denied</h1><p>This error is produced "
        "by Cloudflare.</p></body></html>"
    )
    return HTMLResponse(html, status_code=403)


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"Validation failed: body: invalid JSON ({exc.msg})") from exc


async def v1_body(request: Request) -> dict[str, Any]:
    """v1 accepts JSON or form-encoded bodies."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl((await request.body()).decode()))
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(gateway_error(400, "Bad request"))
    return body


def int_path(request: Request, name: str = "id") -> int:
    raw = request.path_params[name]
    if not str(raw).isdigit():
        raise ValidationFailed(f"Validation failed: {name}: must be an integer")
    return int(raw)


def api_routes(
    state: State, spec: str, method: str, spec_path: str, handler: Handler, *, search: bool = False
) -> list[Route]:
    """Routes for one operation: ``/api/v2/...`` for v2, ``/api/v1/...`` and ``/v1/...`` for v1."""
    prefixes = ["/api/v2"] if spec == "v2" else ["/api/v1", "/v1"]
    cost = token_cost(spec, method, spec_path)
    operation = f"{method} {prefixes[0]}{spec_path}"

    async def endpoint(request: Request) -> Response:
        principal = state.authenticate(request)
        if principal is None:
            return unauthorized()
        verdict = state.limits.admit(principal, operation, cost, method, search=search)
        if verdict.refusal == "ban":
            return cloudflare_ban()
        if verdict.refusal is not None:
            response: Response = gateway_error(429, state.settings.rate_limit_error)
        else:
            try:
                response = await handler(request, principal)
            except ValidationFailed as exc:
                response = validation_error(str(exc))
            except ApiError as exc:
                response = exc.response
        for key, value in verdict.headers:
            response.headers.append(key, value)
        return response

    return [Route(prefix + spec_path, endpoint, methods=[method]) for prefix in prefixes]
