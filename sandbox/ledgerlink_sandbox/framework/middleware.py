"""ASGI middleware applying request accounting, fault injection and common response headers.

Order per request (admin paths under ``/_sandbox`` bypass all of it):
1. resolve the route template (first route whose ``matches`` is not ``NONE``) and count it;
2. add the service's ``response_headers()`` to whatever response goes out, injected or not,
   and a ``Date`` from the sandbox clock (uvicorn's own, from the wall clock, is off);
3. fire the first matching fault rule, if any: ``delay`` sleeps (wall clock) and then serves the
   request normally; ``status`` answers with the rule's body or the service's error body;
   ``throttle`` answers with the service's 429; ``reset`` aborts the TCP connection with RST.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from email.utils import format_datetime

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink_sandbox.framework.runner import TRANSPORT_SCOPE_KEY
from ledgerlink_sandbox.framework.service import ADMIN_PREFIX, ServiceCore


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, core: ServiceCore, routes: list[BaseRoute]) -> None:
        self.app = app
        self.core = core
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        template = self.template(scope)
        self.core.stats.count(method, template or path)
        send = self._with_headers(send)

        rule = self.core.faults.take(method, path, template)
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind == "delay":
            await asyncio.sleep(rule.delay_seconds)
            await self.app(scope, receive, send)
        elif rule.kind == "reset":
            await reset_connection(scope)
        elif rule.kind == "throttle":
            await self.core.throttle_response(scope)(scope, receive, send)
        elif rule.body is not None:
            response = Response(rule.body, status_code=rule.status, media_type=rule.content_type)
            await response(scope, receive, send)
        else:
            await self.core.error_response(scope, rule.status)(scope, receive, send)

    def template(self, scope: Scope) -> str | None:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path", None) or "") or None
        return None

    def _with_headers(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in self.core.response_headers()]
                headers = [*message.get("headers", []), *extra]
                if not any(name.lower() == b"date" for name, _ in headers):
                    now = format_datetime(self.core.clock.now(), usegmt=True)
                    headers.append((b"date", now.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped


async def reset_connection(scope: Scope) -> None:
    """Abort the client's TCP connection with an RST (SO_LINGER 0), as a dropped peer would.

    Needs the transport exposed by ``serve_in_thread``; under other servers it raises
    ``ConnectionResetError`` so the in-process caller still sees a failure.
    """
    transport = scope.get("extensions", {}).get(TRANSPORT_SCOPE_KEY)
    if transport is None:
        raise ConnectionResetError("injected connection reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let uvicorn notice the disconnect before the app returns, so it does not try to send a 500.
    await asyncio.sleep(0.01)
