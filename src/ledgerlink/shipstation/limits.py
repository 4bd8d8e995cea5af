"""Staying within ShipStation V1's limit (reference §3), for every ShipStation client.

V1 allows 40 requests per fixed 60-second window per API key pair, shared by every app that uses
the pair, and announces the window on every response (``X-Rate-Limit-Limit/Remaining/Reset``).

- ``RatePacer`` (one per key pair in the process, ``pacer_for``): once a response says only
  ``margin`` requests are left, the next request waits ``X-Rate-Limit-Reset`` seconds, so a 429
  is the exception, not the pacing mechanism.
- ``ShipStationRetry`` runs one call with ``ledgerlink.retry.RetryLoop``: a 429 waits for the
  reset and sends the same request again (a refused request was not processed, so this is safe
  for every call); a 401 re-reads the credentials once (a reconnect may have replaced them);
  5xx, timeouts and dropped connections back off with jitter, but only for idempotent requests:
  reads, and createorder(s) whose every order carries an ``orderKey`` (an upsert).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ledgerlink.retry import Backoff, Decision, RetryLoop, Verdict
from ledgerlink.shipstation.errors import Category, ShipStationApiError, header_number

log = logging.getLogger(__name__)
T = TypeVar("T")

# Past Reset the server has opened a new window; a little more absorbs clock granularity.
RESET_PAD_SECONDS = 0.25


@dataclass
class RatePacer:
    """Pauses before the key's window runs out, using the window's own headers."""

    margin: int = 1  # pause when this many requests (or fewer) are left in the window
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    limit: int | None = None
    remaining: int | None = None
    _resume_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, headers: Mapping[str, str]) -> None:
        limit = header_number(headers, "x-rate-limit-limit")
        left = header_number(headers, "x-rate-limit-remaining")
        reset = header_number(headers, "x-rate-limit-reset")
        with self._lock:
            if limit is not None:
                self.limit = int(limit)
            if left is not None:
                self.remaining = int(left)
                if left <= self.margin:
                    pause = (reset if reset is not None else 60.0) + RESET_PAD_SECONDS
                    self._resume_at = max(self._resume_at, self.clock() + pause)

    def hold(self, seconds: float) -> None:
        """Make the next request of every user of this key wait ``seconds`` (after a 429)."""
        with self._lock:
            self._resume_at = max(self._resume_at, self.clock() + seconds)

    def wait(self) -> None:
        with self._lock:
            pause = self._resume_at - self.clock()
        if pause > 0:
            log.info("ShipStation rate window nearly used up; pausing %.1f s", pause)
            self.sleep(pause)
            with self._lock:
                self.waited += pause


_PACERS: dict[str, RatePacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(api_key: str, margin: int = 1) -> RatePacer:
    """The process-wide pacer of one key pair (the limit is per pair, not per client)."""
    # The key itself is a credential: index by a digest so it never sits in a repr or a dump.
    name = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    with _PACERS_LOCK:
        pacer = _PACERS.get(name)
        if pacer is None or pacer.margin != margin:
            pacer = _PACERS[name] = RatePacer(margin=margin)
        return pacer


@dataclass
class ShipStationRetry:
    """Runs one ShipStation call within the limit and with the retry policy (module docstring)."""

    pacer: RatePacer
    backoff: Backoff = field(default_factory=lambda: Backoff(base=2.0, cap=60.0, max_tries=5))
    throttle_tries: int = 6
    # Network-level failures of the HTTP library in use (timeouts, resets, ...), and those of
    # them that mean the request never left (connection refused): safe to resend for any call.
    transient_exceptions: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
    unsent_exceptions: tuple[type[BaseException], ...] = (ConnectionRefusedError,)

    def run(
        self,
        call: Callable[[], T],
        *,
        operation: str,
        idempotent: bool,
        reauthorize: Callable[[ShipStationApiError], bool],
    ) -> T:
        """``call`` sends the request, reports its headers to ``pacer.observe`` and raises
        ``ShipStationApiError`` for a failure. ``reauthorize`` gets a 401 and returns True
        when different credentials are now in place."""

        def judge(error: Exception) -> Verdict:
            if not isinstance(error, ShipStationApiError):
                return Verdict(Decision.RAISE)
            if error.category is Category.AUTH:
                return Verdict(Decision.REFRESH)
            if error.category is Category.THROTTLED:
                return Verdict(Decision.WAIT, error.reset_seconds or 60.0, "rate limited")
            if error.category is Category.TRANSIENT and idempotent:
                return Verdict(Decision.BACKOFF)
            return Verdict(Decision.RAISE)

        loop = RetryLoop(
            ShipStationApiError,
            self.backoff,
            wait_tries=self.throttle_tries,
            # Network failures of a non-idempotent request are not retried: it may have been
            # processed, and sending it again could act twice.
            transient_exceptions=(
                self.transient_exceptions if idempotent else self.unsent_exceptions
            ),
            # Holding the pacer makes every request on this key wait, not only this one.
            sleep=self.pacer.hold,
        )
        return loop.run(
            call,
            judge=judge,
            refresh=lambda error: reauthorize(error),  # type: ignore[arg-type]
            before=self.pacer.wait,
            what=operation,
        )
