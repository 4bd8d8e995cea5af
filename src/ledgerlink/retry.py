"""Exponential backoff with jitter, independent of any API.

    backoff = Backoff(base=1.0, cap=60.0, max_tries=6)
    for attempt in range(1, backoff.max_tries + 1):
        ...
        time.sleep(backoff.delay(attempt))

"Equal jitter": half the exponential step is fixed, half random, so concurrent clients that
failed together spread out while each still waits a meaningful minimum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


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
