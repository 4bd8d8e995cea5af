"""What the TokenStore hands out: opened credentials, and connection facts without secrets."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Credentials:
    """Opened secrets of one connection; `repr` never shows them."""

    tenant: str
    provider: str
    auth_kind: str  # oauth | api_token | api_key
    account_id: str | None
    api_url: str
    secrets: Mapping[str, str] = field(repr=False)
    access_expires_at: datetime | None
    version: int

    @property
    def access_token(self) -> str | None:
        return self.secrets.get("access_token")

    def headers(self) -> dict[str, str]:
        """The HTTP headers that authenticate a request (never a query parameter)."""
        if self.auth_kind == "oauth":
            return {"Authorization": f"Bearer {self.secrets['access_token']}"}
        if self.auth_kind == "api_token":
            return {"x-api-token": self.secrets["api_token"]}
        pair = f"{self.secrets['api_key']}:{self.secrets['api_secret']}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


@dataclass(frozen=True)
class Connection:
    """A `connections` row as `ledgerlink status` shows it: no secret in here."""

    tenant: str
    provider: str
    auth_kind: str
    account_id: str | None
    api_url: str
    status: str
    status_detail: str | None
    reauth_cause: str | None
    reconnect_command: str | None
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    refresh_hard_expires_at: datetime | None
    last_refreshed_at: datetime | None
    version: int
    checked_at: datetime
    connected_at: datetime | None = None  # first connected (a reconnect keeps it)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], now: datetime) -> Connection:
        return cls(
            tenant=row["tenant"],
            provider=row["provider"],
            auth_kind=row["auth_kind"],
            account_id=row["account_id"],
            api_url=row["api_url"],
            status=row["status"],
            status_detail=row["status_detail"],
            reauth_cause=row.get("reauth_cause"),
            reconnect_command=row.get("reconnect_command"),
            access_expires_at=row["access_expires_at"],
            refresh_expires_at=row["refresh_expires_at"],
            refresh_hard_expires_at=row["refresh_hard_expires_at"],
            last_refreshed_at=row["last_refreshed_at"],
            version=row["version"],
            checked_at=now,
            connected_at=row.get("created_at"),
        )

    @property
    def refresh_deadline(self) -> datetime | None:
        """When a person must have reconnected at the latest (rolling or hard expiry)."""
        dates = [d for d in (self.refresh_expires_at, self.refresh_hard_expires_at) if d]
        return min(dates) if dates else None

    @property
    def needs_reauth(self) -> bool:
        if self.status != "active":
            return True
        deadline = self.refresh_deadline
        return deadline is not None and deadline <= self.checked_at

    @property
    def days_left(self) -> int | None:
        """Whole days until a reconnect is forced; None for a dead connection or no deadline."""
        deadline = self.refresh_deadline
        if deadline is None or self.needs_reauth:
            return None
        return (deadline - self.checked_at).days

    @property
    def deadline_kind(self) -> str:
        """Which expiry `refresh_deadline` is: the rolling window or the 5-year hard expiry."""
        hard, rolling = self.refresh_hard_expires_at, self.refresh_expires_at
        if hard is not None and (rolling is None or hard <= rolling):
            return "hard expiry"
        return "rolling refresh window"

    @property
    def reconnect(self) -> str:
        """The exact command that reconnects this connection."""
        return (
            self.reconnect_command or f"ledgerlink connect {self.provider} --tenant {self.tenant}"
        )

    @property
    def problem(self) -> str:
        """Why a person must reconnect (only meaningful when `needs_reauth`)."""
        if self.status_detail:
            return self.status_detail
        deadline = self.refresh_deadline
        if self.status == "active" and deadline is not None:
            return f"{self.deadline_kind} passed on {deadline:%Y-%m-%d %H:%M} UTC"
        return self.status

    def expires_within(self, days: int) -> bool:
        """Active, but the rolling window or hard expiry ends within `days` days."""
        deadline = self.refresh_deadline
        if self.needs_reauth or deadline is None:
            return False
        return deadline - self.checked_at <= timedelta(days=days)
