"""The config conventions every ledgerlink plugin shares, and the TokenStore they select.

Secrets never go into a plugin's config: credentials live in the store, and the store's DSN is
named indirectly, by the environment variable that holds it (``database_url_env``), so a password
never lands in ``meltano.yml`` or in Meltano's generated config files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from singer_sdk import typing as th

from ledgerlink.config import TENANT_PATTERN
from ledgerlink.errors import LedgerlinkError
from ledgerlink.pipedrive.limits import DEFAULT_RESERVE
from ledgerlink.tokens import TokenStore

DATABASE_URL_ENV = "LEDGERLINK_DATABASE_URL"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
DEFAULT_MARGIN_SECONDS = 300
MIN_MARGIN_SECONDS = 30  # below this a token may expire between the check and the request
MAX_MARGIN_SECONDS = 3000  # QuickBooks access tokens live 3600 s; a larger margin never settles


def common_properties(provider: str) -> list[th.Property[Any]]:
    """The settings of every plugin, first in its schema."""
    return [
        th.Property(
            "tenant",
            th.StringType(nullable=False, pattern=TENANT_PATTERN),
            required=True,
            description=f"ledgerlink tenant whose {provider} connection (TokenStore) to use: "
            "lower-case letters, digits, '-' and '_', at most 63 characters",
        ),
        th.Property(
            "database_url_env",
            th.StringType(nullable=False, pattern=ENV_NAME_PATTERN),
            default=DATABASE_URL_ENV,
            description="Name of the environment variable holding the token store's DSN "
            "(never the DSN itself: it may carry a password); unset or empty variable = the "
            "project's embedded PostgreSQL",
        ),
        th.Property(
            "token_margin_seconds",
            th.IntegerType(minimum=MIN_MARGIN_SECONDS, maximum=MAX_MARGIN_SECONDS),
            default=DEFAULT_MARGIN_SECONDS,
            description="An OAuth access token expiring within this many seconds is refreshed "
            f"before use ({MIN_MARGIN_SECONDS}-{MAX_MARGIN_SECONDS})",
        ),
    ]


def retry_properties() -> list[th.Property[Any]]:
    """How hard a plugin retries transient failures (5xx, timeouts, dropped connections) and
    rate limits, for ``ledgerlink.retry.RetryLoop``-based policies."""
    return [
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0, maximum=20),
            default=5,
            description="Retries of rate limits, 5xx answers, timeouts and dropped connections "
            "(0-20)",
        ),
        th.Property(
            "backoff_base_seconds",
            th.NumberType(minimum=0, maximum=60),
            default=1.0,
            description="First backoff step for 5xx and timeouts; doubles, with jitter, capped "
            "at 60 s (0-60)",
        ),
    ]


@dataclass(frozen=True)
class StoreSettings:
    """Where the plugin's credentials come from, read once from its config."""

    tenant: str
    database_url: str | None
    margin: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StoreSettings:
        variable = str(config.get("database_url_env") or DATABASE_URL_ENV)
        margin = int(config.get("token_margin_seconds") or DEFAULT_MARGIN_SECONDS)
        return cls(
            tenant=str(config["tenant"]),
            database_url=os.environ.get(variable) or None,
            margin=timedelta(seconds=margin),
        )

    def store(self) -> TokenStore:
        return TokenStore(database_url=self.database_url, margin=self.margin)


def require(config: Mapping[str, Any], name: str, plugin: str) -> Any:
    """A setting the plugin cannot run without (the schema marks it required, too)."""
    value = config.get(name)
    if value is None or value == "":
        raise LedgerlinkError(
            f"Setting '{name}' is not set: meltano config set {plugin} {name} <value>"
        )
    return value


def budget_reserve_property(stopped: str = "") -> th.Property[Any]:
    """The Pipedrive daily-token reserve, as tap and target-pipedrive both take it; ``stopped``
    adds what the plugin does at the stop."""
    return th.Property(
        "budget_reserve",
        th.NumberType(minimum=0),
        default=DEFAULT_RESERVE,
        description="Daily API tokens left for the company's other apps: a fraction of the "
        "daily budget (< 1) or a number of tokens (>= 1). The run stops cleanly, with "
        f"resumable state, before it would spend them{stopped}.",
    )
