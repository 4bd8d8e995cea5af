"""The ShipStation V1 emulator assembled: store + gateway + API routes + admin + webhooks.

    ss = build(seed="demo", size="demo", clock=clock)
    running = serve_in_thread(ss.app); ss.start()      # or through ledgerlink_sandbox.Sandbox
    httpx.get(f"{running.url}/orders", auth=(DEFAULT_API_KEY, DEFAULT_API_SECRET))

Point a client at it by replacing ``https://ssapi.shipstation.com`` with the served URL; the
seeded account's key pair is ``settings.DEFAULT_API_KEY``/``DEFAULT_API_SECRET`` (also at
``GET /_sandbox/credentials``). Webhook ``resource_url``s use the base URL the triggering request
came in on, so they point back at the sandbox: a receiver that only trusts
``ssapi*.shipstation.com`` hosts needs that check configurable for tests.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from ledgerlink_sandbox.framework.app import build_app
from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.service import ResetOptions, ServiceCore
from ledgerlink_sandbox.shipstation import dataset, errors
from ledgerlink_sandbox.shipstation.admin_routes import AdminRoutes
from ledgerlink_sandbox.shipstation.api_routes import ApiRoutes
from ledgerlink_sandbox.shipstation.gateway import Gateway
from ledgerlink_sandbox.shipstation.settings import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    ShipStationSettings,
)
from ledgerlink_sandbox.shipstation.store import Store
from ledgerlink_sandbox.shipstation.webhooks import WebhookSender

REAL_BASE_URL = "https://ssapi.shipstation.com"


def env_vars(base_url: str, seed: str) -> dict[str, str]:
    """``LEDGERLINK_SHIPSTATION_*`` for a sandbox served at ``base_url`` (no data needed)."""
    return {
        "LEDGERLINK_SHIPSTATION_API_URL": base_url,
        "LEDGERLINK_SHIPSTATION_API_KEY": DEFAULT_API_KEY,
        "LEDGERLINK_SHIPSTATION_API_SECRET": DEFAULT_API_SECRET,
    }


class ShipStationService:
    name = "shipstation"

    def __init__(self, seed: str = "demo", size: str = "demo", clock: Clock | None = None) -> None:
        self.seed = seed
        self.size = size
        self.clock = clock or Clock()
        self.settings = ShipStationSettings()
        self.store = self._generate()
        self.core = ServiceCore(self.name, self.clock)
        self.gateway = Gateway(self.clock, self.settings, lambda: self.store.account.credentials)
        self.webhooks = WebhookSender(self.settings, lambda: list(self.store.webhooks.values()))
        api = ApiRoutes(lambda: self.store, self.gateway, self.webhooks, self.settings)
        admin = AdminRoutes(lambda: self.store, self.webhooks)

        core = self.core
        core.settings.register(self.settings)
        core.error_response = self._fault_response
        core.throttle_response = lambda scope: errors.too_many_requests(
            self.gateway.fault_headers(scope, exhausted=True)
        )
        core.on_reset(self._on_reset)
        core.admin_routes += admin.routes()
        self._app = build_app(core, api.routes())

    @property
    def app(self) -> ASGIApp:
        return self._app

    def _generate(self) -> Store:
        store = Store(self.clock, self.settings, self.seed)
        store.account.credentials[DEFAULT_API_KEY] = DEFAULT_API_SECRET
        dataset.load(store, self.seed, self.size)
        return store

    def regenerate(self) -> None:
        """Rebuild the seeded account at the current sandbox time (settings are kept)."""
        self.store = self._generate()

    def env(self, base_url: str) -> dict[str, str]:
        return env_vars(base_url, self.seed)

    def describe(self, base_url: str) -> list[str]:
        return [
            f"ShipStation V1     API    {base_url}  (instead of {REAL_BASE_URL})",
            f"                   key    {DEFAULT_API_KEY}",
            f"                   secret {DEFAULT_API_SECRET}",
        ]

    def start(self) -> None:
        self.webhooks.start()

    def close(self) -> None:
        self.webhooks.stop()

    def _on_reset(self, options: ResetOptions) -> None:
        self.gateway.windows.reset()
        self.webhooks.reset()
        if options.data:
            self.regenerate()

    def _fault_response(self, scope: Scope, status: int) -> Response:
        """Body of an injected fault, shaped like the real service's answer for that status."""
        headers = self.gateway.fault_headers(scope)
        if status == 401:
            return errors.unauthorized(self.settings.unauthorized_body, headers)
        if status == 429:
            return errors.too_many_requests(self.gateway.fault_headers(scope, exhausted=True))
        if status in (502, 503, 504):
            response = errors.gateway_page(status)
        elif status == 404:
            path = scope.get("path", "")
            query = scope.get("query_string", b"").decode("latin-1")
            response = errors.not_found(path + (f"?{query}" if query else "")).response()
        elif status >= 500:
            response = errors.server_error()
            response.status_code = status
        else:
            response = errors.message(status, "The request is invalid.").response()
        response.headers.update(headers)
        return response


def build(seed: str, size: str, clock: Clock) -> ShipStationService:
    """Factory used by ``ledgerlink_sandbox.sandbox.Sandbox``."""
    return ShipStationService(seed=seed, size=size, clock=clock)


__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_SECRET", "ShipStationService", "build", "env_vars"]
