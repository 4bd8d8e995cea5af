"""Text longer than a Pipedrive field holds is cut to fit, and the cut is reported.

Pipedrive's field types say how much text they hold (official OpenAPI, organizationFields
``field_type``): ``varchar`` and ``varchar_auto`` "up to 255 characters", ``phone`` "up to 255
numbers and/or characters", ``text`` "up to 65k characters". An organization's and a person's
``name`` is a ``varchar`` field. Whether Pipedrive refuses longer text or cuts it itself is not
documented: the sandbox refuses it by default (the stricter choice), so the target cuts first,
keeps the cut value as what it wrote (a rerun is a noop) and audits the cut.
"""

from __future__ import annotations

from typing import Any

# Characters per field type; types not listed hold no free text (or no documented limit).
LIMITS = {"varchar": 255, "varchar_auto": 255, "phone": 255, "text": 65_000}
ELLIPSIS = "…"  # the cut is visible to the person reading the field


def fit(field_type: str, value: Any) -> tuple[Any, int | None]:
    """``value`` cut to what a ``field_type`` field holds, and the original length when it was
    cut (``None``: it fits)."""
    limit = LIMITS.get(field_type)
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return value, None
    return value[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS, len(value)


def describe(field: str, length: int, field_type: str) -> str:
    return (
        f"{field} was {length} characters; Pipedrive's {field_type} fields hold "
        f"{LIMITS[field_type]}: cut to fit"
    )
