"""The QBO emulator assembled: stores + OAuth + gateway + API routes + webhooks on one app.

    qbo = QboService(seed="demo", size="demo", clock=clock)
    running = serve_in_thread(qbo.app)            # or through ledgerlink_sandbox.sandbox.Sandbox
    tokens = qbo.oauth.connect(DEFAULT_CLIENT_ID, qbo.realm_id)   # skip the consent page

One company (realm) per sandbox by default, its id derived from the seed (16 digits starting
``9341`` like Intuit sandbox companies). Settings: ``QboServiceSettings`` (HTTP surface) merged
with the store's ``QboStoreSettings`` under ``/_sandbox/settings``; the store settings object
survives a data regeneration.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ledgerlink_sandbox.framework.app import build_app
from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.service import ResetOptions, ServiceCore
from ledgerlink_sandbox.quickbooks.api_routes import ApiRoutes
from ledgerlink_sandbox.quickbooks.envelope import Envelope, new_tid
from ledgerlink_sandbox.quickbooks.gateway import Gateway
from ledgerlink_sandbox.quickbooks.generator import generate
from ledgerlink_sandbox.quickbooks.oauth_routes import OAuthRoutes
from ledgerlink_sandbox.quickbooks.oauth_state import OAuthState
from ledgerlink_sandbox.quickbooks.service_settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QboServiceSettings,
)
from ledgerlink_sandbox.quickbooks.store import RealmStore
from ledgerlink_sandbox.quickbooks.store_api import RealmStoreLike
from ledgerlink_sandbox.quickbooks.webhooks import WebhookEmitter


def realm_id_for(seed: str) -> str:
    digest = hashlib.sha256(f"qbo-realm:{seed}".encode()).hexdigest()
    return "9341" + str(int(digest[:16], 16))[:12].rjust(12, "0")


def env_vars(base_url: str, seed: str) -> dict[str, str]:
    """``LEDGERLINK_QUICKBOOKS_*`` for a sandbox served at ``base_url`` (no data needed)."""
    return {
        "LEDGERLINK_QUICKBOOKS_API_URL": base_url,
        "LEDGERLINK_QUICKBOOKS_OAUTH_URL": base_url,
        "LEDGERLINK_QUICKBOOKS_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LEDGERLINK_QUICKBOOKS_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "LEDGERLINK_QUICKBOOKS_REALM_ID": realm_id_for(seed),
    }


class QboService:
    name = "quickbooks"

    def __init__(
        self,
        seed: str = "demo",
        size: str = "demo",
        clock: Clock | None = None,
        realm_ids: list[str] | None = None,
    ) -> None:
        self.seed = seed
        self.size = size
        self.clock = clock or Clock()
        self.settings = QboServiceSettings()
        self.lock = threading.RLock()
        self.realm_ids = realm_ids or [realm_id_for(seed)]
        self.stores: dict[str, RealmStoreLike] = {}
        self.regenerate()

        self.core = ServiceCore(self.name, self.clock)
        self.oauth = OAuthState(self.clock, self.settings)
        self.envelope = Envelope(self.clock, self.settings)
        self.gateway = Gateway(self.clock, self.settings, self.oauth, self.envelope)
        self.webhooks = WebhookEmitter(self.clock, self.settings, lambda: self.stores, self.lock)
        oauth_routes = OAuthRoutes(self.oauth, self.settings, lambda: self.realm_ids)
        api = ApiRoutes(lambda: self.stores, self.gateway, self.envelope, self.lock)

        core = self.core
        core.settings.register(self.settings)
        core.settings.register(lambda: [store.settings for store in self.stores.values()])
        core.error_response = lambda scope, status: self.envelope.system_fault(scope, status)
        core.throttle_response = self.envelope.throttled
        core.response_headers = lambda: [("intuit_tid", new_tid(self.clock))]
        core.on_reset(self._on_reset)
        core.admin_routes += [
            *oauth_routes.admin_routes(),
            Route("/_sandbox/webhooks", self._webhook_log, methods=["GET"]),
            Route("/_sandbox/webhooks/pump", self._webhook_pump, methods=["POST"]),
        ]
        self._app = build_app(core, [*oauth_routes.routes(), *api.routes()])

    @property
    def app(self) -> ASGIApp:
        return self._app

    @property
    def realm_id(self) -> str:
        return self.realm_ids[0]

    @property
    def store(self) -> RealmStoreLike:
        """The (first) realm's store, for tests that mutate data between requests."""
        return self.stores[self.realm_id]

    def regenerate(self) -> None:
        """(Re)build every realm's store from the seed at the current sandbox time."""
        with self.lock:
            old = self.stores
            fresh: dict[str, RealmStoreLike] = {}
            for realm in self.realm_ids:
                store: RealmStoreLike = RealmStore(realm, self.clock.now)
                if realm in old:
                    store.settings = old[realm].settings  # settings survive regeneration
                store.load(generate(self.seed, self.size, self.clock.now()))
                fresh[realm] = store
            self.stores = fresh

    def connect(self, client_id: str = DEFAULT_CLIENT_ID) -> dict[str, Any]:
        """A fresh token answer for the default realm, as after a consent."""
        return self.oauth.connect(client_id, self.realm_id)

    def env(self, base_url: str) -> dict[str, str]:
        return env_vars(base_url, self.seed)

    def describe(self, base_url: str) -> list[str]:
        return [
            f"QuickBooks Online  API    {base_url}/v3/company/{self.realm_id}/...",
            f"                   OAuth  {base_url}/.well-known/openid_configuration/",
            f"                   realm  {self.realm_id}",
            f"                   client {DEFAULT_CLIENT_ID}",
            f"                   secret {DEFAULT_CLIENT_SECRET}",
        ]

    def start(self) -> None:
        self.webhooks.start()

    def close(self) -> None:
        self.webhooks.stop()

    def _on_reset(self, options: ResetOptions) -> None:
        self.gateway.reset()
        if options.data:
            self.regenerate()
        if options.tokens:
            self.oauth.reset()
        self.webhooks.reset()

    async def _webhook_log(self, request: Request) -> Response:
        return JSONResponse({"deliveries": self.webhooks.snapshot()})

    async def _webhook_pump(self, request: Request) -> Response:
        attempts = await asyncio.to_thread(self.webhooks.pump)
        return JSONResponse({"attempts": attempts})


def build(seed: str, size: str, clock: Clock) -> QboService:
    """Factory used by ``ledgerlink_sandbox.sandbox.Sandbox``."""
    return QboService(seed=seed, size=size, clock=clock)
