"""Pipedrive custom fields made readable: 40-hex field codes → keys, option ids → labels.

v2 records carry custom values under ``custom_fields`` keyed by each company's own 40-character
hashes, with enum/set values as option ids (reference §1.6). ``FieldCatalog`` is built from the
v2 field definitions (``GET /api/v2/{entity}Fields``) and gives every custom field a stable
readable key, the snake_case of its name (``"Invoice Status"`` → ``invoice_status``), so
analysts and mappings never deal with hashes.

Key rules, in this order (deterministic for one set of definitions):
- snake_case of ``field_name``, ASCII letters/digits only; a leading digit gets ``f_``;
- a key already used by the entity's own properties (``reserved``) or by an earlier custom field,
  or an empty one, gets ``_`` + the first 6 characters of the code appended: rare, and still
  readable next to the name.

Values (``resolve``): enum → option label, set → list of labels, everything else as Pipedrive
sends it (monetary ``{value, currency}``, dates, ranges, addresses, user/org/person ids). An option
id no longer defined resolves to ``None`` (the raw ``custom_fields`` keep the id).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_STRING = {"type": ["string", "null"]}
_NUMBER = {"type": ["number", "null"]}
_INTEGER = {"type": ["integer", "null"]}
_ANY_OBJECT = {"type": ["object", "null"], "additionalProperties": True}

# JSON schema of a resolved value per field type (reference §1.6 value shapes).
VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "varchar": _STRING,
    "varchar_auto": _STRING,
    "text": _STRING,
    "phone": _STRING,
    "enum": _STRING,
    "set": {"type": ["array", "null"], "items": {"type": "string"}},
    "double": _NUMBER,
    "monetary": {
        "type": ["object", "null"],
        "properties": {"value": _NUMBER, "currency": _STRING},
    },
    "date": {"type": ["string", "null"], "format": "date"},
    "daterange": {
        "type": ["object", "null"],
        "properties": {
            "value": {"type": ["string", "null"], "format": "date"},
            "until": {"type": ["string", "null"], "format": "date"},
        },
    },
    "time": _ANY_OBJECT,
    "timerange": _ANY_OBJECT,
    "address": _ANY_OBJECT,
    "user": _INTEGER,
    "org": _INTEGER,
    "people": _INTEGER,
}


# The subfields of an address value (organization ``address`` and custom address fields,
# reference §1.5/§1.6). Only ``value`` is required on a write, and every subfield left out of a
# written address becomes null: writers send the whole object or no address at all.
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


def snake_case(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return f"f_{key}" if key[:1].isdigit() else key


@dataclass(frozen=True)
class CustomField:
    code: str
    name: str
    type: str
    key: str  # the readable key
    labels: Mapping[Any, str]  # option id -> label (enum/set)

    def resolve(self, value: Any) -> Any:
        if value is None:
            return None
        if self.type == "enum":
            return self._label(value)
        if self.type == "set" and isinstance(value, list):
            return [label for v in value if (label := self._label(v)) is not None]
        return value

    def _label(self, value: Any) -> str | None:
        if isinstance(value, dict):  # include_option_labels=true shape {"id", "label"}
            return value.get("label") or self.labels.get(value.get("id"))
        return self.labels.get(value)

    @property
    def schema(self) -> dict[str, Any]:
        return VALUE_SCHEMAS.get(self.type, {})  # unknown future type: any value


class FieldCatalog:
    """The custom fields of one entity (organization, person, deal) of one company."""

    def __init__(self, definitions: Iterable[Mapping[str, Any]], reserved: Iterable[str]) -> None:
        taken = set(reserved)
        self.fields: dict[str, CustomField] = {}
        for definition in definitions:
            if not definition.get("is_custom_field"):
                continue
            code, name = str(definition["field_code"]), str(definition.get("field_name") or "")
            key = snake_case(name)
            if not key or key in taken:
                key = f"{key or 'field'}_{code[:6]}"
            taken.add(key)
            labels = {o["id"]: str(o["label"]) for o in definition.get("options") or []}
            self.fields[code] = CustomField(code, name, str(definition["field_type"]), key, labels)

    def key_of(self, code: str) -> str | None:
        found = self.fields.get(code)
        return found.key if found else None

    def resolve(self, custom_fields: Mapping[str, Any] | None) -> dict[str, Any]:
        """Readable key → resolved value for every defined custom field (``None`` when unset)."""
        values = custom_fields or {}
        return {f.key: f.resolve(values.get(code)) for code, f in self.fields.items()}

    def schema_properties(self) -> dict[str, dict[str, Any]]:
        return {f.key: f.schema for f in self.fields.values()}
