"""Incremental reads of Pipedrive v2 lists without gaps and without boundary duplicates.

``updated_since`` is inclusive (``>=``) and takes whole seconds only (a fraction is a 400;
reference §1.3), and ``update_time`` has whole-second resolution. So a reader that resumes at its
last ``update_time`` T sees again every record of second T, and one that resumes at T + 1 s
misses records changed later during second T. ``Watermark`` resumes at T and remembers which
records it already delivered at T, each with a digest of its content: a record of second T is
skipped only if it is the same version (same id, same content). A record changed again within
second T differs in content and is delivered again, so nothing is lost.

The remembered set only ever holds the records of one second, so it stays small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

STATE_KEY = "bookmark_records"  # beside the SDK's replication_key_value: id -> digest


def rfc3339(value: datetime | date | str) -> str:
    """A whole-second UTC RFC 3339 time (``2026-01-01T00:00:00Z``), the form v2 accepts.

    Naive values are taken as UTC; fractions are cut (never rounded up, which could skip a
    record of that second); a bare date means its midnight."""
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        value = (
            datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        )
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest(record: Mapping[str, Any]) -> str:
    """Content digest of an API record as served (unset custom fields ignored, so defining a new
    field, which adds a ``null`` key to every record, does not make old versions look new)."""
    canonical = dict(record)
    custom = canonical.get("custom_fields")
    if isinstance(custom, Mapping):
        canonical["custom_fields"] = {k: v for k, v in custom.items() if v is not None}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Watermark:
    """Where an incremental read resumes, and what it already delivered at that second."""

    time: str | None = None
    delivered: dict[str, str] = field(default_factory=dict)  # str(id) -> digest, at ``time``

    @classmethod
    def from_state(cls, state: Mapping[str, Any], start: str | None) -> Watermark:
        """Resume from a stream's state, or from ``start`` (config start_date) when later."""
        bookmark = state.get("replication_key_value")
        if bookmark is None:
            return cls(rfc3339(start) if start else None)
        mark = cls(rfc3339(str(bookmark)), dict(state.get(STATE_KEY) or {}))
        if start and rfc3339(start) > mark.time:  # type: ignore[operator]
            return cls(rfc3339(start))
        return mark

    def already_delivered(self, record: Mapping[str, Any], key: str = "update_time") -> bool:
        value = record.get(key)
        if value is None or self.time is None or rfc3339(str(value)) != self.time:
            return False
        return self.delivered.get(str(record["id"])) == digest(record)

    def deliver(self, record: Mapping[str, Any], key: str = "update_time") -> None:
        """Note a record as delivered (call in the order records are emitted)."""
        value = rfc3339(str(record[key]))
        if self.time is None or value > self.time:
            self.time, self.delivered = value, {}
        elif value < self.time:
            return  # out of order: only a later second moves the watermark
        self.delivered[str(record["id"])] = digest(record)
