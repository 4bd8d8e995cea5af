"""Burst limits (rolling 2 s window per token) and the company-wide daily token budget.

Budget: ``daily_base_tokens * plan multiplier * seats + token_topup`` per company per day, each
request charged its operation's ``x-token-cost`` (``costs``), reset at midnight in the server time
zone of the sandbox clock. Decisions where the docs are silent: a request whose cost exceeds what
is left is refused (the budget never goes negative); refused requests (401, 429) cost nothing;
any request that passed auth and burst check is charged, errors included.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from ledgerlink_sandbox.framework import Clock, WindowLimiter, acquire_all
from ledgerlink_sandbox.pipedrive.settings import PipedriveSettings

AuthKind = Literal["api_token", "oauth"]
_WRITES = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class Principal:
    kind: AuthKind
    user_id: int
    key: str  # a digest of the credential: windows are per token, logs never see the token


def principal_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Verdict:
    refusal: Literal["burst", "budget", "ban"] | None
    headers: list[tuple[str, str]]


class Limits:
    def __init__(self, clock: Clock, settings: PipedriveSettings) -> None:
        self.clock = clock
        self.settings = settings
        self.burst = WindowLimiter(clock, settings.burst_window_seconds, settings.burst_window_kind)
        self.search = WindowLimiter(
            clock, settings.burst_window_seconds, settings.burst_window_kind
        )
        self._lock = threading.Lock()
        self._day: date | None = None
        self.spent_today = 0
        self.spent_total = 0
        self.by_operation: Counter[str] = Counter()
        self._writes: dict[str, tuple[date, int]] = {}
        self._refused_in_row: Counter[str] = Counter()
        # What the burst window saw, for tests and benchmarks of concurrent clients: the most
        # requests one token had admitted inside one window, and the 429s it drew.
        self.peak_in_window = 0
        self.burst_refusals = 0

    # --- budget --------------------------------------------------------------------------------
    def daily_limit(self) -> int:
        s = self.settings
        return s.daily_base_tokens * s.plan_multipliers.get(s.plan, 1) * s.seats + s.token_topup

    def _server_day(self) -> date:
        return self.clock.now().astimezone(ZoneInfo(self.settings.server_timezone)).date()

    def _roll_day(self) -> None:
        today = self._server_day()
        if self._day != today:
            self._day, self.spent_today = today, 0

    def remaining(self) -> int:
        with self._lock:
            self._roll_day()
            return max(self.daily_limit() - self.spent_today, 0)

    def set_remaining(self, remaining: int) -> None:
        """Admin helper: pretend the company already spent everything but ``remaining``."""
        with self._lock:
            self._roll_day()
            self.spent_today = max(self.daily_limit() - remaining, 0)

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            self._roll_day()
            return {
                "day": self._day.isoformat() if self._day else None,
                "limit": self.daily_limit(),
                "spent_today": self.spent_today,
                "remaining": max(self.daily_limit() - self.spent_today, 0),
                "spent_total": self.spent_total,
                "by_operation": dict(sorted(self.by_operation.items())),
                "peak_in_window": self.peak_in_window,
                "burst_refusals": self.burst_refusals,
            }

    def reset(self) -> None:
        with self._lock:
            self.burst.reset()
            self.search.reset()
            self._day, self.spent_today, self.spent_total = None, 0, 0
            self.by_operation.clear()
            self._writes.clear()
            self._refused_in_row.clear()
            self.peak_in_window = self.burst_refusals = 0

    # --- per request ---------------------------------------------------------------------------
    def burst_limit(self, principal: Principal) -> int:
        pair = self.settings.burst_limits.get(self.settings.plan, [20, 80])
        return pair[1] if principal.kind == "oauth" else pair[0]

    def admit(
        self, principal: Principal, operation: str, cost: int, method: str, *, search: bool
    ) -> Verdict:
        """Check burst and budget, charge the cost, and return the rate-limit headers."""
        s = self.settings
        for limiter in (self.burst, self.search):
            limiter.window_seconds, limiter.kind = s.burst_window_seconds, s.burst_window_kind
        limit = self.burst_limit(principal)
        checks = [(self.burst, principal.key, limit)]
        if search:
            checks.append((self.search, principal.key, s.search_burst_limit))
        with self._lock:
            self._roll_day()
            if s.cloudflare_ban_after is not None and (
                self._refused_in_row[principal.key] >= s.cloudflare_ban_after
            ):
                return Verdict("ban", [])
            refusal: Literal["burst", "budget"] | None = None
            if s.enforce_burst_limit and not acquire_all(checks):
                refusal = "burst"
            elif s.enforce_daily_budget and self.daily_limit() - self.spent_today < cost:
                refusal = "budget"
            if refusal is None:
                if not s.enforce_burst_limit:
                    self.burst.record(principal.key)
                self.spent_today += cost
                self.spent_total += cost
                self.by_operation[operation] += cost
                self._refused_in_row[principal.key] = 0
                self.peak_in_window = max(self.peak_in_window, self.burst.used(principal.key))
            else:
                self._refused_in_row[principal.key] += 1
                self.burst_refusals += refusal == "burst"
            headers = self._headers(
                principal, limit, method, charged=refusal is None, search=search
            )
        return Verdict(refusal, headers)

    def _headers(
        self, principal: Principal, limit: int, method: str, *, charged: bool, search: bool
    ) -> list[tuple[str, str]]:
        s = self.settings
        remaining = limit - self.burst.used(principal.key)
        if search:
            limit = min(limit, s.search_burst_limit)
            remaining = min(remaining, s.search_burst_limit - self.search.used(principal.key))
        headers = [
            ("x-ratelimit-limit", str(limit)),
            ("x-ratelimit-remaining", str(max(remaining, 0))),
            ("x-ratelimit-reset", str(math.ceil(s.burst_window_seconds))),
            ("x-daily-ratelimit-token-limit", str(self.daily_limit())),
            (
                "x-daily-ratelimit-token-remaining",
                str(max(self.daily_limit() - self.spent_today, 0)),
            ),
        ]
        if principal.kind == "api_token" and method in _WRITES:
            headers.append(("x-daily-requests-left", str(self._count_write(principal, charged))))
        return headers

    def _count_write(self, principal: Principal, charged: bool) -> int:
        """Legacy POST/PUT fair use per user per UTC day (x-daily-requests-left)."""
        today = self.clock.now().date()
        day, used = self._writes.get(principal.key, (today, 0))
        used = (used if day == today else 0) + (1 if charged else 0)
        self._writes[principal.key] = (today, used)
        return max(self.settings.daily_post_put_limit - used, 0)

    def now(self) -> datetime:
        return self.clock.now()
