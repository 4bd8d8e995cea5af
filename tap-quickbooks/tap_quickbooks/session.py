"""What all streams of one tap run share: the settings, the credentials (TokenStore), the realm,
the API base URL, the pacer and retry policy, and the run's planner."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

from ledgerlink.errors import LedgerlinkError
from ledgerlink.quickbooks.pacing import QboRetry, pacer_for
from ledgerlink.retry import Backoff
from ledgerlink.singer.auth import TokenStoreAuthenticator
from ledgerlink.singer.http import TRANSIENT_EXCEPTIONS
from ledgerlink.singer.settings import StoreSettings
from ledgerlink.singer.urls import api_base_url
from tap_quickbooks.plan import PlannedStream, RunPlanner
from tap_quickbooks.settings import QboSettings


class QboSession:
    def __init__(
        self, config: Mapping[str, Any], streams: Callable[[], Iterable[PlannedStream]]
    ) -> None:
        self.config = config
        self.settings = QboSettings.from_config(config)
        self.store_settings = StoreSettings.from_config(config)
        self._streams = streams

    @cached_property
    def authenticator(self) -> TokenStoreAuthenticator:
        # The app's client id and secret are the ones stored with the connection.
        return TokenStoreAuthenticator(
            tenant=self.store_settings.tenant,
            provider="quickbooks",
            store=self.store_settings.store(),
        )

    @cached_property
    def realm_id(self) -> str:
        tenant = self.store_settings.tenant
        connected = self.authenticator.credentials.account_id
        wanted = self.settings.realm_id
        if wanted and connected and wanted != connected:
            raise LedgerlinkError(
                f"Tenant '{tenant}' is connected to QuickBooks company {connected}, not "
                f"{wanted}: fix the realm_id setting or reconnect with "
                f"`ledgerlink connect quickbooks --tenant {tenant}`"
            )
        realm = wanted or connected
        if not realm:
            raise LedgerlinkError(
                f"The QuickBooks connection of tenant '{tenant}' has no company id and the "
                "realm_id setting is empty: set realm_id or reconnect"
            )
        return str(realm)

    @cached_property
    def api_url(self) -> str:
        """The URL stored with the connection (an Intuit sandbox company's is the sandbox host),
        unless the ``api_url`` setting overrides it."""
        return api_base_url(self.config, self.authenticator.credentials.api_url)

    @cached_property
    def retry(self) -> QboRetry:
        s = self.settings
        tries = s.max_retries + 1
        return QboRetry(
            pacer=pacer_for(self.realm_id, s.per_second, s.per_minute),
            backoff=Backoff(base=s.backoff_base, max_tries=tries),
            throttle_wait=s.throttle_wait,
            throttle_tries=tries,
            transient_exceptions=TRANSIENT_EXCEPTIONS,
        )

    @cached_property
    def planner(self) -> RunPlanner:
        s = self.settings
        return RunPlanner(
            streams=self._streams, start=s.start, settle=s.settle, cdc_max_age=s.cdc_max_age
        )
