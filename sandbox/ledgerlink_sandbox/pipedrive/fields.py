"""Field definitions (built-in and custom) and validation of v2 ``custom_fields`` values.

Value shapes follow the v2 migration guide (pipedrive.md §1.6): read shape = write shape.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

from ledgerlink_sandbox.pipedrive.store import FieldDef

HASH_KEY = re.compile(r"^[0-9a-f]{40}$")
CREATABLE_TYPES = (
    "varchar",
    "text",
    "double",
    "phone",
    "date",
    "daterange",
    "time",
    "timerange",
    "set",
    "enum",
    "varchar_auto",
    "address",
    "monetary",
    "org",
    "people",
    "user",
)
_TEXT = ("varchar", "varchar_auto", "text", "phone")
ADDRESS_SUBFIELDS = (
    "value",
    "country",
    "admin_area_level_1",
    "admin_area_level_2",
    "locality",
    "sublocality",
    "route",
    "street_number",
    "subpremise",
    "postal_code",
    "formatted_address",
)


class ValidationFailed(ValueError):
    """A v2 request failed schema validation (400 ``ERR_SCHEMA_VALIDATION_FAILED``)."""


def field_code(seed: str, entity: str, name: str) -> str:
    """A stable 40-hex field code, different per company (seed), like Pipedrive's hashes."""
    return hashlib.sha1(f"{seed}:{entity}:{name}".encode()).hexdigest()  # noqa: S324 - not security


def subfields_for(field_type: str, name: str) -> list[dict[str, str]] | None:
    if field_type == "monetary":
        return [
            {"field_code": "value", "field_name": f"Value of {name}", "field_type": "double"},
            {
                "field_code": "currency",
                "field_name": f"Currency of {name}",
                "field_type": "varchar",
            },
        ]
    if field_type == "address":
        return [
            {"field_code": sub, "field_name": f"{sub} of {name}", "field_type": "varchar"}
            for sub in ADDRESS_SUBFIELDS
        ]
    return None


def builtin_fields(entity: str) -> list[FieldDef]:
    """The system fields ``GET /api/v2/<entity>Fields`` lists before the custom ones."""
    common = [
        ("id", "ID", "int"),
        ("owner_id", "Owner", "user"),
        ("add_time", "Created", "date"),
        ("update_time", "Update time", "date"),
        ("visible_to", "Visible to", "visible_to"),
        ("label_ids", "Labels", "set"),
    ]
    specific = {
        "organization": [
            ("name", "Name", "varchar"),
            ("address", "Address", "address"),
            ("website", "Website", "varchar"),
            ("industry", "Industry", "enum"),
        ],
        "person": [
            ("name", "Name", "varchar"),
            ("org_id", "Organization", "org"),
            ("emails", "Email", "varchar"),
            ("phones", "Phone", "phone"),
        ],
        "deal": [
            ("title", "Title", "varchar"),
            ("value", "Value", "monetary"),
            ("org_id", "Organization", "org"),
            ("person_id", "Contact person", "people"),
            ("pipeline_id", "Pipeline", "int"),
            ("stage_id", "Stage", "stage"),
            ("status", "Status", "status"),
            ("expected_close_date", "Expected close date", "date"),
        ],
    }[entity]
    out = []
    for code, name, kind in [*specific, *common]:
        options: list[dict[str, Any]] | None = None
        if code == "status":
            options = [{"id": s, "label": s.title()} for s in ("open", "won", "lost", "deleted")]
        elif code == "industry":
            options = [
                {"id": str(n), "label": label}
                for n, label in enumerate(("Technology", "Finance", "Retail", "Manufacturing"), 1)
            ]
        elif kind in ("set", "enum"):
            options = []
        out.append(FieldDef(code, name, kind, False, options, subfields_for(kind, name)))
    return out


def _fail(key: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"Validation failed: custom_fields.{key}: {message}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", value) is not None


def check_custom_value(fdef: FieldDef, value: Any) -> Any:
    """Validate one custom field value (never ``None``: the caller handles clearing)."""
    key, kind = fdef.code, fdef.type
    if kind in _TEXT:
        if not isinstance(value, str):
            raise _fail(key, "must be a string")
        if kind != "text" and len(value) > 255:
            raise _fail(key, "must be at most 255 characters")
        return value
    if kind == "double":
        if not _is_number(value):
            raise _fail(key, "must be a number")
        return value
    if kind == "monetary":
        if not (
            isinstance(value, dict)
            and _is_number(value.get("value"))
            and isinstance(value.get("currency"), str)
            and set(value) <= {"value", "currency"}
        ):
            raise _fail(key, 'must be an object {"value": number, "currency": string}')
        return {"value": value["value"], "currency": value["currency"]}
    option_ids = {o["id"] for o in fdef.options or []}
    if kind == "enum":
        if isinstance(value, bool) or not isinstance(value, int) or value not in option_ids:
            raise _fail(key, f"must be one of the option ids {sorted(option_ids)}")
        return value
    if kind == "set":
        if (
            not isinstance(value, list)
            or not value
            or any(isinstance(v, bool) or v not in option_ids for v in value)
        ):
            raise _fail(key, f"must be a non-empty array of option ids {sorted(option_ids)}")
        return list(dict.fromkeys(value))
    if kind in ("user", "org", "people"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(key, "must be an integer id")
        return value
    if kind == "date":
        if not _is_date(value):
            raise _fail(key, "must be a date YYYY-MM-DD")
        return value
    if kind == "daterange":
        if not (
            isinstance(value, dict)
            and _is_date(value.get("value"))
            and _is_date(value.get("until"))
        ):
            raise _fail(key, 'must be an object {"value": date, "until": date}')
        return {"value": value["value"], "until": value["until"]}
    if kind in ("time", "timerange"):
        ok = isinstance(value, dict) and _is_time(value.get("value"))
        if kind == "timerange":
            ok = ok and _is_time(value.get("until"))
        if not ok:
            raise _fail(key, f"must be a {kind} object")
        return dict(value)
    if kind == "address":
        if not (
            isinstance(value, dict)
            and isinstance(value.get("value"), str)
            and set(value) <= set(ADDRESS_SUBFIELDS)
        ):
            raise _fail(key, "must be an address object with a string value")
        return dict(value)
    raise _fail(key, f"fields of type {kind} cannot be written")


def check_custom_fields(
    defs: dict[str, FieldDef], payload: Any, *, creating: bool
) -> dict[str, Any]:
    """Validate a ``custom_fields`` object; ``None`` values clear (kept as ``None`` for merging)."""
    if not isinstance(payload, dict):
        raise ValidationFailed("Validation failed: custom_fields: must be an object")
    out: dict[str, Any] = {}
    for key, value in payload.items():
        fdef = defs.get(key)
        if fdef is None or not fdef.is_custom:
            # The real API fails the whole request for a key of a field that does not exist.
            raise ValidationFailed(
                "Validation failed: custom_fields: "
                f"Parameter '{key}' is not allowed for this request"
            )
        if value is None:
            if not creating:
                out[key] = None
            continue
        out[key] = check_custom_value(fdef, value)
    return out


def option_label(fdef: FieldDef, option_id: Any) -> dict[str, Any]:
    for option in fdef.options or []:
        if option["id"] == option_id:
            return {"id": option_id, "label": option["label"]}
    return {"id": option_id, "label": None}


def parse_rfc3339(value: str, key: str, *, zero_fraction_ok: bool = False) -> datetime:
    """v2 timestamps: RFC 3339, whole seconds. Bodies tolerate ``.000``; ``updated_since`` rejects
    any fraction (observed live, pipedrive.md §1.3)."""
    pattern = r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.0+)?(Z|[+-]\d{2}:\d{2})"
    match = re.fullmatch(pattern, value)
    if match is None or (match.group(3) and not zero_fraction_ok):
        raise ValidationFailed(f"Validation failed: {key}: '{value}' is not a valid datetime")
    zone = "+00:00" if match.group(4) == "Z" else match.group(4)
    return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{zone}")
