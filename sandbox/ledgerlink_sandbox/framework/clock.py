"""A controllable clock shared by every service of one sandbox.

Every emulator reads time only through ``Clock.now()`` so a test can cross a token expiry, a
rate-limit window or a 30-day CDC look-back without sleeping:

    clock = Clock()
    clock.freeze(datetime(2026, 1, 1, tzinfo=UTC))   # time stands still
    clock.advance(3600)                               # jump one hour (frozen or not)
    clock.unfreeze()                                  # runs again, from the current reading

When running (not frozen) the clock is the wall clock plus an offset, so ``advance`` also works on a
running clock. Real-time waits (slow-response faults, client timeouts) deliberately do *not* use the
clock: a client's socket timeout is wall-clock time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Thread-safe UTC clock that can be frozen and moved forward."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        """Current sandbox time, timezone-aware UTC."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def timestamp(self) -> float:
        """``now()`` as POSIX seconds (handy for rate-limit windows)."""
        return self.now().timestamp()

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock at ``at`` (default: the current reading) and return the frozen time."""
        if at is not None and at.tzinfo is None:
            raise ValueError("Clock.freeze needs a timezone-aware datetime")
        with self._lock:
            current = self._frozen_at or datetime.now(UTC) + self._offset
            self._frozen_at = (at or current).astimezone(UTC)
            return self._frozen_at

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (never backwards: nothing in the sandbox expects that)."""
        if seconds < 0:
            raise ValueError("Clock.advance only moves forward")
        step = timedelta(seconds=seconds)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += step
                return self._frozen_at
            self._offset += step
            return datetime.now(UTC) + self._offset

    def unfreeze(self) -> datetime:
        """Let the clock run again, continuing from the frozen reading."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - datetime.now(UTC)
                self._frozen_at = None
            return datetime.now(UTC) + self._offset

    def reset(self) -> datetime:
        """Back to the wall clock: not frozen, no offset."""
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None
            return datetime.now(UTC)

    def state(self) -> dict[str, object]:
        """JSON-ready description, served by ``GET /_sandbox/clock``."""
        now = self.now()
        return {"now": now.isoformat(), "frozen": self.frozen}
