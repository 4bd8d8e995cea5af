"""The organization fields of a run: resolved from stored definitions when fresh enough, read
from Pipedrive otherwise, with missing custom fields created (the external-id field included).

Stored definitions are what makes an unchanged rerun free: resolving names costs a
``GET /organizationFields`` (10 tokens) only when the stored copy is older than
``max_age_seconds``, lacks a mapped name, or Pipedrive refused one of its keys (``refresh``).
"""

from __future__ import annotations

import logging
from typing import Any

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from target_pipedrive import store
from target_pipedrive.fieldmap import OrgFields, resolve
from target_pipedrive.mapping import MappingConfig, MappingError

log = logging.getLogger(__name__)
DEFAULT_MAX_AGE_SECONDS = 24 * 3600.0


class FieldSetup:
    def __init__(
        self,
        client: PipedriveClient,
        tenant: str,
        config: MappingConfig,
        *,
        database_url: str | None = None,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        dry_run: bool = False,
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.config = config
        self.database_url = database_url
        self.max_age_seconds = max_age_seconds
        self.dry_run = dry_run
        self.created: list[str] = []  # names of the custom fields this run created

    def fields(self, *, refresh: bool = False) -> OrgFields:
        if not refresh:
            with db.connection(self.database_url) as conn:
                cached = store.cached_fields(
                    conn, self.tenant, "organization", self.max_age_seconds
                )
            if cached is not None:
                found = resolve(self.config, cached)
                if found.fields is not None:
                    return found.fields
        definitions = self.client.organization_fields()
        found = resolve(self.config, definitions)
        if found.missing:
            if self.dry_run:
                names = ", ".join(m.field for m in found.missing)
                raise MappingError(
                    f"dry_run: the organization fields {names} do not exist yet; a real run "
                    "creates them (dry runs never write)."
                )
            for mapping in found.missing:
                created = self.client.create_organization_field(
                    mapping.field, mapping.type, mapping.options
                )
                log.info("Created the Pipedrive organization field '%s'", mapping.field)
                self.created.append(mapping.field)
                definitions.append(_as_definition(created, mapping.field, mapping.type))
            found = resolve(self.config, definitions)
        if found.fields is None:  # pragma: no cover - every missing field was just created
            raise MappingError("organization fields could not be resolved after creating them")
        with db.connection(self.database_url) as conn:
            store.save_fields(conn, self.tenant, "organization", definitions)
        return found.fields


def _as_definition(created: dict[str, Any], name: str, field_type: str) -> dict[str, Any]:
    """The definition of a field just created (the answer is one; fill what it might omit)."""
    return {
        "field_name": name,
        "field_type": field_type,
        "is_custom_field": True,
        **created,
    }
