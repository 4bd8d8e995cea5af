"""Shared building blocks of the sandbox emulators (QuickBooks, Pipedrive, ShipStation).

Public API (import from ``ledgerlink_sandbox.framework``):

- ``Clock`` — ``now()``, ``freeze(at=None)``, ``advance(seconds)``, ``unfreeze()``; one per sandbox,
  shared by all services (``clock``).
- ``ServiceCore(name, clock)`` — per-service state: ``.settings`` (``SettingsRegistry``),
  ``.faults`` (``FaultRegistry``), ``.stats`` (``RequestStats``), ``.on_reset(hook)``,
  ``.admin_routes`` (extra ``/_sandbox/...`` routes), and hooks ``.error_response(scope, status)``,
  ``.throttle_response(scope)``, ``.response_headers()`` so injected faults look like the real
  service (``service``).
- ``build_app(core, routes)`` — Starlette app with the admin endpoints plus ``routes`` wrapped in
  the accounting/fault middleware (``app``, ``middleware``, ``admin``).
- ``WindowLimiter(clock, window_seconds, kind="fixed"|"sliding")`` and ``acquire_all(...)`` —
  clock-driven rate limiting (``ratelimit``).
- ``FaultRule`` — the fault-injection rule and its JSON form (``faults``).
- ``ResetOptions`` — what ``POST /_sandbox/reset`` clears (``service``).
- ``serve_in_thread(app, port=0) -> RunningService`` (``.url``, ``.port``, ``.stop()``)
  (``runner``).
- ``SandboxService`` — what a service module hands to ``ledgerlink_sandbox.sandbox.Sandbox``
  (``protocol``).

Writing a new emulator: create ``ledgerlink_sandbox/<service>/service.py`` with a
``build(seed, size, clock) -> SandboxService`` function, then add one ``ServiceSpec`` line to
``ledgerlink_sandbox.sandbox.SERVICES``. Keep every unverified behaviour in a settings dataclass
registered on ``core.settings``; keep time reads on ``core.clock``; register a reset hook that
clears your rate-limit windows (and regenerates data when ``options.data``).
"""

from ledgerlink_sandbox.framework.app import build_app
from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.faults import FaultRegistry, FaultRule
from ledgerlink_sandbox.framework.protocol import SandboxService
from ledgerlink_sandbox.framework.ratelimit import WindowLimiter, acquire_all
from ledgerlink_sandbox.framework.runner import RunningService, serve_in_thread
from ledgerlink_sandbox.framework.service import ResetOptions, ServiceCore
from ledgerlink_sandbox.framework.settings import SettingsRegistry
from ledgerlink_sandbox.framework.stats import RequestStats

__all__ = [
    "Clock",
    "FaultRegistry",
    "FaultRule",
    "RequestStats",
    "ResetOptions",
    "RunningService",
    "SandboxService",
    "ServiceCore",
    "SettingsRegistry",
    "WindowLimiter",
    "acquire_all",
    "build_app",
    "serve_in_thread",
]
