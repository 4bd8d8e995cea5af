"""The Pipedrive emulator as a ``SandboxService``: ``build(seed, size, clock)``.

Serves API v2 (``/api/v2/...``), the still-supported v1 endpoints (``/api/v1/...`` and
``/v1/...``) and the OAuth server (``/oauth/...``, on the same port; the real one lives on
oauth.pipedrive.com and hands out ``api_domain`` = this sandbox). See ``settings`` for every
behaviour switch and ``routes.admin`` for the extra ``/_sandbox/...`` endpoints.
"""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Scope

from ledgerlink_sandbox.framework import Clock, ResetOptions, ServiceCore, build_app
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_API_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from ledgerlink_sandbox.pipedrive.generator import company_for, generate
from ledgerlink_sandbox.pipedrive.http import gateway_error, unknown_route
from ledgerlink_sandbox.pipedrive.limits import Limits
from ledgerlink_sandbox.pipedrive.oauth import OAuth
from ledgerlink_sandbox.pipedrive.routes import admin, entities, fields, search, v1, v1_reads
from ledgerlink_sandbox.pipedrive.settings import PipedriveSettings
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.store import Store
from ledgerlink_sandbox.pipedrive.webhooks import Webhooks

__all__ = [
    "DEFAULT_API_TOKEN",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "PipedriveService",
    "build",
]
SIZES = ("demo", "small", "large")


class PipedriveService:
    name = "pipedrive"

    def __init__(self, seed: str, size: str, clock: Clock) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}")
        self.seed, self.size = seed, size
        self.core = ServiceCore(self.name, clock)
        self.settings = PipedriveSettings()
        self.core.settings.register(self.settings)
        company = company_for(seed)
        store = self._new_store(clock)
        self.state = State(
            core=self.core,
            settings=self.settings,
            store=store,
            generated=generate(store, seed, size, clock.now()),
            limits=Limits(clock, self.settings),
            oauth=OAuth(clock, self.settings, company.id, company.user_id),
            webhooks=Webhooks(store, self.settings, f"{company.domain}.pipedrive.com"),
        )
        self.core.on_reset(self._reset)
        self.core.error_response = self._error_response
        self.core.throttle_response = self._throttle_response
        self.core.unknown_route_response = unknown_route
        self.core.response_headers = lambda: [("x-correlation-id", str(uuid.uuid4()))]
        self.core.admin_routes.extend(admin.routes(self.state))
        self._app = build_app(self.core, self.routes())

    def _new_store(self, clock: Clock) -> Store:
        store = Store(clock, company_for(self.seed))
        store.retention_days = lambda: self.settings.deleted_retention_days
        return store

    def routes(self) -> list[BaseRoute]:
        state = self.state
        # Search routes go first: /organizations/search must not be read as /organizations/{id}.
        return [
            *search.routes(state),
            *entities.routes(state),
            *fields.routes(state),
            *v1.routes(state),
            *v1_reads.routes(state),
            *state.oauth.routes(),
        ]

    def _reset(self, options: ResetOptions) -> None:
        state = self.state
        state.limits.reset()
        if options.tokens:
            state.oauth.reset()
        if options.data:
            state.webhooks.reset()
            store = self._new_store(self.core.clock)
            state.generated = generate(store, self.seed, self.size, self.core.clock.now())
            state.store = store
            state.webhooks.store = store
            store.listeners.append(state.webhooks.on_change)

    def _error_response(self, scope: Scope, status: int) -> Response:
        if str(scope.get("path", "")).startswith("/api/v2/"):
            body = {
                "success": False,
                "error": "Internal Server Error" if status >= 500 else f"HTTP {status}",
                "code": "ERR_UNKNOWN",
            }
            return JSONResponse(body, status_code=status)
        return gateway_error(status, "Internal Server Error" if status >= 500 else f"HTTP {status}")

    def _throttle_response(self, scope: Scope) -> Response:
        # Always with the rate-limit headers: the singer tap crashes on a 429 without them.
        response = gateway_error(429, self.settings.rate_limit_error)
        limits = self.state.limits
        response.headers.update(
            {
                "x-ratelimit-limit": str(self.settings.burst_limits[self.settings.plan][0]),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": "2",
                "x-daily-ratelimit-token-limit": str(limits.daily_limit()),
                "x-daily-ratelimit-token-remaining": str(limits.remaining()),
            }
        )
        return response

    @property
    def app(self) -> ASGIApp:
        return self._app

    def env(self, base_url: str) -> dict[str, str]:
        return env_vars(base_url, self.seed)

    def describe(self, base_url: str) -> list[str]:
        counts = {e: len(self.state.store.rows(e)) for e in ("organization", "person", "deal")}
        return [
            f"Pipedrive ({self.size}, seed {self.seed!r}): {base_url}/api/v2, {base_url}/v1, "
            f"OAuth {base_url}/oauth/authorize",
            f"  {counts['organization']} organizations, {counts['person']} persons, "
            f"{counts['deal']} deals; daily budget {self.state.limits.daily_limit()} tokens",
            f"  credentials: GET {base_url}/_sandbox/credentials",
        ]

    def start(self) -> None:
        """Nothing to start: webhook deliveries run on demand."""

    def close(self) -> None:
        self.state.webhooks.close()


def env_vars(base_url: str, seed: str) -> dict[str, str]:
    """``LEDGERLINK_PIPEDRIVE_*`` for a sandbox served at ``base_url`` (no data needed)."""
    return {
        "LEDGERLINK_PIPEDRIVE_API_URL": base_url,
        "LEDGERLINK_PIPEDRIVE_OAUTH_URL": base_url,
        "LEDGERLINK_PIPEDRIVE_API_TOKEN": DEFAULT_API_TOKEN,
        "LEDGERLINK_PIPEDRIVE_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LEDGERLINK_PIPEDRIVE_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
    }


def build(seed: str, size: str, clock: Clock) -> PipedriveService:
    return PipedriveService(seed, size, clock)
