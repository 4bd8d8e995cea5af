"""tap-pipedrive: Pipedrive API v2 with credentials from the ledgerlink TokenStore."""

from __future__ import annotations

import os
import typing as t
from functools import cached_property

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from typing_extensions import override

from ledgerlink import redact
from ledgerlink.pipedrive.limits import DEFAULT_RESERVE, BudgetReserveReached
from tap_pipedrive.client import TapSession
from tap_pipedrive.streams import (
    ENTITY_STREAM_TYPES,
    FIELD_STREAMS,
    EntityStream,
    PipelinesStream,
    StagesStream,
)


class TapPipedrive(Tap):
    """Extracts Pipedrive entities with credentials from the ledgerlink TokenStore."""

    name = "tap-pipedrive"
    config_jsonschema = th.PropertiesList(
        th.Property(
            "tenant",
            th.StringType(nullable=False),
            required=True,
            description="ledgerlink tenant whose Pipedrive connection (TokenStore) to use",
        ),
        th.Property(
            "database_url",
            th.StringType,
            secret=True,
            description="Token store DSN (LEDGERLINK_DATABASE_URL); unset = the environment's "
            "or the embedded PostgreSQL",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Earliest update_time to extract on a first run (default: everything)",
        ),
        th.Property(
            "budget_reserve",
            th.NumberType(minimum=0),
            default=DEFAULT_RESERVE,
            description="Daily API tokens left for the company's other apps: a fraction of the "
            "daily budget (< 1) or a number of tokens (>= 1). The run stops cleanly, with "
            "resumable state, before it would spend them.",
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=500),
            default=500,
            description="Records per list request (1-500); a page costs the same at any size",
        ),
        th.Property(
            "include_archived_deals",
            th.BooleanType,
            default=False,
            description="Also read archived deals (/deals/archived, 20 tokens a page), which "
            "/deals leaves out; a partition of the deals stream with its own bookmark",
        ),
        th.Property(
            "api_url",
            th.StringType,
            description="Override of the company's API base URL, e.g. https://acme.pipedrive.com "
            "(default: the URL stored with the connection)",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        redact.install()  # before anything can log: every record passes the secret filter
        super().__init__(*args, **kwargs)

    @cached_property
    def session(self) -> TapSession:
        if url := self.config.get("database_url"):
            os.environ["LEDGERLINK_DATABASE_URL"] = url  # the TokenStore reads it from here
        return TapSession(self.config)

    @override
    def discover_streams(self) -> list[Stream]:
        session = self.session
        fields = [cls(self, session=session) for cls in FIELD_STREAMS]
        session.field_streams = {stream.entity: stream for stream in fields}
        streams: list[Stream] = [*fields]
        streams += [PipelinesStream(self, session=session), StagesStream(self, session=session)]
        for kind in ENTITY_STREAM_TYPES:
            stream = kind(self, session=session)
            self._add_custom_fields(stream)
            streams.append(stream)
        return streams

    def _add_custom_fields(self, stream: EntityStream) -> None:
        """One schema property per custom field, under its readable key.

        Discovery reads the field definitions for this (one page per entity). A run with a
        catalog does not: the catalog's schema wins, and the sync reads the definitions once,
        later, when it needs them."""
        catalog = self.input_catalog
        if catalog is not None and catalog.get_stream(stream.name) is not None:
            return
        properties = stream.schema["properties"]
        try:
            fields = self.session.catalog(stream.entity, properties)
        except BudgetReserveReached as reason:
            # A sync without a catalog ends cleanly (every stream skips); --discover fails below.
            self.session.stop(reason, f"discovery of {stream.name}")
            return
        properties.update(fields.schema_properties())

    @override
    def run_discovery(self) -> str:
        """Discovery cannot stop halfway: a catalog without the custom fields would be wrong."""
        _ = self.streams
        if self.session.stopped is not None:
            raise self.session.stopped
        return super().run_discovery()


if __name__ == "__main__":
    TapPipedrive.cli()
