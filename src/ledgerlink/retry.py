"""Exponential backoff with jitter and the retry loop, independent of any API.

    backoff = Backoff(base=1.0, cap=60.0, max_tries=6)
    for attempt in range(1, backoff.max_tries + 1):
        ...
        time.sleep(backoff.delay(attempt))

"Equal jitter": half the exponential step is fixed, half random, so concurrent clients that
failed together spread out while each still waits a meaningful minimum.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    base: float = 1.0  # seconds before the second try
    cap: float = 60.0  # longest single wait
    max_tries: int = 6  # tries in all, the first included
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def step(self, attempt: int) -> float:
        """The un-jittered wait after failed try number ``attempt`` (1-based)."""
        return float(min(self.cap, self.base * 2 ** max(0, attempt - 1)))

    def delay(self, attempt: int) -> float:
        step = self.step(attempt)
        return step / 2 + self.rng.uniform(0, step / 2)

    def jitter(self, seconds: float, spread: float = 0.1) -> float:
        """``seconds`` plus up to ``spread`` of it at random (fixed waits such as QBO's 60 s)."""
        return seconds + self.rng.uniform(0, seconds * spread)


class Decision(enum.Enum):
    REFRESH = "refresh"  # credentials refused: refresh once, then try again
    WAIT = "wait"  # rate limited: wait the given time (jittered), then try again
    BACKOFF = "backoff"  # transient: exponential backoff, then try again
    RAISE = "raise"  # permanent: give up


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    wait: float = 0.0  # seconds, for WAIT
    reason: str = "rate limited"  # for WAIT, in the log line
    instead: BaseException | None = None  # for RAISE: raise this rather than the error


@dataclass
class RetryLoop:
    """The retry policy every API client shares; each API only judges its own errors.

    ``run(call, judge=…)`` calls ``before()`` (pacing, budget checks) and ``call()`` until it
    returns. ``judge`` maps an API error to a ``Verdict``; network failures (timeouts, resets)
    back off like transient errors. A refusal of credentials is retried once, after
    ``refresh(error)`` returned True; rate limits wait up to ``wait_tries`` times; transient
    failures back off up to ``backoff.max_tries`` tries in all. ``sleep`` may hold a shared
    pacer instead of only this thread.
    """

    api_error: type[Exception]
    backoff: Backoff = field(default_factory=Backoff)
    wait_tries: int = 6
    transient_exceptions: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
    sleep: Callable[[float], None] = time.sleep

    def run(
        self,
        call: Callable[[], T],
        *,
        judge: Callable[[Exception], Verdict],
        refresh: Callable[[Exception], bool],
        before: Callable[[], object] = lambda: None,
        what: str = "request",
    ) -> T:
        refreshed = False
        waits = transient = 0
        while True:
            before()
            try:
                return call()
            except self.transient_exceptions as error:
                if transient + 1 >= self.backoff.max_tries:
                    raise
                transient += 1
                wait = self.backoff.delay(transient)
                log.warning(
                    "%s during %s; retrying in %.2f s (%d)",
                    type(error).__name__,
                    what,
                    wait,
                    transient,
                )
            except Exception as error:
                if not isinstance(error, self.api_error):
                    raise
                verdict = judge(error)
                if verdict.decision is Decision.REFRESH and not refreshed and refresh(error):
                    refreshed = True
                    log.warning("%s; refreshed the access token once, retrying", error)
                    continue
                if verdict.decision is Decision.WAIT and waits + 1 < self.wait_tries:
                    waits += 1
                    wait = self.backoff.jitter(verdict.wait)
                    log.warning("%s; %s, waiting %.1f s (%d)", error, verdict.reason, wait, waits)
                elif (
                    verdict.decision is Decision.BACKOFF and transient + 1 < self.backoff.max_tries
                ):
                    transient += 1
                    wait = self.backoff.delay(transient)
                    log.warning("%s; retrying in %.2f s (%d)", error, wait, transient)
                else:
                    if verdict.instead is not None:  # a planned stop, explained by the caller
                        raise verdict.instead from error
                    # Not logged: whoever catches it reports it once (a plugin in one line).
                    raise
            self.sleep(wait)
