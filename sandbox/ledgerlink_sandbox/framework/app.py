"""``build_app``: the ASGI app of one emulated service.

The admin endpoints (``admin``) plus the service's own routes, wrapped in ``SandboxMiddleware``
(accounting, fault injection, common headers). Route paths double as the templates used by stats
and fault rules, so write them with ``{param}`` names that read well
(``/v3/company/{realm}/query``).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from ledgerlink_sandbox.framework.admin import admin_routes
from ledgerlink_sandbox.framework.middleware import SandboxMiddleware
from ledgerlink_sandbox.framework.service import ServiceCore


def build_app(core: ServiceCore, routes: Sequence[BaseRoute]) -> ASGIApp:
    """The service's ASGI app: admin routes + ``routes`` behind the sandbox middleware."""
    app = Starlette(routes=[*admin_routes(core), *routes])
    return SandboxMiddleware(app, core, list(routes))
