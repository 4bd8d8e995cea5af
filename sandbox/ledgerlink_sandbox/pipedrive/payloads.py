"""Strict validation of v2 write bodies (POST/PATCH of organizations, persons and deals).

v2 is strict where v1 coerced (pipedrive.md §1.1): unknown keys, strings for numbers and custom
field hashes at the top level are all ``400 ERR_SCHEMA_VALIDATION_FAILED``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledgerlink_sandbox.pipedrive.fields import (
    ADDRESS_SUBFIELDS,
    ValidationFailed,
    check_custom_fields,
    parse_rfc3339,
)
from ledgerlink_sandbox.pipedrive.store import FieldDef, Store

Check = Callable[[Any], bool]
_ADDRESS_KEYS = frozenset(ADDRESS_SUBFIELDS)


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _nullable(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _int_list(v: Any) -> bool:
    return isinstance(v, list) and all(_int(x) for x in v)


def _visible(v: Any) -> bool:
    return v in (1, 3, 5, 7) and _int(v)


def _address(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and set(v) <= _ADDRESS_KEYS
        and all(x is None or isinstance(x, str) for x in v.values())
    )


def _contacts(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(x, dict)
        and isinstance(x.get("value"), str)
        and set(x) <= {"value", "primary", "label"}
        for x in v
    )


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _status(v: Any) -> bool:
    return v in ("open", "won", "lost")


def _date(v: Any) -> bool:
    return isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-"


_COMMON: dict[str, tuple[Check, str]] = {
    "owner_id": (_int, "an integer"),
    "visible_to": (_visible, "one of 1, 3, 5, 7"),
    "label_ids": (_int_list, "an array of integers"),
}
ALLOWED: dict[str, dict[str, tuple[Check, str]]] = {
    "organization": {
        **_COMMON,
        "name": (_str, "a string"),
        "address": (_address, "an address object"),
        "website": (_nullable(_str), "a string"),
        "linkedin": (_nullable(_str), "a string"),
        "industry": (_nullable(_int), "an integer"),
        "annual_revenue": (_nullable(_int), "an integer"),
        "employee_count": (_nullable(_int), "an integer"),
    },
    "person": {
        **_COMMON,
        "name": (_str, "a string"),
        "org_id": (_nullable(_int), "an integer"),
        "emails": (_contacts, "an array of {value, primary, label}"),
        "phones": (_contacts, "an array of {value, primary, label}"),
        "im": (_contacts, "an array of {value, primary, label}"),
        "postal_address": (_nullable(_address), "an address object"),
        "notes": (_nullable(_str), "a string"),
        "birthday": (_nullable(_date), "a date YYYY-MM-DD"),
        "job_title": (_nullable(_str), "a string"),
    },
    "deal": {
        **_COMMON,
        "title": (_str, "a string"),
        "value": (_num, "a number"),
        "currency": (_str, "a string"),
        "person_id": (_nullable(_int), "an integer"),
        "org_id": (_nullable(_int), "an integer"),
        "pipeline_id": (_int, "an integer"),
        "stage_id": (_int, "an integer"),
        "status": (_status, "one of open, won, lost"),
        "probability": (_nullable(_num), "a number"),
        "lost_reason": (_nullable(_str), "a string"),
        "expected_close_date": (_nullable(_date), "a date YYYY-MM-DD"),
        "is_archived": (_bool, "a boolean"),
        # Deleting goes through DELETE; the body may only repeat "not deleted".
        "is_deleted": (lambda v: v is False, "false (use DELETE to delete)"),
    },
}
REQUIRED = {"organization": "name", "person": "name", "deal": "title"}
# Deal timestamps a client may set explicitly (besides add_time on create).
_DEAL_TIMES = ("close_time", "won_time", "lost_time", "archive_time")


def not_allowed(key: str) -> ValidationFailed:
    # Text as observed live for a v1-style custom field hash at the top level (pipedrive.md §1.6).
    return ValidationFailed(
        f"Validation failed: {key}: Parameter '{key}' is not allowed for this request"
    )


# Built-in text fields of type varchar ("Text (up to 255 characters)", organizationFields
# field_type in the official OpenAPI document); what Pipedrive does with longer text is
# unverified: ``PipedriveSettings.varchar_too_long`` chooses refusing (default) or cutting.
VARCHAR_BUILTINS = frozenset({"name", "title", "website", "linkedin", "job_title", "lost_reason"})
VARCHAR_MAX = 255


def validate_body(
    store: Store, entity: str, body: Any, *, creating: bool, too_long: str = "error"
) -> dict[str, Any]:
    """Check a POST/PATCH body; returns store values (times as ``datetime``)."""
    if not isinstance(body, dict):
        raise ValidationFailed("Validation failed: body: must be a JSON object")
    allowed = ALLOWED[entity]
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "custom_fields":
            defs: dict[str, FieldDef] = store.fields[entity]
            out[key] = check_custom_fields(defs, value, creating=creating)
        elif (key == "add_time" and creating) or (entity == "deal" and key in _DEAL_TIMES):
            if value is None and key != "add_time":
                out[key] = None
            elif not isinstance(value, str):
                raise ValidationFailed(f"Validation failed: {key}: must be a string")
            else:
                out[key] = parse_rfc3339(value, key, zero_fraction_ok=True)
        elif key in allowed:
            check, expected = allowed[key]
            if not check(value):
                raise ValidationFailed(f"Validation failed: {key}: must be {expected}")
            if key in VARCHAR_BUILTINS and isinstance(value, str) and len(value) > VARCHAR_MAX:
                if too_long != "truncate":
                    raise ValidationFailed(
                        f"Validation failed: {key}: must be at most {VARCHAR_MAX} characters"
                    )
                value = value[:VARCHAR_MAX]
            out[key] = value
        else:
            raise not_allowed(key)
    required = REQUIRED[entity]
    if creating and required not in out:
        raise ValidationFailed(f"Validation failed: {required}: Parameter '{required}' is required")
    if required in out and not str(out[required]).strip():
        raise ValidationFailed(f"Validation failed: {required}: must not be empty")
    _check_references(store, entity, out)
    return out


def _check_references(store: Store, entity: str, values: dict[str, Any]) -> None:
    for key, table in (
        ("org_id", "organization"),
        ("person_id", "person"),
        ("pipeline_id", "pipeline"),
        ("stage_id", "stage"),
    ):
        ref = values.get(key)
        if ref is not None:
            row = store.get(table, ref)
            if row is None or row.get("is_deleted"):
                raise ValidationFailed(f"Validation failed: {key}: {table} {ref} does not exist")
    if (
        entity == "deal"
        and values.get("lost_reason")
        and values.get("status") not in (None, "lost")
    ):
        raise ValidationFailed("Validation failed: lost_reason: only allowed when status is lost")
