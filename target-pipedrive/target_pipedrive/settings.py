"""target-pipedrive's settings: the config schema (what ``--about`` and meltano.yml show) and its
typed reading.

Everything the field mapping needs (``organization_fields``, ``external_id_field``,
``default_currency``) is read by ``mapping.MappingConfig.parse``; this module adds how records
are handled (``contacts``, ``jobs``, ``dry_run``) and how the client behaves (``budget_reserve``,
retries, timeout, ``api_url``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from ledgerlink.singer.settings import budget_reserve_property, common_properties, retry_properties
from target_pipedrive.fieldsetup import DEFAULT_MAX_AGE_SECONDS
from target_pipedrive.mapping import DEFAULT_EXTERNAL_ID_FIELD, FIELD_TYPES, Policy

MAX_FIELD_CACHE_SECONDS = 7 * 24 * 3600
# Writers at once: a few fill the smallest plan's window (20 requests / 2 s per API token).
DEFAULT_WRITERS = 4
MAX_WRITERS = 16


class Contacts(enum.StrEnum):
    PERSON = "person"  # the primary contact becomes a Pipedrive person linked to the organization
    FIELDS = "fields"  # the contact's email and phone go to the organization's own fields
    SKIP = "skip"  # neither


class Jobs(enum.StrEnum):
    PARENT = "parent"  # a sub-customer belongs to its parent's organization: no organization
    SEPARATE = "separate"  # a sub-customer is an organization of its own
    SKIP = "skip"  # sub-customers are ignored


_FIELD_ENTRY = th.ObjectType(
    th.Property(
        "field",
        th.StringType(min_length=1, max_length=255),
        required=True,
        description="Visible name of the organization field (case and spacing ignored)",
    ),
    th.Property(
        "source",
        th.CustomType({"type": ["string", "array"], "items": {"type": "string"}}),
        description="Dotted path in the QuickBooks customer, or a list of paths (first "
        "non-empty wins)",
    ),
    th.Property(
        "type",
        th.StringType(allowed_values=list(FIELD_TYPES)),
        description="Type of the custom field when it has to be created",
    ),
    th.Property(
        "policy",
        th.StringType(allowed_values=[p.value for p in Policy]),
        description="overwrite (QuickBooks wins), fill_if_empty, or never (switch a default off)",
    ),
    th.Property(
        "clear_when_empty",
        th.BooleanType,
        description="Only then does an empty QuickBooks value clear a filled field (overwrite "
        "only)",
    ),
    th.Property(
        "values",
        th.ObjectType(additional_properties=th.StringType),
        description='Source value (as text) → label, e.g. {"true": "Active"}',
    ),
    th.Property(
        "options",
        th.ArrayType(th.StringType),
        description="Labels of an enum or set field to create",
    ),
    additional_properties=False,
)

CONFIG_SCHEMA: dict[str, Any] = th.PropertiesList(
    *common_properties("Pipedrive"),
    th.Property(
        "organization_fields",
        th.ArrayType(_FIELD_ENTRY),
        description="Field mapping: QuickBooks customer values → organization fields, by "
        "visible name, with a policy each; an entry whose field names a default replaces it "
        "(docs/target-pipedrive.md lists the defaults)",
    ),
    th.Property(
        "external_id_field",
        th.StringType(min_length=1, max_length=255),
        default=DEFAULT_EXTERNAL_ID_FIELD,
        description="Organization custom field holding the QuickBooks customer Id: adopted "
        "when it exists, created when missing; matching and crash recovery rely on it",
    ),
    th.Property(
        "default_currency",
        th.StringType(pattern=r"^[A-Z]{3}$"),
        default="USD",
        description="Currency of amounts whose customer names none (ISO 4217 code)",
    ),
    th.Property(
        "contacts",
        th.StringType(allowed_values=[c.value for c in Contacts]),
        default=Contacts.FIELDS.value,
        description="The customer's primary contact: person (a Pipedrive person linked to the "
        "organization, matched by email), fields (email and phone on the organization), or "
        "skip",
    ),
    th.Property(
        "jobs",
        th.StringType(allowed_values=[j.value for j in Jobs]),
        default=Jobs.PARENT.value,
        description="Sub-customers (QuickBooks jobs): parent (no organization of their own), "
        "separate (an organization each), or skip",
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description="Write nothing: the plan (create / update / ambiguous per record, field "
        "by field) goes to sync_audit and the log",
    ),
    budget_reserve_property(" (exit status 75)"),
    th.Property(
        "field_cache_seconds",
        th.IntegerType(minimum=0, maximum=MAX_FIELD_CACHE_SECONDS),
        default=int(DEFAULT_MAX_AGE_SECONDS),
        description="Stored organization field definitions younger than this are used "
        f"without asking Pipedrive (0-{MAX_FIELD_CACHE_SECONDS} s)",
    ),
    *retry_properties(),
    th.Property(
        "request_timeout_seconds",
        th.IntegerType(minimum=1, maximum=600),
        default=30,
        description="Per-request timeout (1-600 s); a create that times out is looked up, "
        "never sent blindly again",
    ),
    th.Property(
        "writers",
        th.IntegerType(minimum=1, maximum=MAX_WRITERS),
        default=DEFAULT_WRITERS,
        description="Customers written at once (1-16), paced together inside the plan's burst "
        "window by the rate-limit headers",
    ),
    th.Property(
        "api_url",
        th.URIType,
        description="Override of the company's API base URL, e.g. https://acme.pipedrive.com "
        "(default: the URL stored with the connection)",
    ),
).to_dict()


@dataclass(frozen=True)
class TargetSettings:
    contacts: Contacts
    jobs: Jobs
    dry_run: bool
    budget_reserve: float | None
    field_cache_seconds: float
    max_retries: int
    backoff_base: float
    timeout: float
    api_url: str | None
    writers: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TargetSettings:
        return cls(
            contacts=Contacts(config.get("contacts") or Contacts.FIELDS),
            jobs=Jobs(config.get("jobs") or Jobs.PARENT),
            dry_run=bool(config.get("dry_run")),
            budget_reserve=config.get("budget_reserve"),
            field_cache_seconds=float(
                _or(config.get("field_cache_seconds"), DEFAULT_MAX_AGE_SECONDS)
            ),
            max_retries=int(_or(config.get("max_retries"), 5)),
            backoff_base=float(_or(config.get("backoff_base_seconds"), 1.0)),
            timeout=float(_or(config.get("request_timeout_seconds"), 30)),
            api_url=str(config["api_url"]).rstrip("/") if config.get("api_url") else None,
            writers=int(_or(config.get("writers"), DEFAULT_WRITERS)),
        )

    def mapping_settings(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The settings ``MappingConfig.parse`` reads, with the contacts choice applied: the
        default Email and Phone entries are the ``fields`` mode; ``person`` and ``skip`` switch
        them off unless ``organization_fields`` configures them again."""
        entries = list(config.get("organization_fields") or [])
        if self.contacts is not Contacts.FIELDS:
            off = [{"field": name, "policy": Policy.NEVER.value} for name in ("Email", "Phone")]
            entries = off + entries
        return {**config, "organization_fields": entries}


def _or(value: Any, default: float) -> Any:
    return default if value is None else value
