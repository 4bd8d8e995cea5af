"""Calls to the OAuth token and revoke endpoints of QuickBooks and Pipedrive.

Only the TokenStore and `ledgerlink connect` call these. They never retry: a lost response to a
refresh may already have rotated the token, and the store decides what happens next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ledgerlink import redact
from ledgerlink.config import Provider
from ledgerlink.errors import LedgerlinkError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# QuickBooks returns the 5-year hard expiry only when asked (reference: OAuth §3.1).
_QBO_HARD_EXPIRY_HEADER = {"x-include-refresh-token-hard-expires-in": "true"}


class InvalidGrant(LedgerlinkError):
    """The provider rejected the refresh token or authorization code (`invalid_grant`)."""


class TokenEndpointError(LedgerlinkError):
    """The token endpoint failed in a way that may pass (network, 5xx, throttling, bad client)."""


@dataclass(frozen=True)
class Grant:
    """What a token endpoint returned, lifetimes in seconds from now."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    refresh_expires_in: int | None = None
    refresh_hard_expires_in: int | None = None
    api_domain: str | None = None

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> Grant:
        redact.register(body.get("access_token"))
        redact.register(body.get("refresh_token"))
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            expires_in=int(body.get("expires_in", 3600)),
            refresh_expires_in=_int_or_none(body.get("x_refresh_token_expires_in")),
            refresh_hard_expires_in=_int_or_none(body.get("x_refresh_token_hard_expires_in")),
            api_domain=body.get("api_domain"),
        )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _post_token(
    provider: Provider,
    token_url: str,
    client_id: str,
    client_secret: str,
    form: dict[str, str],
    http: httpx.Client | None,
) -> Grant:
    headers = {"Accept": "application/json"}
    if provider == "quickbooks":
        headers |= _QBO_HARD_EXPIRY_HEADER
    client = http or httpx.Client(timeout=TIMEOUT)
    try:
        response = client.post(
            token_url, data=form, headers=headers, auth=(client_id, client_secret)
        )
    except httpx.HTTPError as exc:
        msg = f"{provider} token endpoint {token_url} did not answer: {type(exc).__name__}"
        raise TokenEndpointError(msg) from None
    finally:
        if http is None:
            client.close()
    return _parse(provider, token_url, response)


def _parse(provider: Provider, token_url: str, response: httpx.Response) -> Grant:
    tid = response.headers.get("intuit_tid")
    trace = f" (intuit_tid {tid})" if tid else ""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and isinstance(body, dict) and "access_token" in body:
        return Grant.from_response(body)
    error = body.get("error") if isinstance(body, dict) else None
    if error == "invalid_grant":
        raise InvalidGrant(f"{provider} rejected the refresh token (invalid_grant){trace}")
    described = error or f"HTTP {response.status_code}"
    msg = f"{provider} token endpoint {token_url} answered {described}{trace}"
    raise TokenEndpointError(msg)


def refresh(
    provider: Provider,
    token_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    http: httpx.Client | None = None,
) -> Grant:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return _post_token(provider, token_url, client_id, client_secret, form, http)


def exchange_code(
    provider: Provider,
    token_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    http: httpx.Client | None = None,
) -> Grant:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return _post_token(provider, token_url, client_id, client_secret, form, http)


def revoke(
    provider: Provider,
    revoke_url: str,
    client_id: str,
    client_secret: str,
    token: str,
    http: httpx.Client | None = None,
) -> bool:
    """Revoke `token` (a refresh token revokes the whole grant); True when the provider agreed."""
    client = http or httpx.Client(timeout=TIMEOUT)
    auth = (client_id, client_secret)
    try:
        if provider == "quickbooks":
            response = client.post(
                revoke_url, json={"token": token}, auth=auth, headers={"Accept": "application/json"}
            )
        else:
            form = {"token": token, "token_type_hint": "refresh_token"}
            response = client.post(revoke_url, data=form, auth=auth)
    except httpx.HTTPError:
        return False
    finally:
        if http is None:
            client.close()
    return response.status_code == 200
