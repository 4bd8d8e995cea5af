"""A Pipedrive client's credential: from the ``TokenStore``, refreshed before it expires and once
after a 401, whatever the HTTP library.

Both kinds of connection (reference §2): an API token goes in ``x-api-token``, an OAuth access
token in ``Authorization: Bearer``; never a query parameter (URLs end up in logs).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.urls import company_base_url
from ledgerlink.tokens import Credentials, TokenStore

# An access token this close to its expiry is refreshed before use rather than after a 401.
REFRESH_MARGIN = timedelta(minutes=5)


class PipedriveAuth:
    """The tenant's Pipedrive credential, cached for the process, refreshed through the store."""

    def __init__(self, tenant: str, store: TokenStore | None = None) -> None:
        self.tenant = tenant
        self.store = store or TokenStore()
        self._credentials: Credentials | None = None
        self._lock = threading.Lock()

    def credentials(self) -> Credentials:
        with self._lock:
            creds = self._credentials
            expires = creds.access_expires_at if creds else None
            if creds is None or (
                creds.auth_kind == "oauth"
                and (expires is None or expires - REFRESH_MARGIN <= datetime.now(UTC))
            ):
                creds = self._credentials = self.store.credentials(self.tenant, "pipedrive")
            return creds

    def headers(self) -> dict[str, str]:
        return self.credentials().headers()

    def base_url(self) -> str:
        """The company's API host (no ``/api/v2``), as the connection stored it."""
        creds = self.credentials()
        return company_base_url(creds.api_url, creds.account_id)

    def reauthorize(self, error: PipedriveApiError) -> bool:
        """After a 401: one forced OAuth refresh (unless another process already replaced the
        token). An API token cannot be refreshed, so the 401 stands."""
        creds = self.credentials()
        if creds.auth_kind != "oauth":
            return False
        fresh = self.store.credentials(self.tenant, "pipedrive", rejected=creds.access_token)
        with self._lock:
            self._credentials = fresh
        return True
