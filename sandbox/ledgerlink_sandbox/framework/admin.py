"""Admin endpoints every service exposes under ``/_sandbox`` (never rate limited nor counted).

| Method + path                | Body / answer                                                     |
|------------------------------|-------------------------------------------------------------------|
| ``GET /_sandbox/clock``      | ``{"now": iso, "frozen": bool}``                                  |
| ``POST /_sandbox/clock``     | one of ``{"freeze": iso or null}``, ``{"advance": seconds}``,     |
|                              | ``{"unfreeze": true}`` → the new clock state                      |
| ``GET /_sandbox/stats``      | ``{"total": n, "routes": {"GET /v3/company/{realm}/query": n}}``  |
| ``POST /_sandbox/reset``     | optional ``{"data", "settings", "tokens", "clock"}`` booleans;    |
|                              | always clears stats, faults and rate-limit windows                |
| ``GET /_sandbox/faults``     | the live fault rules                                              |
| ``POST /_sandbox/faults``    | one rule (see ``faults``) or a list → the stored rules with ids   |
| ``DELETE /_sandbox/faults``  | all rules, or ``?id=N`` for one                                   |
| ``GET /_sandbox/settings``   | all settings as one flat object                                   |
| ``PATCH /_sandbox/settings`` | some settings → all settings; 400 on unknown key or bad value     |

Invalid admin input answers 400 ``{"error": "..."}``. The clock is shared by all services of a
sandbox, so moving it on one service moves it for all.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ledgerlink_sandbox.framework.faults import FaultRule
from ledgerlink_sandbox.framework.service import ADMIN_PREFIX, ResetOptions, ServiceCore


class AdminError(ValueError):
    """Bad admin input; answered as HTTP 400."""


async def read_json(request: Request, *, allow_empty: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return None
        raise AdminError("a JSON body is required")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise AdminError(f"invalid JSON: {exc}") from exc


def bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def admin_routes(core: ServiceCore) -> list[BaseRoute]:
    async def get_clock(request: Request) -> Response:
        return JSONResponse(core.clock.state())

    async def post_clock(request: Request) -> Response:
        try:
            body = await read_json(request)
            if not isinstance(body, dict) or len(body) != 1:
                raise AdminError('send exactly one of "freeze", "advance", "unfreeze"')
            if "freeze" in body:
                at = body["freeze"]
                core.clock.freeze(datetime.fromisoformat(at) if at else None)
            elif "advance" in body:
                seconds = body["advance"]
                if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                    raise AdminError("advance takes a number of seconds")
                core.clock.advance(float(seconds))
            elif body.get("unfreeze") is True:
                core.clock.unfreeze()
            else:
                raise AdminError('send exactly one of "freeze", "advance", "unfreeze"')
        except (AdminError, ValueError, TypeError) as exc:
            return bad_request(str(exc))
        return JSONResponse(core.clock.state())

    async def get_stats(request: Request) -> Response:
        return JSONResponse(core.stats.snapshot())

    async def post_reset(request: Request) -> Response:
        try:
            options = ResetOptions.from_json(await read_json(request, allow_empty=True))
        except (AdminError, ValueError) as exc:
            return bad_request(str(exc))
        core.reset(options)
        return JSONResponse({"reset": True})

    async def get_faults(request: Request) -> Response:
        return JSONResponse({"faults": [rule.to_json() for rule in core.faults.list()]})

    async def post_faults(request: Request) -> Response:
        try:
            body = await read_json(request)
            items = body if isinstance(body, list) else [body]
            rules = [FaultRule.from_json(item) for item in items]
        except (AdminError, ValueError) as exc:
            return bad_request(str(exc))
        stored = [core.faults.add(rule).to_json() for rule in rules]
        return JSONResponse({"faults": stored}, status_code=201)

    async def delete_faults(request: Request) -> Response:
        rule_id = request.query_params.get("id")
        if rule_id is not None and not rule_id.isdigit():
            return bad_request("id must be an integer")
        removed = core.faults.clear(int(rule_id) if rule_id is not None else None)
        return JSONResponse({"removed": removed})

    async def get_settings(request: Request) -> Response:
        return JSONResponse(core.settings.as_dict())

    async def patch_settings(request: Request) -> Response:
        try:
            return JSONResponse(core.settings.patch(await read_json(request)))
        except (AdminError, ValueError) as exc:
            return bad_request(str(exc))

    p = ADMIN_PREFIX
    return [
        Route(f"{p}/clock", get_clock, methods=["GET"]),
        Route(f"{p}/clock", post_clock, methods=["POST"]),
        Route(f"{p}/stats", get_stats, methods=["GET"]),
        Route(f"{p}/reset", post_reset, methods=["POST"]),
        Route(f"{p}/faults", get_faults, methods=["GET"]),
        Route(f"{p}/faults", post_faults, methods=["POST"]),
        Route(f"{p}/faults", delete_faults, methods=["DELETE"]),
        Route(f"{p}/settings", get_settings, methods=["GET"]),
        Route(f"{p}/settings", patch_settings, methods=["PATCH"]),
        *core.admin_routes,
    ]
