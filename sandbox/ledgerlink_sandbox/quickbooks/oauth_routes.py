"""Intuit OAuth 2.0 endpoints, on the same port as the API with Intuit's real path layout.

| Real URL                                                    | Sandbox path                       |
|-------------------------------------------------------------|------------------------------------|
| ``appcenter.intuit.com/connect/oauth2``                     | ``GET /connect/oauth2``            |
| ``oauth.platform.intuit.com/oauth2/v1/tokens/bearer``       | ``POST /oauth2/v1/tokens/bearer``  |
| ``developer.api.intuit.com/v2/oauth2/tokens/revoke``        | ``POST /v2/oauth2/tokens/revoke``  |
| ``developer.intuit.com/.well-known/openid_configuration/``  | same path (and the sandbox one)    |
| ``accounts.platform.intuit.com/v1/openid_connect/userinfo`` | same path                          |

The authorize page approves at once (there is no human) and redirects to
``redirect_uri?code=…&state=…&realmId=…``; an optional ``realmId`` query parameter picks the
company when the sandbox has several. The discovery document points every endpoint at the host
the client used, so ``intuitlib.AuthClient(environment="<base>/.well-known/openid_configuration/")``
works unchanged. Token answers are never logged.

Admin extras: ``GET /_sandbox/oauth/issued`` (every token ever issued, for leak scans, and
``overlapping_requests``: refresh requests that reused a refresh token still being handled),
``POST /_sandbox/oauth/connect`` (``{"realm_id"?, "client_id"?}`` → a fresh token answer plus
``realm_id``, skipping the browser), ``POST /_sandbox/oauth/apps`` (register another app).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ledgerlink_sandbox.framework.admin import AdminError, bad_request, read_json
from ledgerlink_sandbox.quickbooks.envelope import JSON_TYPE
from ledgerlink_sandbox.quickbooks.gateway import bearer_token
from ledgerlink_sandbox.quickbooks.oauth_state import OAuthError, OAuthState
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, QboServiceSettings

_NO_STORE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, _NO_STORE, media_type=JSON_TYPE)


def _error(exc: OAuthError) -> Response:
    return _json(exc.body(), exc.status)


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body (parsed here: Starlette's form parser needs python-multipart)."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    """Basic header (client_secret_basic) or form fields (client_secret_post)."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id"), form.get("client_secret")


class OAuthRoutes:
    def __init__(
        self, state: OAuthState, settings: QboServiceSettings, realms: Callable[[], list[str]]
    ) -> None:
        self.state = state
        self.settings = settings
        self.realms = realms

    def routes(self) -> list[BaseRoute]:
        discovery = self.discovery
        return [
            Route("/connect/oauth2", self.authorize, methods=["GET"]),
            Route("/oauth2/v1/tokens/bearer", self.token, methods=["POST"]),
            Route("/v2/oauth2/tokens/revoke", self.revoke, methods=["POST"]),
            Route("/.well-known/openid_configuration/", discovery, methods=["GET"]),
            Route("/.well-known/openid_configuration", discovery, methods=["GET"]),
            Route("/.well-known/openid_sandbox_configuration/", discovery, methods=["GET"]),
            Route("/.well-known/openid_sandbox_configuration", discovery, methods=["GET"]),
            Route("/op/v1/jwks", self.jwks, methods=["GET"]),
            Route("/v1/openid_connect/userinfo", self.userinfo, methods=["GET"]),
        ]

    def admin_routes(self) -> list[BaseRoute]:
        return [
            Route("/_sandbox/oauth/issued", self.issued, methods=["GET"]),
            Route("/_sandbox/oauth/connect", self.connect, methods=["POST"]),
            Route("/_sandbox/oauth/apps", self.add_app, methods=["POST"]),
        ]

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.state.apps or not redirect_uri:
            # Intuit shows an error page (no redirect) for an unknown app or missing redirect.
            return PlainTextResponse("invalid_client or missing redirect_uri", status_code=400)
        query: dict[str, str] = {}
        if params.get("response_type") != "code":
            query["error"] = "unsupported_response_type"
        elif not params.get("scope"):
            query["error"] = "invalid_scope"
        else:
            realms = self.realms()
            realm = params.get("realmId") or realms[0]
            if realm not in realms:
                query["error"] = "access_denied"
            else:
                query["code"] = self.state.issue_code(client_id, realm, redirect_uri)
                query["realmId"] = realm
        if "state" in params:
            query["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = await read_form(request)
        presented = form.get("refresh_token") if form.get("grant_type") == "refresh_token" else None
        if presented is None:
            return await self._token(request, form)
        self.state.request_started(presented)
        try:
            return await self._token(request, form)
        finally:
            self.state.request_ended(presented)

    async def _token(self, request: Request, form: dict[str, str]) -> Response:
        include_hard = request.headers.get("x-include-refresh-token-hard-expires-in", "").lower()
        hard = include_hard == "true"
        delay = self.settings.token_endpoint_delay_seconds
        if await _client_left_during(request, self.settings.token_endpoint_latency_seconds):
            return Response(b"", 499)  # nobody is listening; nothing was processed
        try:
            client_id = self.state.authenticate_client(*client_credentials(request, form))
            grant_type = form.get("grant_type")
            if grant_type == "refresh_token":
                if not form.get("refresh_token"):
                    raise OAuthError("invalid_request")
                ticket = self.state.begin_refresh(client_id, form["refresh_token"], hard)
                try:
                    if delay > 0:
                        await asyncio.sleep(delay)
                    answer = self.state.complete_refresh(ticket)
                finally:
                    self.state.abandon_refresh(ticket)
                # The rotation is applied; the answer may still be lost on its way back.
                await asyncio.sleep(self.settings.token_endpoint_response_delay_seconds)
                return _json(answer)
            if grant_type == "authorization_code":
                if not form.get("code"):
                    raise OAuthError("invalid_request")
                if delay > 0:
                    await asyncio.sleep(delay)
                body = self.state.exchange_code(
                    client_id, form["code"], form.get("redirect_uri"), hard
                )
                return _json(body)
            raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return _error(exc)

    async def revoke(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip().startswith(b"{") else {}
        except json.JSONDecodeError:
            body = {}
        form = {} if body else dict(parse_qsl(raw.decode("utf-8", errors="replace")))
        try:
            self.state.authenticate_client(*client_credentials(request, form))
        except OAuthError as exc:
            return _error(exc)
        token = body.get("token") or form.get("token")
        if not token or not self.state.revoke(str(token)):
            return _json({"error": "invalid_request"}, 400)
        return Response(b"", 200, _NO_STORE)

    async def discovery(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": f"{base}/op/v1",
                "authorization_endpoint": f"{base}/connect/oauth2",
                "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
                "jwks_uri": f"{base}/op/v1/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile", "address", "phone"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": []})  # no id_token is ever issued

    async def userinfo(self, request: Request) -> Response:
        check = self.state.check_access(bearer_token(request))
        if check.record is None or check.problem is not None:
            return _json({"error": "invalid_token"}, 401)
        return _json(
            {
                "sub": f"sandbox-user-{check.record.connection.realm_id}",
                "email": "sandbox.user@example.com",
                "emailVerified": True,
                "givenName": "Sandbox",
                "familyName": "User",
            }
        )

    # --- admin ---

    async def issued(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issued": list(self.state.issued),
                "overlapping_requests": self.state.overlapping_requests,
            }
        )

    async def connect(self, request: Request) -> Response:
        try:
            body = await read_json(request, allow_empty=True) or {}
        except AdminError as exc:
            return bad_request(str(exc))
        if not isinstance(body, dict):
            return bad_request("send a JSON object")
        realm = body.get("realm_id") or self.realms()[0]
        client_id = body.get("client_id") or DEFAULT_CLIENT_ID
        if realm not in self.realms() or client_id not in self.state.apps:
            return bad_request("unknown realm_id or client_id")
        answer = self.state.connect(client_id, realm)
        return JSONResponse({**answer, "realm_id": realm})

    async def add_app(self, request: Request) -> Response:
        try:
            body = await read_json(request)
        except AdminError as exc:
            return bad_request(str(exc))
        if not isinstance(body, dict) or not body.get("client_id") or not body.get("client_secret"):
            return bad_request("client_id and client_secret required")
        self.state.add_app(str(body["client_id"]), str(body["client_secret"]))
        return JSONResponse({"client_id": body["client_id"]}, status_code=201)


async def _client_left_during(request: Request, seconds: float) -> bool:
    """Wait ``seconds`` of simulated network latency; True if the client disconnected."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await request.is_disconnected():
            return True
        await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))
    return False
