"""tap-pipedrive: Pipedrive API v2 with credentials from the ledgerlink TokenStore.

The package reads top-down (each module imports only earlier ones): ``includes`` → ``settings``
→ ``schemas`` → ``session`` → ``pagination`` → ``client`` → ``streams`` → ``tap``.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import Stream, Tap
from typing_extensions import override

from ledgerlink import redact
from ledgerlink.pipedrive.limits import BudgetReserveReached
from ledgerlink.singer.cli import OneLineErrors
from tap_pipedrive.session import TapSession
from tap_pipedrive.settings import CONFIG_SCHEMA
from tap_pipedrive.streams import (
    ENTITY_STREAM_TYPES,
    FIELD_STREAMS,
    EntityStream,
    FieldsStream,
    PipelinesStream,
    StagesStream,
    reserved_keys,
)


class TapPipedrive(OneLineErrors, Tap):
    """Extracts Pipedrive entities with credentials from the ledgerlink TokenStore."""

    name = "tap-pipedrive"
    config_jsonschema = CONFIG_SCHEMA
    # Discovery reads the custom field definitions, so it needs (and validates) the config.
    dynamic_catalog = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        redact.install()  # before anything can log: every record passes the secret filter
        super().__init__(*args, **kwargs)

    @cached_property
    def session(self) -> TapSession:
        return TapSession(self.config)

    @override
    def discover_streams(self) -> list[Stream]:
        session = self.session
        fields = [cls(self, session=session) for cls in FIELD_STREAMS]
        session.readers = {stream.entity: _reader(stream) for stream in fields}
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
            fields = self.session.catalog(stream.entity, reserved_keys(stream.entity))
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


def _reader(stream: FieldsStream) -> t.Callable[[], t.Iterable[dict[str, t.Any]]]:
    return lambda: stream.request_records(None)


if __name__ == "__main__":
    TapPipedrive.cli()
