"""OAuth 2.0 of a Marketplace app: authorize (auto-approve), token, refresh, revoke.

Pipedrive specifics (pipedrive.md §2.2): client auth by HTTP Basic (body credentials tolerated),
access tokens live 60 minutes (``expires_in: 3599``), refresh tokens are NOT rotated — the same
value comes back with its idle expiry pushed 60 days out — and expire after 60 days unused;
``api_domain`` is the company's API host, here the sandbox itself. Every issued token is kept in
``issued`` (served at ``GET /_sandbox/oauth/issued``) so tests can scan logs for leaks, next to
``overlapping_requests``: refresh requests that arrived while another one presenting the same
refresh token was still being handled (Pipedrive documents no refusal for that; it is counted).
Error bodies copy the shape Pipedrive's own SDK tests mock: ``{"success":"false","message":...,
"error":"invalid_grant"}`` with HTTP 400 (the documented status for every OAuth error message).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ledgerlink_sandbox.framework import Clock
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_SCOPES,
)
from ledgerlink_sandbox.pipedrive.settings import PipedriveSettings


@dataclass
class Issued:
    kind: str  # "code" | "access_token" | "refresh_token"
    value: str
    client_id: str
    issued_at: datetime
    expires_at: datetime
    redirect_uri: str | None = None
    used: bool = False
    revoked: bool = False

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["issued_at"], out["expires_at"] = (
            self.issued_at.isoformat(),
            self.expires_at.isoformat(),
        )
        return out


def oauth_error(message: str, error: str) -> JSONResponse:
    return JSONResponse({"success": "false", "message": message, "error": error}, status_code=400)


class OAuth:
    def __init__(
        self, clock: Clock, settings: PipedriveSettings, company_id: int, user_id: int
    ) -> None:
        self.clock = clock
        self.settings = settings
        self.clients = {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
        self.scopes = DEFAULT_SCOPES
        self.prefix = f"{company_id}:{user_id}"
        self.issued: list[Issued] = []
        self._by_value: dict[str, Issued] = {}
        self._handling: dict[str, int] = {}
        self.overlapping_requests = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.issued.clear()
            self._by_value.clear()
            self._handling.clear()
            self.overlapping_requests = 0

    def _issue(
        self, kind: str, value: str, client_id: str, ttl: timedelta, redirect_uri: str | None = None
    ) -> Issued:
        now = self.clock.now()
        item = Issued(kind, value, client_id, now, now + ttl, redirect_uri)
        self.issued.append(item)
        self._by_value[value] = item
        return item

    def client_of(self, access_token: str) -> str | None:
        """The app a live access token belongs to, or ``None`` (unknown, expired, revoked)."""
        with self._lock:
            item = self._by_value.get(access_token)
            if (
                item is None
                or item.kind != "access_token"
                or item.revoked
                or self.clock.now() >= item.expires_at
            ):
                return None
            return item.client_id

    # --- endpoints -----------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients:
            return oauth_error("Invalid client: client is invalid", "invalid_client")
        if urlsplit(redirect_uri).hostname not in ("127.0.0.1", "localhost", "::1"):
            # Any loopback callback counts as registered; anything else is refused.
            return oauth_error("Invalid request: redirect_uri is not registered", "invalid_request")
        code = f"{self.prefix}:{secrets.token_hex(20)}"
        with self._lock:
            self._issue(
                "code",
                code,
                client_id,
                timedelta(seconds=self.settings.authorization_code_ttl_seconds),
                redirect_uri,
            )
        params = {"code": code, **({"state": q["state"]} if "state" in q else {})}
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)

    def _client(self, request: Request, form: dict[str, str]) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return None
        else:  # documented as possible but not recommended
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id if self.clients.get(client_id) == secret and secret else None

    async def token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        presented = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or not presented:
            return self._token(request, form)
        with self._lock:
            if self._handling.get(presented):
                self.overlapping_requests += 1
            self._handling[presented] = self._handling.get(presented, 0) + 1
        try:
            if await _client_left_during(request, self.settings.token_endpoint_latency_seconds):
                return Response(b"", 499)  # nobody is listening; nothing was processed
            await asyncio.sleep(self.settings.token_endpoint_delay_seconds)
            answer = self._token(request, form)
            await asyncio.sleep(self.settings.token_endpoint_response_delay_seconds)
            return answer
        finally:
            with self._lock:
                left = self._handling.pop(presented, 1) - 1
                if left:
                    self._handling[presented] = left

    def _token(self, request: Request, form: dict[str, str]) -> Response:
        grant = form.get("grant_type")
        if not grant:
            return oauth_error("Missing parameter: grant_type", "invalid_request")
        client_id = self._client(request, form)
        if client_id is None:
            return oauth_error("Invalid client: client is invalid", "invalid_client")
        now = self.clock.now()
        with self._lock:
            if grant == "authorization_code":
                code = self._by_value.get(form.get("code", ""))
                if code is None or code.kind != "code" or code.used or code.client_id != client_id:
                    return oauth_error(
                        "Invalid grant: authorization_code is invalid", "invalid_grant"
                    )
                if now >= code.expires_at:
                    return oauth_error(
                        "Invalid grant: authorization_code has expired", "invalid_grant"
                    )
                if form.get("redirect_uri", code.redirect_uri) != code.redirect_uri:
                    return oauth_error(
                        "Invalid request: redirect_uri is invalid", "invalid_request"
                    )
                code.used = True
                refresh = self._issue(
                    "refresh_token",
                    f"{self.prefix}:{secrets.token_hex(20)}",
                    client_id,
                    self._refresh_ttl(),
                )
            elif grant == "refresh_token":
                found = self._by_value.get(form.get("refresh_token", ""))
                if (
                    found is None
                    or found.kind != "refresh_token"
                    or found.revoked
                    or found.client_id != client_id
                    or now >= found.expires_at
                ):
                    return oauth_error("Invalid grant: refresh_token is invalid", "invalid_grant")
                refresh = found
                refresh.expires_at = now + self._refresh_ttl()  # not rotated, window extended
            else:
                return oauth_error(
                    "Unsupported grant type: grant_type is invalid (supported: authorization_code, "
                    "refresh_token, exchange_api_token)",
                    "unsupported_grant_type",
                )
            ttl = self.settings.access_token_ttl_seconds
            access = self._issue(
                "access_token",
                f"v1u:{secrets.token_urlsafe(96)}",
                client_id,
                timedelta(seconds=ttl),
            )
        return JSONResponse(
            {
                "access_token": access.value,
                "token_type": "Bearer",
                "expires_in": ttl - 1,
                "refresh_token": refresh.value,
                "scope": self.scopes,
                "api_domain": f"{request.url.scheme}://{request.url.netloc}",
            }
        )

    async def revoke(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        if self._client(request, form) is None:
            return oauth_error("Invalid client: client is invalid", "invalid_client")
        with self._lock:
            item = self._by_value.get(form.get("token", ""))
            if item is not None and item.kind != "code":
                item.revoked = True
        return JSONResponse({"success": True})  # [unverified] body; RFC 7009 only asks for 200

    def _refresh_ttl(self) -> timedelta:
        return timedelta(days=self.settings.refresh_token_idle_days)

    def routes(self) -> list[Route]:
        return [
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/token/", self.token, methods=["POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
        ]


async def _client_left_during(request: Request, seconds: float) -> bool:
    """Wait ``seconds`` of simulated network latency; True if the client disconnected."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await request.is_disconnected():
            return True
        await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))
    return False
