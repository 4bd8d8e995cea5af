"""tap-quickbooks: the Tap class, its settings, and what one run shares across streams.

Credentials come only from the ledgerlink TokenStore (tenant + provider "quickbooks"); the
Meltano config never holds a token and the tap never writes its config. A ``LedgerlinkError``
(reconnect needed, QBO error) ends the run with its one-line message and exit status 1.
"""

from __future__ import annotations

import os
import sys
import typing as t
from functools import cached_property

import requests
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from typing_extensions import override

from ledgerlink import redact
from ledgerlink.config import AppCredentials
from ledgerlink.errors import LedgerlinkError
from ledgerlink.quickbooks.pacing import QboRetry, pacer_for
from ledgerlink.retry import Backoff
from ledgerlink.tokens import TokenStore
from tap_quickbooks.client import TokenStoreAuthenticator
from tap_quickbooks.streams import STREAM_TYPES, EntityStream
from tap_quickbooks.sync import RunPlanner

HOSTS = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}
P = th.Property
TRANSIENT_EXCEPTIONS = (
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class TapQuickBooks(Tap):
    """Customers, invoices, payments, items and terms from QuickBooks Online."""

    name = "tap-quickbooks"
    config_jsonschema = th.PropertiesList(
        P("tenant", th.StringType, required=True, description="ledgerlink tenant"),
        P("realm_id", th.StringType, description="QBO company id; default: the connection's"),
        P(
            "environment",
            th.StringType,
            default="production",
            allowed_values=["production", "sandbox"],
            description="Intuit API host to use unless api_url is set",
        ),
        P("api_url", th.StringType, description="API base URL override (ledgerlink sandbox)"),
        P("oauth_url", th.StringType, description="OAuth base URL override (ledgerlink sandbox)"),
        P("start_date", th.DateTimeType, description="Earliest LastUpdatedTime to sync"),
        P("client_id", th.StringType, secret=True, description="OAuth app client id"),
        P("client_secret", th.StringType, secret=True, description="OAuth app client secret"),
        P("database_url", th.StringType, secret=True, description="Token store DSN"),
        P(
            "settle_seconds",
            th.IntegerType,
            default=60,
            description="Rows younger than this (server time) wait for the next run",
        ),
        P(
            "cdc_max_age_days",
            th.NumberType,
            default=29,
            description="Older bookmarks catch "
            "up with windowed queries and Id reconciliation instead of CDC",
        ),
        P("page_size", th.IntegerType, default=1000, description="MAXRESULTS (at most 1000)"),
        P("max_requests_per_second", th.IntegerType, default=8),
        P("max_requests_per_minute", th.IntegerType, default=450),
        P("throttle_wait_seconds", th.NumberType, default=60, description="Wait after a 429"),
        P("max_retries", th.IntegerType, default=5, description="Retries of 5xx/timeouts/429"),
        P("backoff_base_seconds", th.NumberType, default=1.0),
        P("request_timeout_seconds", th.IntegerType, default=130),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        redact.install()  # before anything can log: tokens never reach a log line
        super().__init__(*args, **kwargs)
        if url := self.config.get("database_url"):
            os.environ["LEDGERLINK_DATABASE_URL"] = str(url)
        if url := self.config.get("oauth_url"):
            os.environ["LEDGERLINK_QUICKBOOKS_OAUTH_URL"] = str(url)

    @override
    def discover_streams(self) -> list[Stream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def entity_streams(self) -> list[EntityStream]:
        return [s for s in self.streams.values() if isinstance(s, EntityStream)]

    # -- shared by the streams of one run ------------------------------------------------------

    @cached_property
    def authenticator(self) -> TokenStoreAuthenticator:
        client_id, secret = self.config.get("client_id"), self.config.get("client_secret")
        app = AppCredentials(client_id, secret) if client_id and secret else None
        return TokenStoreAuthenticator(tenant=self.config["tenant"], app=app, store=TokenStore())

    @cached_property
    def realm_id(self) -> str:
        connected = self.authenticator.credentials.account_id
        wanted = self.config.get("realm_id")
        if wanted and connected and wanted != connected:
            raise LedgerlinkError(
                f"Tenant '{self.config['tenant']}' is connected to QuickBooks company "
                f"{connected}, not {wanted}: fix realm_id or reconnect"
            )
        realm = wanted or connected
        if not realm:
            raise LedgerlinkError("No realm_id configured and none stored with the connection")
        return str(realm)

    @cached_property
    def api_url(self) -> str:
        url = self.config.get("api_url") or HOSTS[self.config.get("environment", "production")]
        return str(url).rstrip("/")

    @cached_property
    def retry_policy(self) -> QboRetry:
        config = self.config
        tries = int(config.get("max_retries", 5)) + 1
        return QboRetry(
            pacer=pacer_for(
                self.realm_id,
                int(config.get("max_requests_per_second", 8)),
                int(config.get("max_requests_per_minute", 450)),
            ),
            backoff=Backoff(base=float(config.get("backoff_base_seconds", 1.0)), max_tries=tries),
            throttle_wait=float(config.get("throttle_wait_seconds", 60)),
            throttle_tries=tries,
            transient_exceptions=TRANSIENT_EXCEPTIONS,
        )

    @cached_property
    def planner(self) -> RunPlanner:
        return RunPlanner(self)

    @classmethod
    @override
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        try:
            super().invoke(*args, **kwargs)
        except LedgerlinkError as error:
            # One actionable line (already redacted), no traceback, non-zero exit.
            print(f"tap-quickbooks: {error}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    TapQuickBooks.cli()
