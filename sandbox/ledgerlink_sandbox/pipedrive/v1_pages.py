"""v1 offset pagination: ``start`` (default 0) and ``limit`` (default 100, at most 500).

``additional_data.pagination = {"start", "limit", "more_items_in_collection"[, "next_start"]}``;
``next_start`` only while there are more items (pipedrive.md §1.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from starlette.datastructures import QueryParams

from ledgerlink_sandbox.pipedrive.http import ApiError, gateway_error

T = TypeVar("T")
MAX_LIMIT = 500


def v1_page(rows: Sequence[T], params: QueryParams) -> tuple[list[T], dict[str, Any]]:
    """The page of ``rows`` that ``start``/``limit`` ask for, and its pagination object."""
    start, limit = params.get("start", "0"), params.get("limit", "100")
    if not start.isdigit() or not limit.isdigit():
        raise ApiError(gateway_error(400, "start and limit must be integers"))
    first, size = int(start), min(max(int(limit), 1), MAX_LIMIT)
    pagination: dict[str, Any] = {
        "start": first,
        "limit": size,
        "more_items_in_collection": first + size < len(rows),
    }
    if pagination["more_items_in_collection"]:
        pagination["next_start"] = first + size
    return list(rows[first : first + size]), pagination
