"""Basic auth and the V1 rate limit in front of every public route (reference §1, §3).

- Auth: HTTP Basic, user = API key, password = API secret; anything else → 401 with the
  ``unauthorized_body`` setting. A 401 consumes no quota.
- Limit: ``rate_limit_per_window`` (40) requests per fixed window of
  ``rate_limit_window_seconds`` (60) per API key, the window starting at the key's first request
  (observed: Remaining and Reset count down together). The framework's ``WindowLimiter`` aligns
  windows to the epoch and cannot report when a window ends, hence this small local counter.
- Every response carries ``X-Rate-Limit-Limit/Remaining/Reset``; over the limit the answer is 429
  ``{"message":"Too Many Requests"}`` and the refused request does not count.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import math
import threading
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.shipstation import errors
from ledgerlink_sandbox.shipstation.settings import ShipStationSettings

Handler = Callable[[Request], Awaitable[Response]]
log = logging.getLogger(__name__)


def basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


def scope_credentials(scope: Scope) -> tuple[str, str] | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return basic_credentials(value.decode("latin-1"))
    return None


class RateWindows:
    """Fixed windows per API key, each starting at the key's first request."""

    def __init__(self, clock: Clock, settings: ShipStationSettings) -> None:
        self.clock = clock
        self.settings = settings
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    def _current(self, key: str, now: float) -> tuple[float, int]:
        start, count = self._windows.get(key, (now, 0))
        if now >= start + self.settings.rate_limit_window_seconds:
            return now, 0
        return start, count

    def take(self, key: str) -> tuple[bool, dict[str, str]]:
        """Count one request if there is room; returns (allowed, rate-limit headers)."""
        now = self.clock.timestamp()
        with self._lock:
            start, count = self._current(key, now)
            allowed = count < self.settings.rate_limit_per_window
            if allowed:
                count += 1
            self._windows[key] = (start, count)
            return allowed, self._headers(start, count, now)

    def peek(self, key: str, *, exhausted: bool = False) -> dict[str, str]:
        now = self.clock.timestamp()
        with self._lock:
            start, count = self._current(key, now)
            if exhausted:
                count = self.settings.rate_limit_per_window
            return self._headers(start, count, now)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def _headers(self, start: float, count: int, now: float) -> dict[str, str]:
        limit = self.settings.rate_limit_per_window
        left = start + self.settings.rate_limit_window_seconds - now
        return {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(limit - count, 0)),
            "X-Rate-Limit-Reset": str(max(math.ceil(left), 0)),
        }


class Gateway:
    def __init__(
        self,
        clock: Clock,
        settings: ShipStationSettings,
        credentials: Callable[[], Mapping[str, str]],
    ) -> None:
        self.settings = settings
        self.credentials = credentials  # api key -> secret of the account, read per request
        self.windows = RateWindows(clock, settings)

    def known(self, pair: tuple[str, str] | None) -> bool:
        if pair is None:
            return False
        secret = self.credentials().get(pair[0])
        return secret is not None and hmac.compare_digest(secret.encode(), pair[1].encode())

    def wrap(self, handler: Handler) -> Handler:
        """``handler`` behind auth and the rate limit, with the rate headers on its answer."""

        async def endpoint(request: Request) -> Response:
            pair = basic_credentials(request.headers.get("authorization", ""))
            if not self.known(pair):
                key = pair[0] if pair else ""
                return errors.unauthorized(self.settings.unauthorized_body, self.windows.peek(key))
            assert pair is not None
            allowed, headers = self.windows.take(pair[0])
            if not allowed:
                return errors.too_many_requests(headers)
            try:
                response = await handler(request)
            except errors.ApiError as exc:
                response = exc.response()
            except Exception as exc:  # a bug in the emulator: answer like ASP.NET would
                log.error(
                    "ShipStation sandbox %s %s failed: %r", request.method, request.url.path, exc
                )
                response = errors.server_error()
            response.headers.update(headers)
            return response

        return endpoint

    def fault_headers(self, scope: Scope, *, exhausted: bool = False) -> dict[str, str]:
        """Rate headers for a response injected by the framework's fault rules."""
        pair = scope_credentials(scope)
        return self.windows.peek(pair[0] if pair else "", exhausted=exhausted)
