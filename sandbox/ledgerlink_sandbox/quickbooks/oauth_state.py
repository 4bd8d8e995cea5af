"""Token bookkeeping of the emulated Intuit OAuth server (no HTTP here; see ``oauth_routes``).

Model (reference §3.2, §7.3; every unverified rule is a ``QboServiceSettings`` field):
- a *connection* (grant) is created by an authorization-code exchange (or the admin shortcut)
  and carries the realm, the app and the 5-year hard expiry;
- each refresh-token value has its own rolling expiry, ``issued_at + refresh_token_ttl_seconds``
  (capped by the hard expiry); returning the same value again reports a smaller
  ``x_refresh_token_expires_in``, as recorded;
- rotation: ``daily`` issues a new value only when the current one is >= 24 h old,
  ``every_refresh`` on every call; the superseded value dies at once (``immediate``) or 24 h later
  (``grace_24h``);
- a refresh is two steps, ``begin_refresh`` then ``complete_refresh``, so the HTTP layer can sleep
  in between (``token_endpoint_delay_seconds``): a second refresh presenting a value that is
  in flight loses with ``invalid_grant``; with ``revoke_winner_on_reuse`` the connection is
  revoked too, so the winner's new token is dead as well.
Every access/refresh token ever issued is kept in ``issued`` for leak scans, and
``overlapping_requests`` counts token requests that arrived while another request presenting the
same refresh token was still being handled (the reuse a client must never make).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.quickbooks.service_settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QboServiceSettings,
)

# base64url of {"enc":"A128CBC-HS256","alg":"dir"}: real access tokens are JWEs with this header.
_JWE_HEADER = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0"


class OAuthError(Exception):
    """An RFC 6749 error answer: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


def invalid_grant() -> OAuthError:
    return OAuthError("invalid_grant", "Incorrect or invalid refresh token")


@dataclass
class Connection:
    id: int
    client_id: str
    realm_id: str
    created_at: datetime
    hard_expires_at: datetime
    revoked: bool = False
    current_refresh: str = ""
    revoke_after_flight: bool = False  # reuse seen while the winner's refresh was in flight


@dataclass
class RefreshRecord:
    value: str
    connection: Connection
    issued_at: datetime
    expires_at: datetime
    dies_at: datetime | None = None  # set once superseded


@dataclass
class AccessRecord:
    value: str
    connection: Connection
    issued_at: datetime
    expires_at: datetime


@dataclass
class AuthCode:
    value: str
    client_id: str
    realm_id: str
    redirect_uri: str
    expires_at: datetime
    used: bool = False
    connection: Connection | None = None


@dataclass
class RefreshTicket:
    """A refresh between ``begin_refresh`` and ``complete_refresh``."""

    record: RefreshRecord
    include_hard_expiry: bool


@dataclass
class AccessCheck:
    """Outcome of checking a bearer token: the record, or why it failed."""

    record: AccessRecord | None
    problem: str | None = None  # "missing" | "malformed" | "expired" | "invalid"


@dataclass
class OAuthState:
    clock: Clock
    settings: QboServiceSettings
    apps: dict[str, str] = field(default_factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
    issued: list[dict[str, Any]] = field(default_factory=list)
    _codes: dict[str, AuthCode] = field(default_factory=dict)
    _refresh: dict[str, RefreshRecord] = field(default_factory=dict)
    _access: dict[str, AccessRecord] = field(default_factory=dict)
    _in_flight: set[str] = field(default_factory=set)
    _handling: dict[str, int] = field(default_factory=dict)
    overlapping_requests: int = 0
    _connections: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # --- clients ---

    def add_app(self, client_id: str, client_secret: str) -> None:
        with self._lock:
            self.apps[client_id] = client_secret

    def authenticate_client(self, client_id: str | None, client_secret: str | None) -> str:
        with self._lock:
            known = self.apps.get(client_id or "")
        if (
            not known
            or not client_secret
            or not secrets.compare_digest(known.encode(), client_secret.encode())
        ):
            raise OAuthError("invalid_client", status=self.settings.invalid_client_status)
        return str(client_id)

    # --- authorization code ---

    def issue_code(self, client_id: str, realm_id: str, redirect_uri: str) -> str:
        now = self.clock.now()
        code = f"AB11{int(now.timestamp())}{secrets.token_urlsafe(24)}"
        ttl = timedelta(seconds=self.settings.authorization_code_ttl_seconds)
        with self._lock:
            self._codes[code] = AuthCode(code, client_id, realm_id, redirect_uri, now + ttl)
        return code

    def exchange_code(
        self, client_id: str, code: str, redirect_uri: str | None, include_hard_expiry: bool
    ) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            record = self._codes.get(code)
            if record is None or record.client_id != client_id or now >= record.expires_at:
                raise OAuthError("invalid_grant")
            if redirect_uri is not None and redirect_uri != record.redirect_uri:
                raise OAuthError("invalid_grant", "Redirect URI mismatch")
            if record.used:
                # Double exchange: treated like refresh-token reuse.
                if self.settings.revoke_winner_on_reuse and record.connection is not None:
                    record.connection.revoked = True
                raise OAuthError("invalid_grant")
            record.used = True
            connection = self._new_connection(client_id, record.realm_id, now)
            record.connection = connection
            return self._token_response(connection, include_hard_expiry, now)

    def connect(
        self, client_id: str, realm_id: str, include_hard_expiry: bool = True
    ) -> dict[str, Any]:
        """Admin shortcut: a fresh connection as if the user had consented just now."""
        now = self.clock.now()
        with self._lock:
            connection = self._new_connection(client_id, realm_id, now)
            return self._token_response(connection, include_hard_expiry, now)

    # --- refresh ---

    def begin_refresh(self, client_id: str, value: str, include_hard_expiry: bool) -> RefreshTicket:
        with self._lock:
            record = self._refresh.get(value)
            if record is None or record.connection.client_id != client_id:
                raise invalid_grant()
            if value in self._in_flight:
                self._on_reuse(record)
                raise invalid_grant()
            if not self._usable(record, self.clock.now()):
                if record.dies_at is not None:
                    self._on_reuse(record)
                raise invalid_grant()
            self._in_flight.add(value)
            return RefreshTicket(record, include_hard_expiry)

    def complete_refresh(self, ticket: RefreshTicket) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            self._in_flight.discard(ticket.record.value)
            if not self._usable(ticket.record, now):
                raise invalid_grant()
            connection = ticket.record.connection
            current = self._refresh[connection.current_refresh]
            mode = self.settings.refresh_token_rotation
            age = (now - current.issued_at).total_seconds()
            if mode == "every_refresh" or age >= self.settings.rotation_min_age_seconds:
                after = self.settings.old_refresh_token_after_rotation
                current.dies_at = now + timedelta(hours=24) if after == "grace_24h" else now
                self._new_refresh(connection, now)
            body = self._token_response(connection, ticket.include_hard_expiry, now)
            if connection.revoke_after_flight:
                # The winner gets its answer, but the tokens in it are already dead.
                connection.revoked = True
            return body

    def abandon_refresh(self, ticket: RefreshTicket) -> None:
        with self._lock:
            self._in_flight.discard(ticket.record.value)

    def request_started(self, value: str) -> None:
        """A token request presenting ``value`` arrived (before any latency or processing)."""
        with self._lock:
            if self._handling.get(value):
                self.overlapping_requests += 1
            self._handling[value] = self._handling.get(value, 0) + 1

    def request_ended(self, value: str) -> None:
        with self._lock:
            left = self._handling.get(value, 1) - 1
            if left:
                self._handling[value] = left
            else:
                self._handling.pop(value, None)

    # --- revoke and bearer checks ---

    def revoke(self, token: str) -> bool:
        with self._lock:
            record = self._refresh.get(token) or self._access.get(token)
            if record is None:
                return False
            record.connection.revoked = True
            return True

    def check_access(self, token: str | None) -> AccessCheck:
        if token is None:
            return AccessCheck(None, "missing")
        if len(token) < 20 or len(token) > 4096:
            return AccessCheck(None, "malformed")
        with self._lock:
            record = self._access.get(token)
        if record is None or record.connection.revoked:
            return AccessCheck(None, "invalid")
        if self.clock.now() >= record.expires_at:
            return AccessCheck(record, "expired")
        return AccessCheck(record)

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._refresh.clear()
            self._access.clear()
            self._in_flight.clear()
            self._handling.clear()
            self.overlapping_requests = 0
            self.issued.clear()

    # --- internals (call with the lock held) ---

    def _usable(self, record: RefreshRecord, now: datetime) -> bool:
        connection = record.connection
        return not (
            connection.revoked
            or now >= record.expires_at
            or now >= connection.hard_expires_at
            or (record.dies_at is not None and now >= record.dies_at)
        )

    def _on_reuse(self, record: RefreshRecord) -> None:
        if not self.settings.revoke_winner_on_reuse:
            return
        if record.value in self._in_flight:
            record.connection.revoke_after_flight = True
        else:
            record.connection.revoked = True

    def _new_connection(self, client_id: str, realm_id: str, now: datetime) -> Connection:
        self._connections += 1
        hard = now + timedelta(seconds=self.settings.refresh_token_hard_ttl_seconds)
        connection = Connection(self._connections, client_id, realm_id, now, hard)
        self._new_refresh(connection, now)
        return connection

    def _new_refresh(self, connection: Connection, now: datetime) -> RefreshRecord:
        # Format seen in 2026 recordings: RT1-<n>-H3-<10-digit epoch><random>.
        value = f"RT1-{connection.id}-H3-{int(now.timestamp())}{secrets.token_hex(10)}"
        expires = min(
            now + timedelta(seconds=self.settings.refresh_token_ttl_seconds),
            connection.hard_expires_at,
        )
        record = RefreshRecord(value, connection, now, expires)
        self._refresh[value] = record
        connection.current_refresh = value
        self._log("refresh_token", value, connection, now)
        return record

    def _token_response(
        self, connection: Connection, include_hard: bool, now: datetime
    ) -> dict[str, Any]:
        ttl = self.settings.access_token_ttl_seconds
        value = f"{_JWE_HEADER}..{secrets.token_urlsafe(22)}.{secrets.token_urlsafe(96)}"
        value += f".{secrets.token_urlsafe(16)}"
        self._access[value] = AccessRecord(value, connection, now, now + timedelta(seconds=ttl))
        self._log("access_token", value, connection, now)
        current = self._refresh[connection.current_refresh]
        body: dict[str, Any] = {
            "token_type": "bearer",
            "access_token": value,
            "expires_in": ttl,
            "refresh_token": current.value,
            "x_refresh_token_expires_in": int((current.expires_at - now).total_seconds()),
        }
        if include_hard:
            remaining = (connection.hard_expires_at - now).total_seconds()
            body["x_refresh_token_hard_expires_in"] = int(remaining)
        return body

    def _log(self, kind: str, value: str, connection: Connection, now: datetime) -> None:
        self.issued.append(
            {
                "kind": kind,
                "value": value,
                "realm_id": connection.realm_id,
                "client_id": connection.client_id,
                "issued_at": now.isoformat(),
            }
        )
