"""``ServiceCore``: the shared state through which an emulator plugs into the framework.

An emulator (QBO, Pipedrive, ShipStation) is a Starlette app plus one ``ServiceCore`` that owns
the shared machinery. Minimal service:

    from starlette.routing import Route
    from ledgerlink_sandbox.framework import Clock, ServiceCore, build_app, serve_in_thread

    core = ServiceCore("pipedrive", clock)
    core.settings.register(PipedriveSettings())
    core.on_reset(lambda options: limiter.reset())              # plus data regeneration
    core.error_response = lambda scope, status: my_error(status)  # body for injected 5xx
    core.throttle_response = lambda scope: my_429()               # body for a 429 storm
    core.response_headers = lambda: [("x-request-id", new_id())]  # added to every API response
    app = build_app(core, [Route("/v1/deals", list_deals), ...])
    running = serve_in_thread(app, port=0)

``build_app`` (``ledgerlink_sandbox.framework.app``, which sits above this module, the admin
endpoints and the middleware) turns the core and the routes into the service's ASGI app.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.faults import FaultRegistry
from ledgerlink_sandbox.framework.settings import SettingsRegistry
from ledgerlink_sandbox.framework.stats import RequestStats

ADMIN_PREFIX = "/_sandbox"


@dataclass(frozen=True)
class ResetOptions:
    """What ``POST /_sandbox/reset`` should clear beyond stats, faults and rate-limit windows."""

    data: bool = False  # regenerate the service's data from its seed
    settings: bool = False  # restore every setting to its default
    tokens: bool = False  # forget issued OAuth tokens (services with OAuth)
    clock: bool = False  # back to the wall clock (shared: affects every service of the sandbox)

    @classmethod
    def from_json(cls, body: Any) -> ResetOptions:
        if body in (None, b"", ""):
            return cls()
        if not isinstance(body, dict) or set(body) - {"data", "settings", "tokens", "clock"}:
            raise ValueError('reset body: {"data", "settings", "tokens", "clock"}: booleans')
        return cls(**{k: bool(v) for k, v in body.items()})


def _default_error(scope: Scope, status: int) -> Response:
    body = json.dumps({"error": f"injected fault: HTTP {status}"})
    return Response(body, status_code=status, media_type="application/json")


def _default_throttle(scope: Scope) -> Response:
    return Response('{"error": "rate limited"}', status_code=429, media_type="application/json")


class ServiceCore:
    """Shared state of one emulated service: clock, settings, faults, stats and reset hooks."""

    def __init__(self, name: str, clock: Clock) -> None:
        self.name = name
        self.clock = clock
        self.settings = SettingsRegistry()
        self.faults = FaultRegistry()
        self.stats = RequestStats()
        self.admin_routes: list[BaseRoute] = []  # service-specific /_sandbox/... endpoints
        # Hooks a service overrides so injected faults look like the real service's errors.
        self.error_response: Callable[[Scope, int], Response] = _default_error
        self.throttle_response: Callable[[Scope], Response] = _default_throttle
        self.response_headers: Callable[[], list[tuple[str, str]]] = list
        # Body for a path (or method) no route serves; None keeps Starlette's plain-text answer.
        self.unknown_route_response: Callable[[Scope, int], Response] | None = None
        self._reset_hooks: list[Callable[[ResetOptions], None]] = []
        self._lock = threading.Lock()

    def on_reset(self, hook: Callable[[ResetOptions], None]) -> None:
        """Run ``hook`` on every reset (clear rate-limit windows, regenerate data, ...)."""
        self._reset_hooks.append(hook)

    def reset(self, options: ResetOptions | None = None) -> None:
        options = options or ResetOptions()
        with self._lock:
            self.stats.reset()
            self.faults.clear()
            if options.settings:
                self.settings.restore_defaults()
            if options.clock:
                self.clock.reset()
            for hook in self._reset_hooks:
                hook(options)
