"""tap-quickbooks: the Tap class.

Credentials come only from the ledgerlink TokenStore (tenant + provider "quickbooks"), the API
URL from the connection; the Meltano config holds no secret and the tap never writes it. Any
``LedgerlinkError`` (reconnect needed, QBO error, refused setting) ends the run with its one-line
message and exit status 1 (``ledgerlink.singer.cli``).
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import Stream, Tap
from typing_extensions import override

from ledgerlink import redact
from ledgerlink.singer.cli import OneLineErrors
from tap_quickbooks.session import QboSession
from tap_quickbooks.settings import CONFIG_SCHEMA
from tap_quickbooks.streams import STREAM_TYPES, EntityStream


class TapQuickBooks(OneLineErrors, Tap):
    """Customers, invoices, payments, items and terms from QuickBooks Online."""

    name = "tap-quickbooks"
    config_jsonschema = CONFIG_SCHEMA

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        redact.install()  # before anything can log: tokens never reach a log line
        super().__init__(*args, **kwargs)

    @cached_property
    def session(self) -> QboSession:
        return QboSession(self.config, self.entity_streams)

    @override
    def discover_streams(self) -> list[Stream]:
        return [stream_type(self, session=self.session) for stream_type in STREAM_TYPES]

    def entity_streams(self) -> list[EntityStream]:
        return [s for s in self.streams.values() if isinstance(s, EntityStream)]


if __name__ == "__main__":
    TapQuickBooks.cli()
