"""Refreshing an OAuth access token: single-flight across processes and machines, and safe when
a refresh's outcome is unknown.

Under a PostgreSQL advisory lock on (tenant, provider): a re-read of the row (another process may
have refreshed already), a durable attempt row, the token call, and the new tokens stored in the
transaction that finishes the attempt. A process that dies while holding the lock releases it
with its database connection, and its attempt row tells the next holder that the provider may
have acted: that one waits out the provider's processing window before presenting the stored
refresh token again (`ledgerlink.tokens.attempts`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

from ledgerlink.config import AppCredentials, Provider
from ledgerlink.tokens import attempts, grants, rows
from ledgerlink.tokens.credentials import Credentials
from ledgerlink.tokens.errors import NotConnected, ReauthRequired, reconnect_command
from ledgerlink.tokens.sealing import Sealer

log = logging.getLogger(__name__)

# How long after a refresh request was sent the provider may still act on it: a live holder waits
# for the answer up to the token read timeout, a dead holder's request may still be queued, so
# the window is that timeout plus a minute.
DEFAULT_PROCESSING_WINDOW = timedelta(seconds=grants.TOKEN_READ_TIMEOUT_SECONDS + 60)


class Refresher:
    """One TokenStore's refresh machinery (the store builds it with its settings)."""

    def __init__(
        self,
        *,
        sealer: Sealer,
        database_url: str | None,
        margin: timedelta,
        processing_window: timedelta,
        token_timeout: float | None,
        http: httpx.Client | None,
        now: Callable[[], datetime],
    ) -> None:
        self.sealer = sealer
        self.database_url = database_url
        self.margin = margin
        self.processing_window = processing_window
        self.token_timeout = token_timeout
        self._http = http
        self._now = now

    def usable(self, row: dict[str, Any] | None, rejected: str | None) -> Credentials | None:
        """The row's credentials if they can be handed out without a refresh, else None."""
        if row is None:
            return None
        if row["status"] != "active":
            return None  # the locked path raises the actionable error
        if row["auth_kind"] != "oauth":
            return self.sealer.open(row)  # API tokens and keys do not expire
        if row["access_expires_at"] is None:
            return None
        if row["access_expires_at"] - self.margin <= self._now():
            return None
        creds = self.sealer.open(row)
        if rejected is not None and creds.access_token == rejected:
            return None
        return creds

    def run(
        self,
        conn: Any,
        tenant: str,
        provider: Provider,
        *,
        rejected: str | None,
        app: AppCredentials | None,
        always: bool = False,
    ) -> Credentials:
        """Refresh under the lock (unless another process just did, or `always`).

        `conn` is a session of its own in autocommit mode (`ledgerlink.db.session`), never a
        pooled connection: the lock is session-level so the attempt row can be committed before
        the provider is called while the lock stays held, and a lock that outlives a transaction
        must never go back into a pool. The server releases it when the session ends, including
        when this process is killed.
        """
        with self._locked(conn, tenant, provider):
            return self._refresh_locked(conn, tenant, provider, rejected, app, always)

    @contextmanager
    def _locked(self, conn: Any, tenant: str, provider: str) -> Iterator[None]:
        key = (rows.lock_key(tenant, provider),)
        # A waiter queues behind every other process of the tenant, however many: a server-wide
        # lock_timeout or statement_timeout must not fail it for that.
        conn.execute("SET lock_timeout = 0")
        conn.execute("SET statement_timeout = 0")
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", key)
        try:
            yield
        finally:
            with suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", key)

    def _refresh_locked(
        self,
        conn: Any,
        tenant: str,
        provider: Provider,
        rejected: str | None,
        app: AppCredentials | None,
        always: bool,
    ) -> Credentials:
        row = rows.select(conn, tenant, provider)
        if row is None:
            raise NotConnected(tenant, provider)
        if row["status"] != "active":
            raise ReauthRequired(tenant, provider, row["status_detail"] or row["status"])
        if row["auth_kind"] != "oauth":
            return self.sealer.open(row)
        if not always:
            # Inside the lock: another process may have refreshed while we waited.
            current = self.usable(row, rejected)
            if current is not None:
                return current
        # At most two calls: a second only after an unknown outcome and the processing window.
        for _ in range(2):
            pending = attempts.unsettled(conn, tenant, provider, row["version"])
            if pending is not None:
                self._wait_out(conn, tenant, provider, pending)
            expired = self._expiry_reason(row)
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
        secrets = self.sealer.open(row).secrets
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

    def _expiry_reason(self, row: dict[str, Any]) -> tuple[str, str] | None:
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
        sealed["access_token"] = self.sealer.seal(
            tenant, provider, "access_token", grant.access_token
        )
        if grant.refresh_token:
            sealed["refresh_token"] = self.sealer.seal(
                tenant, provider, "refresh_token", grant.refresh_token
            )
        refresh_expires = rows.expiry(now, grant.refresh_expires_in)
        if refresh_expires is None and provider == "pipedrive":
            refresh_expires = now + rows.PIPEDRIVE_REFRESH_WINDOW
        updated = conn.execute(
            "UPDATE connections SET secrets = %s, access_expires_at = %s,"  # noqa: S608
            " refresh_expires_at = coalesce(%s, refresh_expires_at),"
            " refresh_hard_expires_at = coalesce(%s, refresh_hard_expires_at),"
            " api_url = coalesce(%s, api_url),"
            " version = version + 1, last_refreshed_at = %s, updated_at = %s,"
            " status = 'active', status_detail = NULL"
            " , reauth_cause = NULL, reconnect_command = NULL"
            f" WHERE tenant = %s AND provider = %s RETURNING {rows.COLUMNS}",
            (
                Jsonb(sealed),
                now + timedelta(seconds=grant.expires_in),
                refresh_expires,
                rows.expiry(now, grant.refresh_hard_expires_in),
                grant.api_domain,
                now,
                now,
                tenant,
                provider,
            ),
        ).fetchone()
        return self.sealer.open(updated)

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
