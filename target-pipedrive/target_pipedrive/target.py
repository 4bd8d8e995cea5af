"""target-pipedrive: the Target class (sinks arrive with the target-pipedrive issue)."""

from __future__ import annotations

from typing import Any

from singer_sdk import RecordSink, Target
from singer_sdk import typing as th
from typing_extensions import override


class NotYetSupportedSink(RecordSink):
    """Rejects records until the Pipedrive sinks exist, so nothing is silently dropped."""

    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        msg = f"target-pipedrive cannot load stream '{self.stream_name}' yet"
        raise NotImplementedError(msg)


class TargetPipedrive(Target):
    """Writes to Pipedrive with credentials from the ledgerlink TokenStore."""

    name = "target-pipedrive"
    default_sink_class = NotYetSupportedSink
    config_jsonschema = th.PropertiesList(
        th.Property("tenant", th.StringType, required=True, description="ledgerlink tenant"),
        th.Property(
            "database_url",
            th.StringType,
            secret=True,
            description="Token store DSN; unset means the embedded PostgreSQL",
        ),
    ).to_dict()


if __name__ == "__main__":
    TargetPipedrive.cli()
