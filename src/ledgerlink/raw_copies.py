"""Where a tenant's raw copies live: one PostgreSQL schema per tenant and tap.

Each tenant is a different company: its Pipedrive custom fields become columns of their own, its
ids overlap with the next company's. So the raw copies of tenant `acme` land in
`raw_quickbooks_acme` and `raw_pipedrive_acme` (the tap's `load_schema` in meltano.yml, then the
tenant): an analyst reads one company as it is, and access is granted per schema. A name longer
than PostgreSQL's 63 bytes keeps its start and ends in a digest of the whole, so two long tenant
names never share a schema.
"""

from __future__ import annotations

import hashlib

# PostgreSQL truncates longer identifiers (NAMEDATALEN - 1).
MAX_IDENTIFIER = 63
_DIGEST = 8


def schema(load_schema: str, tenant: str) -> str:
    """The tenant's schema for a tap whose meltano.yml `load_schema` is `load_schema`."""
    name = f"{load_schema}_{tenant}"
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_DIGEST]
    return f"{name[: MAX_IDENTIFIER - _DIGEST - 1]}_{digest}"


def load_schema_variable(extractor: str) -> str:
    """Meltano's variable for an extractor's `load_schema` extra (`TAP_QUICKBOOKS__LOAD_SCHEMA`),
    which target-postgres reads as its `default_target_schema`."""
    return f"{extractor}__load_schema".upper().replace("-", "_")
