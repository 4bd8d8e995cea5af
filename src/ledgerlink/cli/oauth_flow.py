"""The OAuth authorization-code flow with a one-shot callback server on 127.0.0.1.

requests-oauthlib builds the authorization URL, checks `state` on the way back and exchanges the
code. The server answers exactly one callback and is closed afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from ledgerlink.config import Endpoints, Provider
from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens.grants import Grant

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Authorized:
    grant: Grant
    params: dict[str, str]  # the callback's query parameters (QuickBooks adds realmId)


class _Callback(BaseHTTPRequestHandler):
    received: str | None = None

    def do_GET(self) -> None:
        type(self).received = self.path
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"<p>ledgerlink is connected. You can close this tab.</p>")

    def log_message(self, format: str, *args: object) -> None:
        pass  # the callback URL carries the authorization code: keep it out of logs


@contextmanager
def _callback_server(redirect_uri: str) -> Iterator[HTTPServer]:
    parts = urlsplit(redirect_uri)
    if parts.hostname not in _LOOPBACK:
        raise LedgerlinkError(f"The redirect URI must point at this machine, not {parts.hostname}")
    handler = type("Callback", (_Callback,), {"received": None})
    server = HTTPServer(("127.0.0.1", parts.port or 80), handler)
    try:
        yield server
    finally:
        server.server_close()


@contextmanager
def _insecure_transport_for_loopback(token_url: str) -> Iterator[None]:
    # oauthlib insists on https; the sandbox on 127.0.0.1 is plain http and that is fine.
    if urlsplit(token_url).hostname not in _LOOPBACK:
        yield
        return
    previous = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["OAUTHLIB_INSECURE_TRANSPORT"]
        else:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = previous


def authorize(
    provider: Provider,
    ends: Endpoints,
    client_id: str,
    client_secret: str,
    *,
    scope: list[str] | None,
    redirect_uri: str,
    on_url: Callable[[str], None],
    timeout: int,
) -> Authorized:
    """Run the flow: show the URL, wait for the callback, exchange the code."""
    with _callback_server(redirect_uri) as server, _insecure_transport_for_loopback(ends.token_url):
        # Port 0 in the redirect URI means "any free port": use the one the server got.
        parts = urlsplit(redirect_uri)
        if not parts.port:
            redirect_uri = parts._replace(netloc=f"{parts.hostname}:{server.server_port}").geturl()
        session = OAuth2Session(client_id, redirect_uri=redirect_uri, scope=scope)
        url, _state = session.authorization_url(ends.authorize_url)
        on_url(url)
        path = _wait_for_callback(server, timeout)
        params = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if "error" in params:
            raise LedgerlinkError(f"{provider} refused the authorization: {params['error']}")
        headers = {"Accept": "application/json"}
        if provider == "quickbooks":
            headers["x-include-refresh-token-hard-expires-in"] = "true"
        try:
            token = session.fetch_token(
                ends.token_url,
                authorization_response=redirect_uri.split("?")[0] + "?" + urlsplit(path).query,
                client_secret=client_secret,
                headers=headers,
                include_client_id=False,
            )
        except OAuth2Error as exc:
            # oauthlib raises MismatchingStateError when `state` differs: a forged callback.
            raise LedgerlinkError(f"{provider} authorization failed: {exc.error}") from None
    return Authorized(Grant.from_response(dict(token)), params)


def _wait_for_callback(server: HTTPServer, timeout: int) -> str:
    handler = server.RequestHandlerClass
    server.timeout = 1.0
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while not deadline.is_set():
            server.handle_request()
            received: str | None = getattr(handler, "received", None)
            if received and urlsplit(received).query:
                return received
    finally:
        timer.cancel()
    raise LedgerlinkError(f"No authorization arrived within {timeout} seconds; run connect again")
