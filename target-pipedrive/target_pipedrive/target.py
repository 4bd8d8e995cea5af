"""target-pipedrive: the Target class. A placeholder: it refuses every record until its sinks exist
(they arrive with the target-pipedrive issue), so nothing is silently dropped."""

from __future__ import annotations

from typing import Any

from singer_sdk import RecordSink, Sink
from singer_sdk import typing as th
from typing_extensions import override

from ledgerlink.errors import LedgerlinkError
from ledgerlink.singer.settings import common_properties
from ledgerlink.singer.target import StoreTarget
from target_pipedrive.money_sink import STREAMS as MONEY_STREAMS
from target_pipedrive.money_sink import MoneySink, money_properties


class NotYetSupportedSink(RecordSink):
    """Rejects records until the Pipedrive sinks exist."""

    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        raise LedgerlinkError(
            f"target-pipedrive cannot load stream '{self.stream_name}' yet: it is a placeholder; "
            "remove it from the pipeline until its sinks are released"
        )


class TargetPipedrive(StoreTarget):
    """Writes to Pipedrive with credentials from the ledgerlink TokenStore."""

    name = "target-pipedrive"
    provider = "pipedrive"
    default_sink_class = NotYetSupportedSink
    config_jsonschema = th.PropertiesList(
        *common_properties("Pipedrive"), *money_properties()
    ).to_dict()

    @override
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        if stream_name in MONEY_STREAMS:
            return MoneySink
        return super().get_sink_class(stream_name)


if __name__ == "__main__":
    TargetPipedrive.cli()
