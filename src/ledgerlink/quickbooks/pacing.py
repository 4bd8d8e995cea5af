"""Staying within Intuit's limits (reference §1.7, §6.7), for every QBO client in ledgerlink.

- ``RealmPacer``: a per-realm sliding-window limiter shared by everything in the process
  (``pacer_for(realm)``), by default 8 requests/s and 450/min: under Intuit's 10/s per
  realm+app and 500/min per realm, with room for a concurrent job.
- ``QboRetry``: what to do with a failed call. Auth refused → one forced token refresh, then
  the call again; throttled (429, Fault 3001 in any shape) → wait 60 s plus jitter; 5xx,
  SystemFault, timeouts, dropped connections → exponential backoff with jitter. Every retry
  is logged with the error, which names the request and carries ``intuit_tid``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ledgerlink.quickbooks.faults import Category, QboApiError
from ledgerlink.retry import Backoff, Decision, RetryLoop, Verdict

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_PER_SECOND = 8
DEFAULT_PER_MINUTE = 450
THROTTLE_WAIT_SECONDS = 60.0  # Intuit: "wait 60 seconds before retrying"; no Retry-After


class RealmPacer:
    """Blocks just long enough that no 1 s window holds more than ``per_second`` requests and
    no 60 s window more than ``per_minute``."""

    def __init__(
        self,
        per_second: int = DEFAULT_PER_SECOND,
        per_minute: int = DEFAULT_PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()  # request times of the last 60 s
        self.waited = 0.0

    def _wait_needed(self, now: float) -> float:
        recent = self._recent
        while recent and recent[0] <= now - 60:
            recent.popleft()
        wait = 0.0
        if len(recent) >= self.per_minute:
            wait = recent[-self.per_minute] + 60 - now
        if len(recent) >= self.per_second:
            wait = max(wait, recent[-self.per_second] + 1 - now)
        return wait

    def acquire(self) -> float:
        """Wait for a slot and take it; returns the seconds waited."""
        waited = 0.0
        with self._lock:  # one waiter at a time keeps the order fair and the count exact
            while (wait := self._wait_needed(self._clock())) > 0:
                self._sleep(wait)
                waited += wait
            self._recent.append(self._clock())
            self.waited += waited
        return waited


_PACERS: dict[str, RealmPacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(
    realm: str, per_second: int = DEFAULT_PER_SECOND, per_minute: int = DEFAULT_PER_MINUTE
) -> RealmPacer:
    """The process-wide pacer of a realm (created with the given limits on first use)."""
    with _PACERS_LOCK:
        pacer = _PACERS.get(realm)
        if pacer is None or (pacer.per_second, pacer.per_minute) != (per_second, per_minute):
            pacer = _PACERS[realm] = RealmPacer(per_second, per_minute)
        return pacer


@dataclass
class QboRetry:
    """Runs one QBO call with pacing and the retry policy; see the module docstring."""

    pacer: RealmPacer
    backoff: Backoff = field(default_factory=Backoff)
    throttle_wait: float = THROTTLE_WAIT_SECONDS
    throttle_tries: int = 6
    # Network-level failures of the HTTP library in use (timeouts, resets, ...).
    transient_exceptions: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
    sleep: Callable[[float], None] = time.sleep

    def run(self, call: Callable[[], T], *, reauthorize: Callable[[QboApiError], None]) -> T:
        def refresh(error: Exception) -> bool:
            reauthorize(error)  # type: ignore[arg-type]  # RetryLoop only passes QboApiError
            return True

        loop = RetryLoop(
            QboApiError,
            self.backoff,
            wait_tries=self.throttle_tries,
            transient_exceptions=self.transient_exceptions,
            sleep=self.sleep,
        )
        return loop.run(call, judge=self._judge, refresh=refresh, before=self.pacer.acquire)

    def _judge(self, error: Exception) -> Verdict:
        category = error.category if isinstance(error, QboApiError) else None
        if category is Category.AUTH:
            return Verdict(Decision.REFRESH)
        if category is Category.THROTTLED:
            return Verdict(Decision.WAIT, self.throttle_wait, "throttled")  # Intuit asks 60 s
        if category is Category.TRANSIENT:
            return Verdict(Decision.BACKOFF)
        return Verdict(Decision.RAISE)
