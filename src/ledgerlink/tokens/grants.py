"""Calls to the OAuth token and revoke endpoints of QuickBooks and Pipedrive.

Only the TokenStore and `ledgerlink connect` call these. They never retry: a lost response to a
refresh may already have rotated the token, and the store decides what happens next. A timeout, a
connection lost after sending, or a 5xx is `OutcomeUnknown` (the provider may have acted), never a
refusal; only `invalid_grant` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ledgerlink import redact
from ledgerlink.config import Provider
from ledgerlink.errors import LedgerlinkError

# Token endpoints answer slowly under load and a refresh whose answer we stop waiting for may still
# rotate the token, so the read timeout is far above any API call's (the taps use 130 s at most).
TOKEN_READ_TIMEOUT_SECONDS = 180.0
CONNECT_TIMEOUT_SECONDS = 10.0
TIMEOUT = httpx.Timeout(TOKEN_READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)

# QuickBooks returns the 5-year hard expiry only when asked (reference: OAuth §3.1).
_QBO_HARD_EXPIRY_HEADER = {"x-include-refresh-token-hard-expires-in": "true"}


class InvalidGrant(LedgerlinkError):
    """The provider rejected the refresh token or authorization code (`invalid_grant`)."""


class TokenEndpointError(LedgerlinkError):
    """The token endpoint failed in a way that may pass (network, 5xx, throttling, bad client)."""


class OutcomeUnknown(TokenEndpointError):
    """The request may have reached the provider but no answer came back (timeout, lost
    connection, 5xx): a refresh token may have been rotated without us seeing the new one."""


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
    timeout: float | None = None,
) -> Grant:
    headers = {"Accept": "application/json"}
    if provider == "quickbooks":
        headers |= _QBO_HARD_EXPIRY_HEADER
    limits = TIMEOUT if timeout is None else httpx.Timeout(timeout, connect=CONNECT_TIMEOUT_SECONDS)
    client = http or httpx.Client(timeout=limits)
    try:
        response = client.post(
            token_url, data=form, headers=headers, auth=(client_id, client_secret), timeout=limits
        )
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # Nothing was sent: the provider cannot have acted.
        msg = f"{provider} token endpoint {token_url} could not be reached: {type(exc).__name__}"
        raise TokenEndpointError(msg) from None
    except httpx.HTTPError as exc:
        msg = (
            f"{provider} token endpoint {token_url} did not answer ({type(exc).__name__});"
            " the provider may have acted on the request"
        )
        raise OutcomeUnknown(msg) from None
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
    if response.status_code >= 500:
        # A gateway error may come after the token service acted.
        raise OutcomeUnknown(msg + "; the provider may have acted on the request")
    raise TokenEndpointError(msg)


def refresh(
    provider: Provider,
    token_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    http: httpx.Client | None = None,
    timeout: float | None = None,
) -> Grant:
    """One refresh call; `timeout` is the read timeout in seconds (default
    `TOKEN_READ_TIMEOUT_SECONDS`)."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return _post_token(provider, token_url, client_id, client_secret, form, http, timeout)


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
