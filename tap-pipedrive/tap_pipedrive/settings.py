"""tap-pipedrive's settings: the config schema and its typed reading."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from ledgerlink.singer.settings import budget_reserve_property, common_properties, retry_properties
from tap_pipedrive.includes import INCLUDE_FIELDS

MAX_PAGE_SIZE = 500  # v2 lists: "limit" at most 500 (reference §1.3)


def _include_list(stream: str) -> th.Property[Any]:
    return th.Property(
        stream,
        th.ArrayType(th.StringType(allowed_values=sorted(INCLUDE_FIELDS[stream]))),
        description=f"Extra fields of /api/v2/{stream} (the v2 document's include_fields)",
    )


CONFIG_SCHEMA: dict[str, Any] = th.PropertiesList(
    *common_properties("Pipedrive"),
    th.Property(
        "start_date",
        th.DateTimeType,
        description="Earliest update_time to extract on a first run (default: everything)",
    ),
    budget_reserve_property(),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
        default=MAX_PAGE_SIZE,
        description=f"Records per list request (1-{MAX_PAGE_SIZE}); a page costs the same at "
        "any size",
    ),
    th.Property(
        "include_archived_deals",
        th.BooleanType,
        default=False,
        description="Also read archived deals (/deals/archived, 20 tokens a page), which "
        "/deals leaves out; a partition of the deals stream with its own bookmark",
    ),
    th.Property(
        "include_fields",
        th.ObjectType(*(_include_list(stream) for stream in INCLUDE_FIELDS)),
        description='Extra v2 fields per stream, e.g. {"deals": ["first_won_time", '
        '"activities_count"]}; each becomes a property of the stream\'s schema',
    ),
    *retry_properties(),
    th.Property(
        "api_url",
        th.URIType,
        description="Override of the company's API base URL, e.g. https://acme.pipedrive.com "
        "(default: the URL stored with the connection)",
    ),
).to_dict()


@dataclass(frozen=True)
class PipedriveSettings:
    page_size: int
    budget_reserve: float | None
    include_fields: Mapping[str, tuple[str, ...]]
    max_retries: int
    backoff_base: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PipedriveSettings:
        includes = config.get("include_fields") or {}
        return cls(
            page_size=int(config.get("page_size") or MAX_PAGE_SIZE),
            budget_reserve=config.get("budget_reserve"),
            include_fields={k: tuple(dict.fromkeys(v)) for k, v in includes.items() if v},
            max_retries=int(_or(config.get("max_retries"), 5)),
            backoff_base=float(_or(config.get("backoff_base_seconds"), 1.0)),
        )


def _or(value: Any, default: float) -> Any:
    return default if value is None else value
