"""The TokenStore: the only way any plugin, job or command gets a credential.

A refresh is single-flight across processes and machines: a PostgreSQL advisory lock on
(tenant, provider), a re-read of the row inside the lock (another process may have refreshed
already), a durable attempt row, the token call, and the new tokens stored in the transaction that
finishes the attempt. A process that dies while holding the lock releases it with its database
connection, and its attempt row tells the next holder that the provider may have acted: that one
waits out the provider's processing window before presenting the stored refresh token again
(`ledgerlink.tokens.attempts`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ledgerlink import db
from ledgerlink.config import AppCredentials, Provider
from ledgerlink.crypto import KeyRing, load_keyring
from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens import attempts, grants
from ledgerlink.tokens.credentials import Connection, Credentials
from ledgerlink.tokens.errors import NotConnected, ReauthRequired, reconnect_command

log = logging.getLogger(__name__)

__all__ = ["NotConnected", "ReauthRequired", "TokenStore"]

DEFAULT_MARGIN = timedelta(minutes=5)
# How long after a refresh request was sent the provider may still act on it: a live holder waits
# for the answer up to the token read timeout, a dead holder's request may still be queued, so
# the window is that timeout plus a minute.
DEFAULT_PROCESSING_WINDOW = timedelta(seconds=grants.TOKEN_READ_TIMEOUT_SECONDS + 60)
# Pipedrive's refresh token lives 60 days from its last use and the response does not say so.
PIPEDRIVE_REFRESH_WINDOW = timedelta(days=60)

_COLUMNS = (
    "tenant, provider, auth_kind, account_id, api_url, token_url, revoke_url, client_id, secrets,"
    " access_expires_at, refresh_expires_at, refresh_hard_expires_at, status, status_detail,"
    " reauth_cause, reconnect_command, version, last_refreshed_at, updated_at"
)


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
        self._keyring = keyring
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
        if self._keyring is None:
            self._keyring = load_keyring()
        return self._keyring

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
        with db.connection(self.database_url) as conn:
            row = _select(conn, tenant, provider)
        current = self._usable(row, rejected)
        if current is not None:
            return current
        return self._refresh(tenant, provider, rejected=rejected, app=app)

    def access_token(self, tenant: str, provider: Provider, *, rejected: str | None = None) -> str:
        creds = self.credentials(tenant, provider, rejected=rejected)
        if creds.access_token is None:
            msg = f"The {provider} connection of tenant '{tenant}' has no OAuth access token"
            raise LedgerlinkError(msg)
        return creds.access_token

    def refresh(self, tenant: str, provider: Provider) -> Credentials:
        """Refresh now, whatever the access token's expiry (the scheduled refresh job uses it)."""
        return self._refresh(tenant, provider, rejected=None, app=None, always=True)

    def connections(self, tenant: str | None = None) -> list[Connection]:
        sql = f"SELECT {_COLUMNS} FROM connections"  # noqa: S608 - constant column list
        with db.connection(self.database_url) as conn:
            if tenant is None:
                rows = conn.execute(sql + " ORDER BY tenant, provider").fetchall()
            else:
                rows = conn.execute(
                    sql + " WHERE tenant = %s ORDER BY provider", (tenant,)
                ).fetchall()
        return [Connection.from_row(r, self._now()) for r in rows]

    def _usable(self, row: dict[str, Any] | None, rejected: str | None) -> Credentials | None:
        if row is None:
            return None
        if row["status"] != "active":
            return None  # the locked path raises the actionable error
        if row["auth_kind"] != "oauth":
            return self._open(row)  # API tokens and keys do not expire
        if row["access_expires_at"] is None:
            return None
        if row["access_expires_at"] - self.margin <= self._now():
            return None
        creds = self._open(row)
        if rejected is not None and creds.access_token == rejected:
            return None
        return creds

    # -- refreshing ----------------------------------------------------------------------------

    def _refresh(
        self,
        tenant: str,
        provider: Provider,
        *,
        rejected: str | None,
        app: AppCredentials | None,
        always: bool = False,
    ) -> Credentials:
        with self._locked(tenant, provider) as conn:
            return self._refresh_locked(conn, tenant, provider, rejected, app, always)

    @contextmanager
    def _locked(self, tenant: str, provider: str) -> Iterator[Any]:
        """A dedicated autocommit connection holding the session-level refresh lock.

        Session-level rather than transaction-scoped, and not a pooled connection: the attempt row
        must be committed before the provider is called while the lock stays held, and a lock
        that outlives a transaction must never go back into a pool. The server releases it when
        the connection closes, including when this process is killed.
        """
        url = db.dsn(self.database_url)
        db.pool(url)  # applies migrations on first use
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            conn.execute(
                "SELECT pg_advisory_lock(hashtextextended(%s, 0))", (_lock_key(tenant, provider),)
            )
            try:
                yield conn
            finally:
                with suppress(psycopg.Error):
                    conn.execute(
                        "SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                        (_lock_key(tenant, provider),),
                    )

    def _refresh_locked(
        self,
        conn: Any,
        tenant: str,
        provider: Provider,
        rejected: str | None,
        app: AppCredentials | None,
        always: bool,
    ) -> Credentials:
        row = _select(conn, tenant, provider)
        if row is None:
            raise NotConnected(tenant, provider)
        if row["status"] != "active":
            raise ReauthRequired(tenant, provider, row["status_detail"] or row["status"])
        if row["auth_kind"] != "oauth":
            return self._open(row)
        if not always:
            # Inside the lock: another process may have refreshed while we waited.
            current = self._usable(row, rejected)
            if current is not None:
                return current
        # At most two calls: a second only after an unknown outcome and the processing window.
        for _ in range(2):
            pending = attempts.unsettled(conn, tenant, provider, row["version"])
            if pending is not None:
                self._wait_out(conn, tenant, provider, pending)
            expired = self._refresh_expiry_reason(row)
            if expired:
                cause, detail = expired
                self._mark_reauth(conn, tenant, provider, cause, detail)
                raise ReauthRequired(tenant, provider, detail)
            creds = self._attempt(conn, row, app, pending)
            if creds is not None:
                return creds
        msg = (
            f"The {provider} token endpoint gave no answer for tenant '{tenant}' twice; the"
            " connection stays active and the next refresh tries again after the provider's"
            f" processing window ({int(self.processing_window.total_seconds())} s)"
        )
        raise grants.TokenEndpointError(msg)

    def _wait_out(self, conn: Any, tenant: str, provider: str, pending: attempts.Attempt) -> None:
        """Hold the lock until the provider can no longer be processing `pending`."""
        wait = attempts.seconds_until_settled(conn, pending, self.processing_window)
        if wait > 0:
            log.warning(
                "The %s refresh of tenant '%s' started at %s by %s has no known outcome;"
                " waiting %.0f s for the provider's processing window before trying again",
                provider,
                tenant,
                f"{pending.started_at:%H:%M:%S}",
                pending.by,
                wait,
            )
            time.sleep(wait)

    def _attempt(
        self,
        conn: Any,
        row: dict[str, Any],
        app: AppCredentials | None,
        pending: attempts.Attempt | None,
    ) -> Credentials | None:
        """One recorded provider call; the new credentials, or None when the outcome is unknown."""
        tenant, provider = row["tenant"], row["provider"]
        secrets = self._open(row).secrets
        client_id = app.client_id if app else row["client_id"]
        client_secret = app.client_secret if app else secrets.get("client_secret", "")
        log.info("Refreshing the %s access token of tenant '%s'", provider, tenant)
        attempt_id = attempts.begin(conn, tenant, provider, row["version"])
        try:
            grant = grants.refresh(
                provider,
                row["token_url"],
                client_id,
                client_secret,
                secrets["refresh_token"],
                self._http,
                self.token_timeout,
            )
        except grants.InvalidGrant:
            if pending is not None:
                at = f"{pending.started_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
                cause, detail = "response_lost", f"refresh response lost at {at}"
            else:
                cause = "revoked"
                detail = "revoked by the user, or the refresh token was used outside ledgerlink"
            with conn.transaction():
                attempts.finish(conn, attempt_id, "rejected", "invalid_grant")
                self._mark_reauth(conn, tenant, provider, cause, detail)
            raise ReauthRequired(tenant, provider, detail) from None
        except grants.OutcomeUnknown as exc:
            attempts.finish(conn, attempt_id, "unknown", str(exc))
            log.warning("%s", exc)
            return None
        except grants.TokenEndpointError as exc:
            attempts.finish(conn, attempt_id, "failed", str(exc))
            raise
        # Nothing but sealing, the UPDATE and the attempt's finish between the answer and commit.
        with conn.transaction():
            creds = self._store_grant(conn, row, grant)
            attempts.finish(conn, attempt_id, "refreshed")
        log.info("Stored the new %s tokens of tenant '%s'", provider, tenant)
        return creds

    def _refresh_expiry_reason(self, row: dict[str, Any]) -> tuple[str, str] | None:
        """(cause, detail) when the stored refresh token is past its hard or rolling expiry."""
        now = self._now()
        for column, cause, what in (
            ("refresh_hard_expires_at", "hard_expiry", "hard expiry"),
            ("refresh_expires_at", "expired_unused", "refresh token expired unused"),
        ):
            at = row[column]
            if at is not None and at <= now:
                return cause, f"{what} on {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        return None

    def _store_grant(self, conn: Any, row: dict[str, Any], grant: grants.Grant) -> Credentials:
        tenant, provider = row["tenant"], row["provider"]
        now = self._now()
        sealed = dict(row["secrets"])
        sealed["access_token"] = self._seal(tenant, provider, "access_token", grant.access_token)
        if grant.refresh_token:
            sealed["refresh_token"] = self._seal(
                tenant, provider, "refresh_token", grant.refresh_token
            )
        refresh_expires = _expiry(now, grant.refresh_expires_in)
        if refresh_expires is None and provider == "pipedrive":
            refresh_expires = now + PIPEDRIVE_REFRESH_WINDOW
        updated = conn.execute(
            "UPDATE connections SET secrets = %s, access_expires_at = %s,"  # noqa: S608
            " refresh_expires_at = coalesce(%s, refresh_expires_at),"
            " refresh_hard_expires_at = coalesce(%s, refresh_hard_expires_at),"
            " api_url = coalesce(%s, api_url),"
            " version = version + 1, last_refreshed_at = %s, updated_at = %s,"
            " status = 'active', status_detail = NULL"
            " , reauth_cause = NULL, reconnect_command = NULL"
            f" WHERE tenant = %s AND provider = %s RETURNING {_COLUMNS}",
            (
                Jsonb(sealed),
                now + timedelta(seconds=grant.expires_in),
                refresh_expires,
                _expiry(now, grant.refresh_hard_expires_in),
                grant.api_domain,
                now,
                now,
                tenant,
                provider,
            ),
        ).fetchone()
        return self._open(updated)

    def _mark_reauth(self, conn: Any, tenant: str, provider: str, cause: str, detail: str) -> None:
        conn.execute(
            "UPDATE connections SET status = 'needs_reauth', status_detail = %s,"
            " reauth_cause = %s, reconnect_command = %s, updated_at = %s, version = version + 1"
            " WHERE tenant = %s AND provider = %s",
            (detail, cause, reconnect_command(tenant, provider), self._now(), tenant, provider),
        )
        log.error(
            "The %s connection of tenant '%s' needs re-authorization: %s", provider, tenant, detail
        )

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
            refresh_expires = _expiry(now, grant.refresh_expires_in)
            if refresh_expires is None and provider == "pipedrive":
                refresh_expires = now + PIPEDRIVE_REFRESH_WINDOW
            hard_expires = _expiry(now, grant.refresh_hard_expires_in)
            api_url = grant.api_domain or api_url
        sealed = {k: self._seal(tenant, provider, k, v) for k, v in values.items()}
        with db.connection(self.database_url) as conn, conn.transaction():
            _lock(conn, tenant, provider)
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
                f" RETURNING {_COLUMNS}",
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
            _lock(conn, tenant, provider)
            row = _select(conn, tenant, provider)
            if row is None:
                return False, False
            revoked = False
            secrets = self._open(row).secrets
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
                        sealed[name] = self._seal(tenant, provider, name, plain)
                        changed += 1
                conn.execute(
                    "UPDATE connections SET secrets = %s WHERE tenant = %s AND provider = %s",
                    (Jsonb(sealed), tenant, provider),
                )
        return changed

    # -- sealing --------------------------------------------------------------------------------

    def _seal(self, tenant: str, provider: str, name: str, value: str) -> str:
        return self.keyring.seal(value, tenant=tenant, provider=provider, field=name)

    def _open(self, row: dict[str, Any]) -> Credentials:
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


def _select(conn: Any, tenant: str, provider: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = conn.execute(
        f"SELECT {_COLUMNS} FROM connections WHERE tenant = %s AND provider = %s",  # noqa: S608
        (tenant, provider),
    ).fetchone()
    return row


def _lock_key(tenant: str, provider: str) -> str:
    return f"ledgerlink.tokens:{tenant}:{provider}"


def _lock(conn: Any, tenant: str, provider: str) -> None:
    # Transaction-scoped (saving, disconnecting): released at commit or rollback, and by the
    # server if the client dies. It excludes the refresh's session-level lock on the same key.
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_lock_key(tenant, provider),)
    )


def _expiry(now: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)
