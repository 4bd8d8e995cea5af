"""``build_app``: the ASGI app of one emulated service.

The admin endpoints (``admin``) plus the service's own routes, wrapped in ``SandboxMiddleware``
(accounting, fault injection, common headers). Route paths double as the templates used by stats
and fault rules, so write them with ``{param}`` names that read well
(``/v3/company/{realm}/query``). A request no route serves (404, or 405 for a known path)
is answered by ``core.unknown_route_response`` when the service sets it, so it looks like the
real service's error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, ExceptionHandler

from ledgerlink_sandbox.framework.admin import admin_routes
from ledgerlink_sandbox.framework.middleware import SandboxMiddleware
from ledgerlink_sandbox.framework.service import ServiceCore


def build_app(core: ServiceCore, routes: Sequence[BaseRoute]) -> ASGIApp:
    """The service's ASGI app: admin routes + ``routes`` behind the sandbox middleware."""
    app = Starlette(
        routes=[*admin_routes(core), *routes], exception_handlers=_unknown_route_handlers(core)
    )
    return SandboxMiddleware(app, core, list(routes))


def _unknown_route_handlers(core: ServiceCore) -> dict[Any, ExceptionHandler]:
    answer = core.unknown_route_response
    if answer is None:
        return {}

    async def unknown_route(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return answer(request.scope, status)

    return {404: unknown_route, 405: unknown_route}
