"""The money fields: which figure goes to which organization / deal custom field, with which
policy, resolved by visible name to the company's field keys (missing fields created).

Setting ``money_fields`` (an object; each entry replaces a default, ``null`` switches it off):

    {"open_balance": "Balance Due",
     "pay_link": {"field": "Pay Online", "policy": "fill_if_empty", "clear_when_empty": false}}

The resolved fields are ``fieldmap.OrgFields`` read from the figures as a flat record
(``money.Figures.as_record``), so conversion (amounts as monetary objects in the customer's
currency, dates, numbers), the never-blank policies and the diff are those of the customer
fields. Deals take the same fields under the same names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from target_pipedrive import store
from target_pipedrive.fieldmap import OrgField, OrgFields
from target_pipedrive.mapping import FieldMapping, MappingError, Policy, normalize_field_name

log = logging.getLogger(__name__)

# figure → (default visible name, field type, cleared when the figure has no value)
DEFAULTS: dict[str, tuple[str, str, bool]] = {
    "open_balance": ("Open Balance", "monetary", False),
    "overdue_balance": ("Overdue Balance", "monetary", False),
    "open_invoices": ("Open Invoices", "double", False),
    "last_invoice_date": ("Last Invoice Date", "date", True),
    "last_payment_date": ("Last Payment Date", "date", True),
    # A stale pay-online link invites paying a settled invoice: cleared when nothing is open.
    "pay_link": ("Pay Online Link", "varchar", True),
}
CURRENCY_KEY = "currency"  # where the figures' record carries the customer's currency


def parse(settings: Mapping[str, Any] | None) -> tuple[FieldMapping, ...]:
    """The money field mappings from the target's ``money_fields`` setting."""
    raw = (settings or {}).get("money_fields") or {}
    if not isinstance(raw, Mapping):
        raise MappingError("money_fields: an object of figure → field name (or entry)")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        known = ", ".join(DEFAULTS)
        raise MappingError(f"money_fields: unknown figure(s) {', '.join(unknown)}; use {known}")
    out: list[FieldMapping] = []
    for figure, (name, kind, clear) in DEFAULTS.items():
        entry = raw.get(figure, name)
        if entry is None or entry is False:
            continue  # switched off
        policy = Policy.OVERWRITE
        if isinstance(entry, Mapping):
            try:
                policy = Policy(entry.get("policy", Policy.OVERWRITE))
            except ValueError:
                allowed = ", ".join(p.value for p in Policy)
                raise MappingError(
                    f"money_fields.{figure}: 'policy' must be one of {allowed}"
                ) from None
            clear = bool(entry.get("clear_when_empty", clear and policy is Policy.OVERWRITE))
            entry = entry.get("field", name)
        if not isinstance(entry, str) or not entry.strip() or len(entry) > 255:
            raise MappingError(f"money_fields.{figure}: a field name of 1 to 255 characters")
        if clear and policy is not Policy.OVERWRITE:
            raise MappingError(
                f"money_fields.{figure}: clear_when_empty needs the policy 'overwrite'"
            )
        if policy is Policy.NEVER:
            continue
        out.append(FieldMapping(" ".join(entry.split()), (figure,), kind, policy, clear))
    keys = [m.key for m in out]
    if len(keys) != len(set(keys)):
        raise MappingError("money_fields: two figures name the same field")
    return tuple(out)


def resolve(
    entity: str, mappings: Iterable[FieldMapping], definitions: Iterable[Mapping[str, Any]]
) -> tuple[OrgFields, tuple[FieldMapping, ...]]:
    """The fields found by visible name, and the mappings whose field is missing."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for definition in definitions:
        name = definition.get("field_name")
        if isinstance(name, str) and name.strip():
            by_name.setdefault(normalize_field_name(name), []).append(definition)
    found: list[OrgField] = []
    missing: list[FieldMapping] = []
    for mapping in mappings:
        matches = by_name.get(mapping.key, [])
        if not matches:
            missing.append(mapping)
            continue
        if len(matches) > 1:
            raise MappingError(
                f"The {entity} field '{mapping.field}' exists {len(matches)} times in Pipedrive: "
                "rename all but one, or set another name in money_fields."
            )
        definition = matches[0]
        if not definition.get("is_custom_field"):
            raise MappingError(
                f"The {entity} field '{mapping.field}' is a built-in field: set another name in "
                "money_fields."
            )
        kind = str(definition.get("field_type") or mapping.type)
        found.append(OrgField(mapping, str(definition["field_code"]), kind, True))
    return _fields(found), tuple(missing)


def _fields(found: Iterable[OrgField]) -> OrgFields:
    # No external id among the money fields: they are written to a known organization or deal.
    return OrgFields(tuple(found), external_id_code="", currency_path=CURRENCY_KEY)


class MoneyFieldSetup:
    """The money fields of one entity for a run: stored definitions when fresh and complete,
    read (and missing fields created) otherwise."""

    def __init__(
        self,
        client: PipedriveClient,
        tenant: str,
        entity: str,
        mappings: tuple[FieldMapping, ...],
        *,
        default_currency: str = "USD",
        database_url: str | None = None,
        max_age_seconds: float = 24 * 3600.0,
        dry_run: bool = False,
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.entity = entity
        self.mappings = mappings
        self.default_currency = default_currency
        self.database_url = database_url
        self.max_age_seconds = max_age_seconds
        self.dry_run = dry_run
        self.created: list[str] = []

    def fields(self, *, refresh: bool = False) -> OrgFields:
        fields = self._fields(refresh)
        return OrgFields(
            fields.fields, "", currency_path=CURRENCY_KEY, default_currency=self.default_currency
        )

    def _fields(self, refresh: bool) -> OrgFields:
        if not refresh:
            with db.connection(self.database_url) as conn:
                cached = store.cached_fields(conn, self.tenant, self.entity, self.max_age_seconds)
            if cached is not None:
                fields, missing = resolve(self.entity, self.mappings, cached)
                if not missing:
                    return fields
        definitions = self.client.fields(self.entity)
        fields, missing = resolve(self.entity, self.mappings, definitions)
        if missing and self.dry_run:
            # Nothing is created in a dry run: the plan names the fields a real run would create.
            planned = [OrgField(m, f"new:{m.field}", m.type, True) for m in missing]
            return _fields([*fields.fields, *planned])
        for mapping in missing:
            created = self.client.create_field(self.entity, mapping.field, mapping.type)
            log.info("Created the Pipedrive %s field '%s'", self.entity, mapping.field)
            self.created.append(mapping.field)
            definitions.append(
                {
                    "field_name": mapping.field,
                    "field_type": mapping.type,
                    "is_custom_field": True,
                    **created,
                }
            )
        if missing:
            fields, missing = resolve(self.entity, self.mappings, definitions)
        with db.connection(self.database_url) as conn:
            store.save_fields(conn, self.tenant, self.entity, definitions)
        return fields
