"""Staying within Pipedrive's limits (reference §3), for every Pipedrive client in ledgerlink.

Two limits, both announced in response headers:

- the **burst** window (``x-ratelimit-limit/remaining/reset``: N requests per rolling 2 s per
  token): ``BurstPacer`` pauses until the window resets once it is about to run out, so a 429
  is the exception, not the pacing mechanism (clients that keep drawing 429s get banned by
  Cloudflare);
- the **daily token budget** (``x-daily-ratelimit-token-limit/remaining``), shared by every app
  and user of the company: ``TokenBudget`` charges each operation its ``x-token-cost``, tracks
  the balance from the headers (estimating while they are missing, which Pipedrive says happens
  after long inactivity), and refuses a request that would dig into the ``Reserve`` kept for the
  company's other apps by raising ``BudgetReserveReached`` - a clean stop, not a failure.

``PipedriveRetry.run`` puts both around one call with the retry policy: 401 → one forced token
refresh; 429 burst → wait for the reset; 429 with the budget at 0 → stop like the reserve;
5xx / network errors → exponential backoff with jitter (``ledgerlink.retry.Backoff``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ledgerlink.errors import LedgerlinkError
from ledgerlink.pipedrive.errors import Category, PipedriveApiError, header_number
from ledgerlink.retry import Backoff, Decision, RetryLoop, Verdict

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RESERVE = 0.25  # Pipedrive mails the admins at 75 % spent: stay below that by default
# A burst window is 2 s; a longer Retry-After is honoured up to this.
BURST_WAIT_CAP_SECONDS = 30.0


class BudgetReserveReached(LedgerlinkError):
    """The next request would spend tokens kept for the company's other apps (or the budget is
    gone). Callers end their run cleanly with resumable state."""


@dataclass(frozen=True)
class Reserve:
    """Tokens of the daily budget a client must leave untouched: a count or a fraction."""

    tokens: int = 0
    fraction: float = 0.0

    @classmethod
    def parse(cls, value: float | int | str | None) -> Reserve:
        """``0.25`` = a quarter of the daily limit; ``5000`` = 5,000 tokens; None = default."""
        if value is None or value == "":
            return cls(fraction=DEFAULT_RESERVE)
        number = float(value)
        if number < 0 or math.isnan(number):
            raise ValueError(f"budget_reserve must be >= 0, not {value!r}")
        if number < 1:
            return cls(fraction=number)
        return cls(tokens=int(number))

    def of(self, daily_limit: int | None) -> int:
        if self.fraction:
            return math.ceil(self.fraction * daily_limit) if daily_limit else 0
        return self.tokens

    def describe(self) -> str:
        return f"{self.fraction:.0%} of the daily budget" if self.fraction else f"{self.tokens}"


@dataclass
class TokenBudget:
    """The company's daily token balance as this process knows it, and what it spent per label."""

    reserve: Reserve = field(default_factory=lambda: Reserve.parse(None))
    limit: int | None = None
    remaining: int | None = None
    spent: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    # Tokens of requests sent and not answered yet (concurrent writers): the balance the
    # headers show does not know about them, the reserve must.
    in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reserved(self) -> int:
        return self.reserve.of(self.limit)

    def check(self, cost: int, operation: str) -> None:
        """Raise ``BudgetReserveReached`` if ``cost`` more tokens would dig into the reserve.

        Before the first response the balance is unknown and the request goes ahead: one
        request is the price of learning it. A request that goes ahead counts as in flight
        until ``observe`` (or ``release``) accounts for it."""
        with self._lock:
            remaining, reserved = self.remaining, self.reserved()
            if remaining is not None:
                remaining -= self.in_flight
            if remaining is None or remaining - cost >= reserved:
                self.in_flight += cost
                return
        raise BudgetReserveReached(
            f"Stopped before {operation} ({cost} tokens): the company's Pipedrive token "
            f"budget has {remaining} of {self.limit or '?'} tokens left today and "
            f"{reserved} are reserved for its other apps (budget_reserve "
            f"{self.reserve.describe()}). The budget resets at midnight, Pipedrive server "
            "time; the next run resumes where this one stopped."
        )

    def observe(self, status: int, headers: Mapping[str, str], cost: int, label: str) -> None:
        """Account one answered request. Refused ones (401, 429) are not charged."""
        charged = status not in (401, 429)
        limit = header_number(headers, "x-daily-ratelimit-token-limit")
        left = header_number(headers, "x-daily-ratelimit-token-remaining")
        with self._lock:
            self.in_flight = max(self.in_flight - cost, 0)
            self.requests[label] += 1
            if charged:
                self.spent[label] += cost
            if limit is not None:
                self.limit = int(limit)
            if left is not None:
                # Only down within a run: answers to concurrent requests arrive out of order,
                # and an older, higher balance must not reopen the reserve. (A run crossing the
                # daily reset stops early and cleanly; the next run reads the new budget.)
                known = self.remaining
                self.remaining = int(left) if known is None else min(known, int(left))
            elif self.remaining is not None and charged:
                self.remaining = max(self.remaining - cost, 0)  # headers missing: estimate

    def release(self, cost: int) -> None:
        """A request that got no answer (a network error): no longer in flight."""
        with self._lock:
            self.in_flight = max(self.in_flight - cost, 0)

    def exhausted(self) -> None:
        with self._lock:
            self.remaining = 0

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.spent.items()))
        total = sum(self.spent.values())
        balance = (
            f"; company budget left {self.remaining} of {self.limit} (reserve {self.reserved()})"
            if self.remaining is not None
            else ""
        )
        return f"{total} tokens in {sum(self.requests.values())} requests ({parts}){balance}"


@dataclass
class BurstPacer:
    """Pauses before the rolling burst window runs out, using the window's own headers.

    Shared by every thread of a client (concurrent writers): each request waits while the
    window is paused, and an answer saying that ``margin`` or fewer requests are left pauses
    them all until the window resets. With N requests in flight the headers lag by up to N - 1,
    so ``in_flight(N)`` raises the margin to N."""

    margin: int = 1  # pause when this many requests (or fewer) are left in the window
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    _resume_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def in_flight(self, concurrent: int) -> None:
        self.margin = max(self.margin, concurrent)

    def observe(self, headers: Mapping[str, str]) -> None:
        left = header_number(headers, "x-ratelimit-remaining")
        reset = header_number(headers, "x-ratelimit-reset")
        if left is not None and left <= self.margin:
            self.hold(reset or 2.0)

    def hold(self, seconds: float) -> None:
        """Make the next request wait ``seconds`` (after a 429)."""
        with self._lock:
            self._resume_at = max(self._resume_at, self.clock() + seconds)

    def wait(self) -> None:
        with self._lock:
            pause = self._resume_at - self.clock()
        if pause > 0:
            log.debug("Pipedrive burst window nearly used up; pausing %.2f s", pause)
            self.sleep(pause)
            with self._lock:
                self.waited += pause


@dataclass
class Limits:
    """Budget and burst pacing of one process's Pipedrive client (one company)."""

    budget: TokenBudget = field(default_factory=TokenBudget)
    burst: BurstPacer = field(default_factory=BurstPacer)

    def observe(self, status: int, headers: Mapping[str, str], cost: int, label: str) -> None:
        self.budget.observe(status, headers, cost, label)
        self.burst.observe(headers)


@dataclass
class PipedriveRetry:
    """Runs one Pipedrive call within the limits and with the retry policy (module docstring)."""

    limits: Limits
    backoff: Backoff = field(default_factory=Backoff)
    burst_tries: int = 6
    # Network-level failures of the HTTP library in use (timeouts, resets, ...).
    transient_exceptions: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)

    def run(
        self,
        call: Callable[[], T],
        *,
        cost: int,
        operation: str,
        reauthorize: Callable[[PipedriveApiError], bool],
    ) -> T:
        """``call`` sends the request, reports it to ``limits.observe`` and raises
        ``PipedriveApiError`` for a failure. ``reauthorize`` gets a 401 and returns True when a
        fresh credential is in place (OAuth), False when retrying cannot help (API token)."""

        def before() -> None:
            self.limits.budget.check(cost, operation)
            self.limits.burst.wait()

        loop = RetryLoop(
            PipedriveApiError,
            self.backoff,
            wait_tries=self.burst_tries,
            transient_exceptions=self.transient_exceptions,
            # Holding the pacer makes every request of the process wait, not only this one.
            sleep=self.limits.burst.hold,
        )
        return loop.run(
            call,
            judge=self._judge,
            refresh=lambda error: reauthorize(error),  # type: ignore[arg-type]
            before=before,
            what=operation,
        )

    def _judge(self, error: Exception) -> Verdict:
        category = error.category if isinstance(error, PipedriveApiError) else None
        if category is Category.AUTH:
            return Verdict(Decision.REFRESH)
        if category is Category.BUDGET:
            self.limits.budget.exhausted()
            stop = BudgetReserveReached(
                "Stopped: the company's Pipedrive token budget cannot cover more "
                f"requests today ({error}). The budget resets at midnight, Pipedrive "
                "server time; the next run resumes where this one stopped."
            )
            return Verdict(Decision.RAISE, instead=stop)
        if category is Category.BURST:
            retry_after = error.retry_after if isinstance(error, PipedriveApiError) else None
            wait = min(retry_after or 2.0, BURST_WAIT_CAP_SECONDS)
            return Verdict(Decision.WAIT, wait, "burst limit")
        if category is Category.TRANSIENT:
            return Verdict(Decision.BACKOFF)
        return Verdict(Decision.RAISE)
