"""The mapping resolved against the company's organization fields: visible names → keys.

``resolve(config, definitions)`` (definitions from ``GET /api/v2/organizationFields``) gives the
``OrgFields`` to write and the custom fields still missing (to create, then resolve again).
``OrgFields.desired(record)`` is the mapped payload of one QuickBooks customer, keyed by field
key: built-in keys (``name``, ``address``, ``website``) and 40-hex custom field codes alike.
``OrgFields.current(org)`` reads the same keys from a Pipedrive organization, and
``OrgFields.body(values)`` turns keyed values into a v2 request body (built-ins at the top,
custom fields under ``custom_fields``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_pipedrive import textlimits
from target_pipedrive import values as v
from target_pipedrive.mapping import FieldMapping, MappingConfig, MappingError, Policy
from target_pipedrive.policy import Rule

# Built-in organization fields a v2 write accepts (reference §1.6); the rest are read-only.
WRITABLE_BUILTINS = {
    "name",
    "address",
    "website",
    "linkedin",
    "industry",
    "annual_revenue",
    "employee_count",
}


@dataclass(frozen=True)
class OrgField:
    mapping: FieldMapping
    code: str
    type: str  # the Pipedrive field's type (what values are converted to)
    custom: bool
    options: Mapping[str, Any] = field(default_factory=dict)  # label (casefold) → option id

    @property
    def rule(self) -> Rule:
        return Rule(self.mapping.policy, self.mapping.clear_when_empty, self.type)


@dataclass(frozen=True)
class OrgFields:
    fields: tuple[OrgField, ...]
    external_id_code: str
    currency_path: str = "CurrencyRef.value"
    default_currency: str = "USD"

    @property
    def rules(self) -> dict[str, Rule]:
        return {f.code: f.rule for f in self.fields}

    @property
    def custom_codes(self) -> list[str]:
        return [f.code for f in self.fields if f.custom]

    def desired(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Field key → the value QuickBooks says (``None``: nothing to say)."""
        return self.fitted(record)[0]

    def fitted(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
        """``desired`` with text cut to what each field holds, and field key → the original
        length of each value that was cut (``textlimits``)."""
        currency = v.get_path(record, self.currency_path) or self.default_currency
        out: dict[str, Any] = {}
        cut: dict[str, int] = {}
        for f in self.fields:
            raw = v.first_present(record, f.mapping.source)
            if f.mapping.values and raw is not None:
                text = v.convert("varchar", raw)
                raw = f.mapping.values.get(text.casefold(), raw) if text else raw
            value, length = textlimits.fit(f.type, v.convert(f.type, raw, currency=str(currency)))
            if length is not None:
                cut[f.code] = length
            out[f.code] = self._option_ids(f, value)
        return out, cut

    def _option_ids(self, f: OrgField, value: Any) -> Any:
        if value is None or f.type not in ("enum", "set"):
            return value
        labels = value if isinstance(value, list) else [value]
        ids = [f.options.get(str(label).casefold()) for label in labels]
        known = [i for i in ids if i is not None]
        if f.type == "enum":
            return known[0] if known else None  # an unknown label writes nothing
        return known or None

    def current(self, org: Mapping[str, Any]) -> dict[str, Any]:
        """The mapped fields' values as an organization holds them."""
        custom = org.get("custom_fields") or {}
        return {f.code: (custom.get(f.code) if f.custom else org.get(f.code)) for f in self.fields}

    def body(self, values: Mapping[str, Any]) -> dict[str, Any]:
        customs = {f.code for f in self.fields if f.custom}
        body: dict[str, Any] = {k: val for k, val in values.items() if k not in customs}
        custom = {k: val for k, val in values.items() if k in customs}
        if custom:
            body["custom_fields"] = custom
        return body

    def external_id(self, org: Mapping[str, Any]) -> str | None:
        value = (org.get("custom_fields") or {}).get(self.external_id_code)
        text = v.convert("varchar", value)
        return str(text) if text else None


@dataclass(frozen=True)
class Resolution:
    fields: OrgFields | None  # None while custom fields are missing
    missing: tuple[FieldMapping, ...]


def resolve(config: MappingConfig, definitions: Iterable[Mapping[str, Any]]) -> Resolution:
    """Match each mapping to a field definition by visible name (case and spacing ignored)."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for definition in definitions:
        name = v.convert("varchar", definition.get("field_name"))
        if name:
            key = " ".join(str(name).split()).casefold()
            by_name.setdefault(key, []).append(definition)
    resolved: list[OrgField] = []
    missing: list[FieldMapping] = []
    for mapping in config.fields:
        found = by_name.get(mapping.key, [])
        if not found:
            if mapping.policy is not Policy.NEVER:
                missing.append(mapping)
            continue
        if len(found) > 1:
            codes = ", ".join(str(d.get("field_code")) for d in found)
            raise MappingError(
                f"Organization field '{mapping.field}' exists {len(found)} times in Pipedrive "
                f"({codes}): rename all but one, or map another name."
            )
        definition = found[0]
        code, custom = str(definition["field_code"]), bool(definition.get("is_custom_field"))
        if not custom and code not in WRITABLE_BUILTINS:
            raise MappingError(
                f"Organization field '{mapping.field}' ({code}) cannot be written through the "
                "API: map another field."
            )
        options = {
            str(o.get("label", "")).casefold(): o.get("id")
            for o in definition.get("options") or []
            if isinstance(o, Mapping)
        }
        if mapping.policy is not Policy.NEVER:
            resolved.append(
                OrgField(mapping, code, str(definition.get("field_type")), custom, options)
            )
    if missing:
        return Resolution(None, tuple(missing))
    ext_key = config.external_id.key
    ext = next(f for f in resolved if f.mapping.key == ext_key)
    fields = OrgFields(tuple(resolved), ext.code, config.currency_path, config.default_currency)
    return Resolution(fields, ())
