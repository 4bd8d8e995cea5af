"""``GET /v1/recents``: what changed after ``since_timestamp``, oldest first.

As the v1 document describes it: ``since_timestamp`` (required, UTC ``YYYY-MM-DD HH:MM:SS``),
``items`` (one of the document's item types, or several comma-separated), ``start``/``limit``;
items ``{"item": "deal", "id": 7, "data": {...v1 record...}}``; ``additional_data`` with
``since_timestamp``, ``last_timestamp_on_page`` and the v1 pagination. Since 2024-12-01 Pipedrive
returns at most one month of history whatever ``since_timestamp`` says (pipedrive.md §1.4):
an older timestamp is read as "one month ago" on the sandbox clock, and that is the
``since_timestamp`` answered [unverified: which value the real API echoes].

The sandbox holds deals, persons, organizations, notes, pipelines and stages; the other item
types (activities, files, filters, products, users, ...) are valid and simply have no changes.
Deleted records are listed too (``deleted``/``active_flag`` false) while the store keeps them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

from ledgerlink_sandbox.pipedrive.render_v1 import RENDERERS
from ledgerlink_sandbox.pipedrive.store import Record, Store

ITEM_TYPES = (
    "activity",
    "activityType",
    "deal",
    "file",
    "filter",
    "note",
    "person",
    "organization",
    "pipeline",
    "product",
    "stage",
    "user",
)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class BadRecentsRequest(ValueError):
    """A parameter the API refuses (answered as the v1 gateway's 400)."""


@dataclass(frozen=True)
class Change:
    item: str
    id: int
    update_time: datetime
    data: Record


def one_month_before(now: datetime) -> datetime:
    """The same day and time one calendar month earlier (clamped to the month's last day)."""
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day)


def parse_since(raw: str | None, now: datetime) -> datetime:
    """The effective lower bound: ``since_timestamp``, but never more than a month back."""
    if not raw:
        raise BadRecentsRequest("since_timestamp is required")
    try:
        since = datetime.strptime(raw, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise BadRecentsRequest(
            "since_timestamp must be a UTC time formatted YYYY-MM-DD HH:MM:SS"
        ) from exc
    return max(since, one_month_before(now.astimezone(UTC)))


def parse_items(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ITEM_TYPES
    items = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [item for item in items if item not in ITEM_TYPES]
    if unknown:
        raise BadRecentsRequest(f"items: unknown item type {unknown[0]}")
    return items


def changes_since(store: Store, since: datetime, items: tuple[str, ...]) -> list[Change]:
    """Records of ``items`` updated after ``since``, oldest first (ties by type and id)."""
    found: list[Change] = []
    for item in items:
        render = RENDERERS.get(item)
        if render is None:
            continue  # a type the sandbox holds none of
        for record in store.rows(item):
            updated: datetime = record["update_time"]
            if updated > since:
                found.append(Change(item, int(record["id"]), updated, render(store, record)))
    found.sort(key=lambda change: (change.update_time, change.item, change.id))
    return found
