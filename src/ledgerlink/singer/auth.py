"""The one authenticator of every plugin: credential headers from the ledgerlink TokenStore.

The store refreshes OAuth tokens ahead of expiry under a PostgreSQL lock and persists rotated
refresh tokens, so a plugin never sees a refresh token, never writes its config, and never sends
a credential as a query parameter (URLs reach logs and metrics, headers do not).
"""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from singer_sdk.authenticators import APIAuthenticatorBase
from typing_extensions import override

from ledgerlink.config import Provider
from ledgerlink.tokens import Credentials, TokenStore


class TokenStoreAuthenticator(APIAuthenticatorBase):
    """One instance per plugin run, shared by its streams or sinks."""

    def __init__(self, *, tenant: str, provider: Provider, store: TokenStore) -> None:
        super().__init__()
        self.tenant = tenant
        self.provider: Provider = provider
        self.store = store
        self._credentials: Credentials | None = None

    @property
    def credentials(self) -> Credentials:
        """The current credentials; OAuth ones are fetched again when within the margin."""
        creds = self._credentials
        if creds is None or self._expiring(creds):
            creds = self._credentials = self.store.credentials(self.tenant, self.provider)
        return creds

    def _expiring(self, creds: Credentials) -> bool:
        if creds.auth_kind != "oauth":
            return False  # API tokens and keys do not expire; a 401 for them is final
        expires = creds.access_expires_at
        return expires is None or expires - self.store.margin <= datetime.now(UTC)

    def reject(self, token: str | None = None) -> bool:
        """After a 401: one forced refresh, unless another process already replaced the refused
        token. True when a fresh credential is in place (OAuth); an API token or key cannot be
        refreshed, so the refusal stands (False)."""
        creds = self.credentials
        if creds.auth_kind != "oauth":
            return False
        self._credentials = self.store.credentials(
            self.tenant, self.provider, rejected=token or creds.access_token
        )
        return True

    @override
    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.credentials.headers())
        return request
