"""The one authenticator of every plugin: credential headers from the ledgerlink TokenStore.

The store refreshes OAuth tokens ahead of expiry under a PostgreSQL lock and persists rotated
refresh tokens, so a plugin never sees a refresh token, never writes its config, and never sends
a credential as a query parameter (URLs reach logs and metrics, headers do not). What the plugin
holds between requests is a `HeldCredential`, as every other API client of ledgerlink does.
"""

from __future__ import annotations

import requests
from singer_sdk.authenticators import APIAuthenticatorBase
from typing_extensions import override

from ledgerlink.config import Provider
from ledgerlink.tokens import Credentials, HeldCredential, TokenStore


class TokenStoreAuthenticator(APIAuthenticatorBase):
    """One instance per plugin run, shared by its streams or sinks."""

    def __init__(self, *, tenant: str, provider: Provider, store: TokenStore) -> None:
        super().__init__()
        self.held = HeldCredential(store, tenant, provider)

    @property
    def credentials(self) -> Credentials:
        """The current credentials; OAuth ones are fetched again when within the margin."""
        return self.held.current

    def reject(self, token: str | None = None) -> bool:
        """After a 401: True when a different credential is in place (see `HeldCredential`)."""
        return self.held.reject(token)

    @override
    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.held.headers())
        return request
