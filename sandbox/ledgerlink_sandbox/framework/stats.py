"""Request accounting: how many calls each route received.

Keys are ``"<METHOD> <route template>"`` (``"GET /v3/company/{realm}/query"``), so a test asserts
"the sync made exactly 3 query calls" without caring about ids in the path. Requests that match no
route are counted under their raw path. Admin endpoints (``/_sandbox/...``) are never counted.
Served by ``GET /_sandbox/stats`` as ``{"total": N, "routes": {key: n, ...}}``.
"""

from __future__ import annotations

import threading
from collections import Counter


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, method: str, template: str) -> None:
        with self._lock:
            self._counts[f"{method.upper()} {template}"] += 1

    def get(self, key: str) -> int:
        with self._lock:
            return self._counts[key]

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            routes = dict(sorted(self._counts.items()))
            return {"total": sum(routes.values()), "routes": routes}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
