"""tap-quickbooks' settings: the config schema and its typed reading.

Bounds are Intuit's (reference §1.7, §6.1): a query returns at most 1000 rows, CDC looks back at
most 30 days, a realm takes at most 10 requests a second and 500 a minute. A value outside them
is refused by the schema, before any request, with one line naming the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import typing as th

from ledgerlink.quickbooks import query as q
from ledgerlink.singer.settings import common_properties, retry_properties

DEFAULT_START = "2000-01-01T00:00:00Z"
P = th.Property

CONFIG_SCHEMA: dict[str, Any] = th.PropertiesList(
    *common_properties("QuickBooks"),
    P(
        "realm_id",
        th.StringType(pattern=r"^[0-9]{1,32}$"),
        description="QuickBooks company id (realm); default: the connection's. A different one "
        "is an error: the connection's tokens belong to one company",
    ),
    P(
        "api_url",
        th.URIType,
        description="Override of the API base URL (default: the URL stored with the "
        "connection, which also tells an Intuit sandbox company from a production one)",
    ),
    P(
        "start_date",
        th.DateTimeType,
        description=f"Earliest MetaData.LastUpdatedTime to sync (default {DEFAULT_START[:10]})",
    ),
    P(
        "settle_seconds",
        th.IntegerType(minimum=0, maximum=3600),
        default=60,
        description="Changes younger than this (QuickBooks server time) wait for the next run "
        "(0-3600)",
    ),
    P(
        "cdc_max_age_days",
        th.NumberType(minimum=0, maximum=30),
        default=29,
        description="Bookmarks older than this catch up with windowed queries and Id "
        "reconciliation instead of CDC, which looks back at most 30 days (0-30)",
    ),
    P(
        "page_size",
        th.IntegerType(minimum=1, maximum=q.MAX_RESULTS),
        default=q.MAX_RESULTS,
        description=f"MAXRESULTS per query (1-{q.MAX_RESULTS}, QuickBooks' limit)",
    ),
    P(
        "max_requests_per_second",
        th.IntegerType(minimum=1, maximum=10),
        default=8,
        description="Client-side pace per realm (1-10; Intuit allows 10/s per realm and app)",
    ),
    P(
        "max_requests_per_minute",
        th.IntegerType(minimum=1, maximum=500),
        default=450,
        description="Client-side pace per realm (1-500; Intuit allows 500/min per realm)",
    ),
    P(
        "throttle_wait_seconds",
        th.NumberType(minimum=0, maximum=600),
        default=60,
        description="Wait after a 429 or Fault 3001, plus jitter (0-600 s; Intuit asks 60)",
    ),
    *retry_properties(),
    P(
        "request_timeout_seconds",
        th.IntegerType(minimum=1, maximum=600),
        default=130,
        description="Per-request timeout (1-600 s; QuickBooks' own limit is 120 s)",
    ),
).to_dict()


@dataclass(frozen=True)
class QboSettings:
    """The settings of one run, typed, with the schema's defaults."""

    realm_id: str | None
    start: datetime
    settle: timedelta
    cdc_max_age: timedelta
    page_size: int
    per_second: int
    per_minute: int
    throttle_wait: float
    max_retries: int
    backoff_base: float
    timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> QboSettings:
        def get(name: str) -> Any:
            value = config.get(name)
            return CONFIG_SCHEMA["properties"][name].get("default") if value is None else value

        return cls(
            realm_id=str(config["realm_id"]) if config.get("realm_id") else None,
            start=q.parse_time(str(config.get("start_date") or DEFAULT_START)),
            settle=timedelta(seconds=int(get("settle_seconds"))),
            cdc_max_age=timedelta(days=float(get("cdc_max_age_days"))),
            page_size=int(get("page_size")),
            per_second=int(get("max_requests_per_second")),
            per_minute=int(get("max_requests_per_minute")),
            throttle_wait=float(get("throttle_wait_seconds")),
            max_retries=int(get("max_retries")),
            backoff_base=float(get("backoff_base_seconds")),
            timeout=int(get("request_timeout_seconds")),
        )
