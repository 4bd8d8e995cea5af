"""Sealing and opening the secrets of a `connections` row (`ledgerlink.crypto`)."""

from __future__ import annotations

from typing import Any

from ledgerlink.crypto import KeyRing, load_keyring
from ledgerlink.tokens.credentials import Credentials


class Sealer:
    """Seals values bound to (tenant, provider, field); the key ring is loaded on first use."""

    def __init__(self, keyring: KeyRing | None = None) -> None:
        self._keyring = keyring

    @property
    def keyring(self) -> KeyRing:
        if self._keyring is None:
            self._keyring = load_keyring()
        return self._keyring

    def seal(self, tenant: str, provider: str, name: str, value: str) -> str:
        return self.keyring.seal(value, tenant=tenant, provider=provider, field=name)

    def open(self, row: dict[str, Any]) -> Credentials:
        """The row's credentials with every secret opened."""
        tenant, provider = row["tenant"], row["provider"]
        opened = {
            name: self.keyring.open(value, tenant=tenant, provider=provider, field=name)
            for name, value in row["secrets"].items()
        }
        return Credentials(
            tenant=tenant,
            provider=provider,
            auth_kind=row["auth_kind"],
            account_id=row["account_id"],
            api_url=row["api_url"],
            secrets=opened,
            access_expires_at=row["access_expires_at"],
            version=row["version"],
        )
