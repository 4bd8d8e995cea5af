"""The field mapping as configuration: which QuickBooks value goes to which organization field,
and with which policy.

Setting ``organization_fields`` (a list; an entry with the ``field`` of a default replaces it):

    {"field": "Website", "source": "WebAddr.URI", "type": "varchar",
     "policy": "fill_if_empty", "clear_when_empty": false}

- ``field``: the organization field's visible name ("Name", "Address", or a custom field);
  resolved to its key through ``GET /organizationFields``; a missing custom field is created with
  ``type`` (and ``options`` for an enum).
- ``source``: a dotted path in the QuickBooks customer, or a list of paths (first non-empty).
- ``policy``: ``overwrite`` (QuickBooks wins), ``fill_if_empty`` (only into an empty field),
  ``never`` (not written at all: a way to switch a default off).
- ``clear_when_empty``: only then does an empty QuickBooks value clear a filled Pipedrive field.
- ``values``: source value (as text) → label, e.g. ``{"true": "Active", "false": "Inactive"}``.

``external_id_field`` (default "QuickBooks Customer ID") names the custom field holding the
customer's QuickBooks Id: adopted when it exists, created when missing, always written.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ledgerlink.errors import LedgerlinkError

DEFAULT_EXTERNAL_ID_FIELD = "QuickBooks Customer ID"
STATUS_FIELD = "QuickBooks Status"
FIELD_TYPES = (
    "varchar",
    "varchar_auto",
    "text",
    "double",
    "monetary",
    "enum",
    "set",
    "phone",
    "date",
    "address",
)


class Policy(enum.StrEnum):
    OVERWRITE = "overwrite"
    FILL_IF_EMPTY = "fill_if_empty"
    NEVER = "never"


class MappingError(LedgerlinkError):
    """The mapping configuration cannot be used; the message names the entry to fix."""


@dataclass(frozen=True)
class FieldMapping:
    field: str  # visible name of the organization field
    source: tuple[str, ...]  # dotted paths, the first non-empty wins
    type: str = "varchar"  # when the custom field has to be created
    policy: Policy = Policy.OVERWRITE
    clear_when_empty: bool = False
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    options: tuple[str, ...] = ()  # labels of an enum/set field to create

    @property
    def key(self) -> str:
        return normalize_field_name(self.field)


def normalize_field_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def default_fields(external_id_field: str = DEFAULT_EXTERNAL_ID_FIELD) -> tuple[FieldMapping, ...]:
    return (
        FieldMapping("Name", ("DisplayName", "CompanyName")),
        FieldMapping("Address", ("BillAddr",), "address"),
        FieldMapping("Shipping Address", ("ShipAddr",), "address"),
        FieldMapping("Email", ("PrimaryEmailAddr.Address",)),
        FieldMapping("Phone", ("PrimaryPhone.FreeFormNumber",), "phone"),
        FieldMapping("Website", ("WebAddr.URI",), policy=Policy.FILL_IF_EMPTY),
        FieldMapping("Payment Terms", ("SalesTermRef.name",)),
        FieldMapping("QuickBooks Balance", ("Balance",), "monetary"),
        FieldMapping("Currency", ("CurrencyRef.value",)),
        FieldMapping(
            STATUS_FIELD,
            ("Active",),
            "enum",
            values={"true": "Active", "false": "Inactive"},
            options=("Active", "Inactive"),
        ),
        external_id_mapping(external_id_field),
    )


def external_id_mapping(name: str) -> FieldMapping:
    return FieldMapping(name, ("Id",), "varchar", Policy.OVERWRITE)


@dataclass(frozen=True)
class MappingConfig:
    fields: tuple[FieldMapping, ...]
    external_id_field: str = DEFAULT_EXTERNAL_ID_FIELD
    currency_path: str = "CurrencyRef.value"  # where an amount's currency comes from
    default_currency: str = "USD"

    @property
    def external_id(self) -> FieldMapping:
        key = normalize_field_name(self.external_id_field)
        return next(f for f in self.fields if f.key == key)

    @classmethod
    def parse(cls, settings: Mapping[str, Any] | None = None) -> MappingConfig:
        """From the target's settings (``organization_fields``, ``external_id_field``,
        ``default_currency``): the defaults, overridden entry by entry."""
        settings = settings or {}
        external = str(settings.get("external_id_field") or DEFAULT_EXTERNAL_ID_FIELD).strip()
        merged: dict[str, FieldMapping] = {f.key: f for f in default_fields(external)}
        for index, raw in enumerate(settings.get("organization_fields") or []):
            entry = _entry(raw, index, merged)
            merged[entry.key] = entry
        ext_key = normalize_field_name(external)
        ext = merged[ext_key]
        if ext.policy is not Policy.OVERWRITE or ext.source != ("Id",):
            # Matching depends on it: the external id is always the QuickBooks Id, always written.
            merged[ext_key] = external_id_mapping(ext.field)
        return cls(
            fields=tuple(merged.values()),
            external_id_field=external,
            currency_path=str(settings.get("currency_path") or "CurrencyRef.value"),
            default_currency=str(settings.get("default_currency") or "USD"),
        )


def _entry(raw: Any, index: int, known: Mapping[str, FieldMapping]) -> FieldMapping:
    where = f"organization_fields[{index}]"
    if not isinstance(raw, Mapping) or not isinstance(raw.get("field"), str):
        raise MappingError(f"{where}: each entry needs a 'field' (an organization field name)")
    name = " ".join(raw["field"].split())
    if not name or len(name) > 255:  # Pipedrive's limit for a field name
        raise MappingError(f"{where}: 'field' must be 1 to 255 characters")
    base = known.get(normalize_field_name(name))
    source = raw.get("source", base.source if base else None)
    paths = (source,) if isinstance(source, str) else tuple(source or ())
    if not paths or not all(isinstance(p, str) and p.strip() for p in paths):
        raise MappingError(f"{where} ('{name}'): 'source' must be a dotted path or a list of them")
    try:
        policy = Policy(raw.get("policy", base.policy if base else Policy.OVERWRITE))
    except ValueError:
        allowed = ", ".join(p.value for p in Policy)
        raise MappingError(f"{where} ('{name}'): 'policy' must be one of {allowed}") from None
    kind = str(raw.get("type", base.type if base else "varchar"))
    if kind not in FIELD_TYPES:
        raise MappingError(f"{where} ('{name}'): 'type' must be one of {', '.join(FIELD_TYPES)}")
    clear = bool(raw.get("clear_when_empty", base.clear_when_empty if base else False))
    if clear and policy is not Policy.OVERWRITE:
        raise MappingError(f"{where} ('{name}'): clear_when_empty needs the policy 'overwrite'")
    values = raw.get("values", base.values if base else {})
    options = raw.get("options", base.options if base else ())
    if not isinstance(values, Mapping) or not isinstance(options, Sequence):
        raise MappingError(f"{where} ('{name}'): 'values' is an object, 'options' a list")
    entry = FieldMapping(
        name,
        tuple(p.strip() for p in paths),
        kind,
        policy,
        clear,
        {str(k).casefold(): str(v) for k, v in values.items()},
        tuple(str(o) for o in options),
    )
    if kind in ("enum", "set") and not entry.options and entry.values:
        entry = replace(entry, options=tuple(dict.fromkeys(entry.values.values())))
    return entry
