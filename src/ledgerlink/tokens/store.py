"""The TokenStore: the only way any plugin, job or command gets a credential.

Reading and saving live here; refreshing (single-flight, safe when an outcome is unknown) is
`ledgerlink.tokens.refresh`, sealing is `ledgerlink.tokens.sealing`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import httpx
from psycopg.types.json import Jsonb

from ledgerlink import db
from ledgerlink.config import AppCredentials, Provider
from ledgerlink.crypto import KeyRing
from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens import grants, rows
from ledgerlink.tokens.credentials import Connection, Credentials
from ledgerlink.tokens.errors import NotConnected, ReauthRequired
from ledgerlink.tokens.refresh import DEFAULT_PROCESSING_WINDOW, Refresher
from ledgerlink.tokens.sealing import Sealer

__all__ = ["NotConnected", "ReauthRequired", "TokenStore"]

DEFAULT_MARGIN = timedelta(minutes=5)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _seconds_from_env(name: str) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else None


def _margin_from_env() -> timedelta:
    seconds = _seconds_from_env("LEDGERLINK_TOKEN_MARGIN_SECONDS")
    return timedelta(seconds=seconds) if seconds is not None else DEFAULT_MARGIN


def _window_from_env() -> timedelta:
    seconds = _seconds_from_env("LEDGERLINK_TOKEN_PROCESSING_WINDOW_SECONDS")
    return timedelta(seconds=seconds) if seconds is not None else DEFAULT_PROCESSING_WINDOW


class TokenStore:
    """Reads, refreshes and saves credentials in the `connections` table."""

    def __init__(
        self,
        *,
        keyring: KeyRing | None = None,
        database_url: str | None = None,
        margin: timedelta | None = None,
        processing_window: timedelta | None = None,
        token_timeout: float | None = None,
        http: httpx.Client | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        """`processing_window`: how long after a refresh request the provider may still act on it
        (`LEDGERLINK_TOKEN_PROCESSING_WINDOW_SECONDS`); `token_timeout`: the token call's read
        timeout in seconds (`LEDGERLINK_TOKEN_TIMEOUT_SECONDS`, default
        `grants.TOKEN_READ_TIMEOUT_SECONDS`)."""
        self._sealer = Sealer(keyring)
        self.database_url = database_url  # None: the DSN in force (`ledgerlink.db.dsn`)
        self.margin = margin if margin is not None else _margin_from_env()
        self.processing_window = (
            processing_window if processing_window is not None else _window_from_env()
        )
        self.token_timeout = (
            token_timeout
            if token_timeout is not None
            else _seconds_from_env("LEDGERLINK_TOKEN_TIMEOUT_SECONDS")
        )
        self._http = http
        self._now = now

    @property
    def keyring(self) -> KeyRing:
        return self._sealer.keyring

    def _refresher(self) -> Refresher:
        return Refresher(
            sealer=self._sealer,
            database_url=self.database_url,
            margin=self.margin,
            processing_window=self.processing_window,
            token_timeout=self.token_timeout,
            http=self._http,
            now=self._now,
        )

    # -- reading -------------------------------------------------------------------------------

    def credentials(
        self,
        tenant: str,
        provider: Provider,
        *,
        rejected: str | None = None,
        app: AppCredentials | None = None,
    ) -> Credentials:
        """Credentials valid for at least the margin, refreshing them when needed.

        `rejected` is an access token the API just answered 401 for: it is refreshed even if it
        looks valid, unless another process already replaced it. Callers pass it at most once per
        request. `app` overrides the stored OAuth client id and secret.
        """
        refresher = self._refresher()
        # One connection of its own for the whole call, and nothing else: the unlocked read,
        # then, if a refresh is due, the refresh lock on that same session. A plugin process
        # waiting for the lock so holds one connection, and fifty of them fit a stock server.
        with db.session(self.database_url) as conn:
            row = rows.select(conn, tenant, provider)
            current = refresher.usable(row, rejected)
            if current is not None:
                return current
            return refresher.run(conn, tenant, provider, rejected=rejected, app=app)

    def access_token(self, tenant: str, provider: Provider, *, rejected: str | None = None) -> str:
        creds = self.credentials(tenant, provider, rejected=rejected)
        if creds.access_token is None:
            msg = f"The {provider} connection of tenant '{tenant}' has no OAuth access token"
            raise LedgerlinkError(msg)
        return creds.access_token

    def refresh(self, tenant: str, provider: Provider) -> Credentials:
        """Refresh now, whatever the access token's expiry (the scheduled refresh job uses it)."""
        with db.session(self.database_url) as conn:
            return self._refresher().run(
                conn, tenant, provider, rejected=None, app=None, always=True
            )

    def connections(self, tenant: str | None = None) -> list[Connection]:
        sql = f"SELECT {rows.COLUMNS} FROM connections"  # noqa: S608 - constant column list
        with db.connection(self.database_url) as conn:
            if tenant is None:
                found = conn.execute(sql + " ORDER BY tenant, provider").fetchall()
            else:
                found = conn.execute(
                    sql + " WHERE tenant = %s ORDER BY provider", (tenant,)
                ).fetchall()
        return [Connection.from_row(r, self._now()) for r in found]

    # -- saving ---------------------------------------------------------------------------------

    def save(
        self,
        tenant: str,
        provider: Provider,
        *,
        auth_kind: str,
        api_url: str,
        secrets: Mapping[str, str],
        account_id: str | None = None,
        token_url: str | None = None,
        revoke_url: str | None = None,
        client_id: str | None = None,
        grant: grants.Grant | None = None,
    ) -> Connection:
        """Create or replace a connection (what `ledgerlink connect` does), status active."""
        now = self._now()
        values = dict(secrets)
        access_expires = refresh_expires = hard_expires = None
        if grant is not None:
            values["access_token"] = grant.access_token
            if grant.refresh_token:
                values["refresh_token"] = grant.refresh_token
            access_expires = now + timedelta(seconds=grant.expires_in)
            refresh_expires = rows.expiry(now, grant.refresh_expires_in)
            if refresh_expires is None and provider == "pipedrive":
                refresh_expires = now + rows.PIPEDRIVE_REFRESH_WINDOW
            hard_expires = rows.expiry(now, grant.refresh_hard_expires_in)
            api_url = grant.api_domain or api_url
        sealed = {k: self._sealer.seal(tenant, provider, k, v) for k, v in values.items()}
        with db.connection(self.database_url) as conn, conn.transaction():
            rows.xact_lock(conn, tenant, provider)
            row = conn.execute(
                "INSERT INTO connections (tenant, provider, auth_kind, account_id, api_url,"  # noqa: S608
                " token_url, revoke_url, client_id, secrets, access_expires_at,"
                " refresh_expires_at, refresh_hard_expires_at, last_refreshed_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (tenant, provider) DO UPDATE SET"
                " auth_kind = EXCLUDED.auth_kind, account_id = EXCLUDED.account_id,"
                " api_url = EXCLUDED.api_url, token_url = EXCLUDED.token_url,"
                " revoke_url = EXCLUDED.revoke_url, client_id = EXCLUDED.client_id,"
                " secrets = EXCLUDED.secrets, access_expires_at = EXCLUDED.access_expires_at,"
                " refresh_expires_at = EXCLUDED.refresh_expires_at,"
                " refresh_hard_expires_at = EXCLUDED.refresh_hard_expires_at,"
                " last_refreshed_at = EXCLUDED.last_refreshed_at, status = 'active',"
                " status_detail = NULL, reauth_cause = NULL, reconnect_command = NULL,"
                " version = connections.version + 1, updated_at = now()"
                f" RETURNING {rows.COLUMNS}",
                (
                    tenant,
                    provider,
                    auth_kind,
                    account_id,
                    api_url,
                    token_url,
                    revoke_url,
                    client_id,
                    Jsonb(sealed),
                    access_expires,
                    refresh_expires,
                    hard_expires,
                    now if grant else None,
                ),
            ).fetchone()
        assert row is not None  # INSERT ... RETURNING always returns the row
        return Connection.from_row(row, now)

    def disconnect(self, tenant: str, provider: Provider) -> tuple[bool, bool]:
        """Revoke where the provider supports it and delete the row: (existed, revoked)."""
        with db.connection(self.database_url) as conn, conn.transaction():
            rows.xact_lock(conn, tenant, provider)
            row = rows.select(conn, tenant, provider)
            if row is None:
                return False, False
            revoked = False
            secrets = self._sealer.open(row).secrets
            token = secrets.get("refresh_token") or secrets.get("access_token")
            if row["auth_kind"] == "oauth" and row["revoke_url"] and token:
                revoked = grants.revoke(
                    provider,
                    row["revoke_url"],
                    row["client_id"],
                    secrets.get("client_secret", ""),
                    token,
                    self._http,
                )
            conn.execute(
                "DELETE FROM connections WHERE tenant = %s AND provider = %s", (tenant, provider)
            )
        return True, revoked

    def reseal_all(self) -> int:
        """Re-seal every stored secret under the current key; returns how many values changed."""
        changed = 0
        with db.connection(self.database_url) as conn, conn.transaction():
            rows = conn.execute(
                "SELECT tenant, provider, secrets FROM connections FOR UPDATE"
            ).fetchall()
            for row in rows:
                tenant, provider, sealed = row["tenant"], row["provider"], dict(row["secrets"])
                for name, value in sealed.items():
                    if self.keyring.needs_reseal(value):
                        plain = self.keyring.open(
                            value, tenant=tenant, provider=provider, field=name
                        )
                        sealed[name] = self._sealer.seal(tenant, provider, name, plain)
                        changed += 1
                conn.execute(
                    "UPDATE connections SET secrets = %s WHERE tenant = %s AND provider = %s",
                    (Jsonb(sealed), tenant, provider),
                )
        return changed
