"""v2 list semantics: filters, sorting and the opaque keyset cursor.

The cursor is unpadded base64url JSON ``{"field","fieldValue","sortDirection","id"}`` — the
encoding of the spec's example cursor — naming the *first item of the next page* (the spec's
wording). A page is the items at or after that key in (sort field, id) order, so records created
or updated between two page requests behave as with the real keyset cursor: a record that moves
behind the cursor (for example updated while paging by ``update_time``) shows up again later, one
moving in front of it is not seen in this pass, and records that do not change are returned
exactly once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from ledgerlink_sandbox.pipedrive.fields import ValidationFailed, parse_rfc3339
from ledgerlink_sandbox.pipedrive.render import iso
from ledgerlink_sandbox.pipedrive.store import Record

SORT_FIELDS = ("id", "update_time", "add_time")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[Record]
    next_cursor: str | None


def _sort_value(record: Record, field: str) -> Any:
    value = record[field]
    return iso(value) if isinstance(value, datetime) else value


def encode_cursor(field: str, value: Any, direction: str, record_id: int) -> str:
    raw = json.dumps(
        {"field": field, "fieldValue": value, "sortDirection": direction, "id": record_id},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("Validation failed: cursor: invalid cursor") from exc
    if not isinstance(data, dict) or set(data) != {"field", "fieldValue", "sortDirection", "id"}:
        raise ValidationFailed("Validation failed: cursor: invalid cursor")
    return data


def parse_limit(params: QueryParams, *, clamp: bool, default: int = 100) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed("Validation failed: limit: must be a positive integer")
    if int(raw) > MAX_LIMIT and not clamp:
        raise ValidationFailed(f"Validation failed: limit: must be <= {MAX_LIMIT}")
    return min(int(raw), MAX_LIMIT)


def parse_int(params: QueryParams, key: str) -> int | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise ValidationFailed(f"Validation failed: {key}: must be an integer")
    return int(raw)


def parse_bool(params: QueryParams, key: str) -> bool:
    raw = params.get(key)
    if raw in (None, "", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise ValidationFailed(f"Validation failed: {key}: must be a boolean")


def parse_csv(params: QueryParams, key: str) -> tuple[str, ...]:
    raw = params.get(key) or ""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def time_filters(params: QueryParams) -> list[Callable[[Record], bool]]:
    """``updated_since`` is inclusive (>=), ``updated_until`` exclusive (<)."""
    checks: list[Callable[[Record], bool]] = []
    since, until = params.get("updated_since"), params.get("updated_until")
    if since:
        start = parse_rfc3339(since, "updated_since")
        checks.append(lambda r: r["update_time"] >= start)
    if until:
        end = parse_rfc3339(until, "updated_until")
        checks.append(lambda r: r["update_time"] < end)
    return checks


def paginate(
    rows: Iterable[Record],
    params: QueryParams,
    *,
    clamp: bool,
    sortable: tuple[str, ...] = SORT_FIELDS,
) -> Page:
    sort_by = params.get("sort_by") or "id"
    direction = params.get("sort_direction") or "asc"
    if sort_by not in sortable:
        raise ValidationFailed(f"Validation failed: sort_by: must be one of {', '.join(sortable)}")
    if direction not in ("asc", "desc"):
        raise ValidationFailed("Validation failed: sort_direction: must be one of asc, desc")
    limit = parse_limit(params, clamp=clamp)
    descending = direction == "desc"
    ordered = sorted(rows, key=lambda r: (_sort_value(r, sort_by), r["id"]), reverse=descending)
    cursor = params.get("cursor")
    if cursor:
        mark = decode_cursor(cursor)
        if mark["field"] != sort_by or mark["sortDirection"] != direction:
            raise ValidationFailed(
                "Validation failed: cursor: does not match sort_by/sort_direction"
            )
        expected = int if sort_by in ("id", "order_nr") else str
        if not isinstance(mark["fieldValue"], expected) or not isinstance(mark["id"], int):
            raise ValidationFailed("Validation failed: cursor: invalid cursor")
        key = (mark["fieldValue"], mark["id"])
        if descending:
            ordered = [r for r in ordered if (_sort_value(r, sort_by), r["id"]) <= key]
        else:
            ordered = [r for r in ordered if (_sort_value(r, sort_by), r["id"]) >= key]
    page, rest = ordered[:limit], ordered[limit : limit + 1]
    next_cursor = None
    if rest:
        first = rest[0]
        next_cursor = encode_cursor(sort_by, _sort_value(first, sort_by), direction, first["id"])
    return Page(page, next_cursor)
