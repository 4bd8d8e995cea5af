"""A tenant's credential as one API client holds it between requests.

Every client (the singer-sdk authenticator of the plugins, the Pipedrive and ShipStation clients)
keeps its credential here: fetched from the `TokenStore` on first use, fetched again when an OAuth
access token comes within the store's margin of its expiry, and asked for again once after the
API refused it. The store decides whether that means a refresh; this class only decides whether a
refused request is worth sending again.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ledgerlink.config import Provider
from ledgerlink.tokens.credentials import Credentials
from ledgerlink.tokens.store import TokenStore


class HeldCredential:
    """The current credential of (tenant, provider) for one client; safe to share across threads."""

    def __init__(self, store: TokenStore, tenant: str, provider: Provider) -> None:
        self.store = store
        self.tenant = tenant
        self.provider: Provider = provider
        self._credentials: Credentials | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> Credentials:
        with self._lock:
            creds = self._credentials
            if creds is None or self._expiring(creds):
                creds = self._credentials = self.store.credentials(self.tenant, self.provider)
            return creds

    def headers(self) -> dict[str, str]:
        return self.current.headers()

    def reject(self, token: str | None = None) -> bool:
        """After the API refused the credential (401): True when a different one is now in place
        and the request is worth sending again, False when the refusal stands.

        OAuth: one forced refresh of the refused access token (`token`, default the current one),
        unless another process already replaced it. API tokens and keys cannot be refreshed; they
        are read again in case a person reconnected meanwhile.
        """
        creds = self.current
        if creds.auth_kind == "oauth":
            refused = token or creds.access_token
            fresh = self.store.credentials(self.tenant, self.provider, rejected=refused)
        else:
            fresh = self.store.credentials(self.tenant, self.provider)
        with self._lock:
            self._credentials = fresh
        return fresh.secrets != creds.secrets

    def _expiring(self, creds: Credentials) -> bool:
        if creds.auth_kind != "oauth":
            return False  # API tokens and keys do not expire; a refusal is handled by `reject`
        expires = creds.access_expires_at
        return expires is None or expires - self.store.margin <= datetime.now(UTC)
