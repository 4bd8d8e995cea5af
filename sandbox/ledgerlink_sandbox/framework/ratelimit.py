"""Window rate limiters driven by the sandbox ``Clock``.

Because windows are measured on the sandbox clock, a test freezes the clock, fires N requests,
then ``clock.advance(60)`` to cross into the next window instead of sleeping.

    per_minute = WindowLimiter(clock, window_seconds=60, kind="fixed")
    per_second = WindowLimiter(clock, window_seconds=1)
    if not acquire_all([(per_minute, realm, 500), (per_second, f"{realm}:{app}", 10)]):
        return throttled_response()

``acquire_all`` consumes from every limiter only if *all* allow, so a rejected request does not eat
quota (the real services' exact accounting is unknown; this is the forgiving choice).

``kind="fixed"`` counts per aligned window (``floor(t / window)``); ``kind="sliding"`` keeps the
timestamps of the last ``window_seconds``. The kind can be switched at run time (a setting).
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Literal

from ledgerlink_sandbox.framework.clock import Clock

WindowKind = Literal["fixed", "sliding"]

# One lock for all limiters: acquire_all must be atomic across limiters, and contention is tiny.
_LOCK = threading.RLock()


class WindowLimiter:
    """Counts events per key inside a fixed or sliding time window."""

    def __init__(self, clock: Clock, window_seconds: float, kind: WindowKind = "fixed") -> None:
        self.clock = clock
        self.window_seconds = window_seconds
        self.kind: WindowKind = kind
        self._fixed: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
        self._sliding: defaultdict[str, deque[float]] = defaultdict(deque)

    def used(self, key: str) -> int:
        """Events counted for ``key`` in the current window."""
        now = self.clock.timestamp()
        with _LOCK:
            if self.kind == "fixed":
                index, count = self._fixed.get(key, (-1, 0))
                return count if index == self._index(now) else 0
            stamps = self._sliding[key]
            while stamps and stamps[0] <= now - self.window_seconds:
                stamps.popleft()
            return len(stamps)

    def allows(self, key: str, limit: int) -> bool:
        return self.used(key) < limit

    def record(self, key: str) -> None:
        now = self.clock.timestamp()
        with _LOCK:
            if self.kind == "fixed":
                index = self._index(now)
                old_index, count = self._fixed.get(key, (index, 0))
                self._fixed[key] = (index, count + 1 if old_index == index else 1)
            else:
                self._sliding[key].append(now)

    def try_acquire(self, key: str, limit: int) -> bool:
        return acquire_all([(self, key, limit)])

    def reset(self) -> None:
        with _LOCK:
            self._fixed.clear()
            self._sliding.clear()

    def _index(self, now: float) -> int:
        return math.floor(now / self.window_seconds)


def acquire_all(checks: Iterable[tuple[WindowLimiter, str, int]]) -> bool:
    """Record one event in every (limiter, key, limit) iff all of them still have room."""
    checks = list(checks)
    with _LOCK:
        if not all(limiter.allows(key, limit) for limiter, key, limit in checks):
            return False
        for limiter, key, _ in checks:
            limiter.record(key)
        return True
