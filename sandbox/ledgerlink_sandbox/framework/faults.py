"""Fault injection per route: the registry and the rules' JSON form.

A rule matches on HTTP method and path, and fires a limited or unlimited number of times:

    {"kind": "status",   "status": 503, "method": "GET", "path": "/v3/company/*/query", "count": 2}
    {"kind": "delay",    "delay_seconds": 5, "path": "/v1/deals"}      # slow, then served
    {"kind": "reset",    "path": "*", "count": 1}                      # TCP reset, no response
    {"kind": "throttle", "count": 20}                                  # 429 storm (service's body)

Fields: ``method`` ("*" or a verb), ``path`` (a glob on the request path such as
``/v3/company/*/query``, or an exact route template such as ``/v3/company/{realm}/query``),
``count`` (how many times it fires; omitted = until cleared), ``skip`` (let the first N matching
requests through, e.g. "fail the third page"), ``status``/``body``/``content_type`` for ``status``
rules (default body: the service's own error body for that status), ``delay_seconds`` for
``delay`` rules (wall-clock seconds, so it trips the client's real timeout).

Rules are checked in insertion order; the first live match wins. The middleware
(``ledgerlink_sandbox.framework.middleware``) applies them; "mutation between pages" needs no rule:
the test changes data through the store or admin API between two page requests.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

FaultKind = Literal["status", "delay", "reset", "throttle"]
_KINDS: tuple[FaultKind, ...] = ("status", "delay", "reset", "throttle")


@dataclass
class FaultRule:
    kind: FaultKind
    method: str = "*"
    path: str = "*"
    count: int | None = None
    skip: int = 0
    status: int = 500
    body: str | None = None
    content_type: str = "application/json"
    delay_seconds: float = 0.0
    id: int = 0
    fired: int = field(default=0)

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return self.path == template or fnmatch.fnmatchcase(path, self.path)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        """Validate an admin request body; raises ``ValueError`` with a readable message."""
        if not isinstance(data, dict):
            raise ValueError("a fault rule is a JSON object")
        unknown = set(data) - {
            "kind",
            "method",
            "path",
            "count",
            "skip",
            "status",
            "body",
            "content_type",
            "delay_seconds",
        }
        if unknown:
            raise ValueError(f"unknown fault field(s): {sorted(unknown)}")
        kind = data.get("kind")
        if kind not in _KINDS:
            raise ValueError(f"fault kind must be one of {list(_KINDS)}")
        count = data.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or omitted")
        status = data.get("status", 500)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        delay = data.get("delay_seconds", 0.0)
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay_seconds must be a non-negative number")
        skip = data.get("skip", 0)
        if not isinstance(skip, int) or skip < 0:
            raise ValueError("skip must be a non-negative integer")
        return cls(
            kind=cast(FaultKind, kind),
            method=str(data.get("method", "*")),
            path=str(data.get("path", "*")),
            count=count,
            skip=skip,
            status=status,
            body=data.get("body"),
            content_type=str(data.get("content_type", "application/json")),
            delay_seconds=float(delay),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultRegistry:
    """Thread-safe ordered list of rules; ``take`` consumes one firing of the first match."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
            return rule

    def clear(self, rule_id: int | None = None) -> int:
        """Remove one rule (by id) or all; returns how many were removed."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, method: str, path: str, template: str | None) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path, template):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                rule.fired += 1
                if rule.count is not None and rule.fired >= rule.count:
                    self._rules.remove(rule)
                return rule
            return None
