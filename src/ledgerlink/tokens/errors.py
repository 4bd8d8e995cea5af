"""The errors a credential request ends in when a person must act; each is one line that names
the connection, the cause and the exact command."""

from __future__ import annotations

from ledgerlink.errors import LedgerlinkError


def reconnect_command(tenant: str, provider: str) -> str:
    return f"ledgerlink connect {provider} --tenant {tenant}"


class NotConnected(LedgerlinkError):
    """No connection exists for the tenant and provider."""

    def __init__(self, tenant: str, provider: str) -> None:
        super().__init__(
            f"No {provider} connection for tenant '{tenant}'. "
            f"Connect with: {reconnect_command(tenant, provider)}"
        )


class ReauthRequired(LedgerlinkError):
    """A person must reconnect: the provider no longer accepts the stored grant."""

    def __init__(self, tenant: str, provider: str, reason: str) -> None:
        self.tenant, self.provider, self.reason = tenant, provider, reason
        super().__init__(
            f"The {provider} connection of tenant '{tenant}' needs re-authorization ({reason}). "
            f"Reconnect with: {reconnect_command(tenant, provider)}"
        )
