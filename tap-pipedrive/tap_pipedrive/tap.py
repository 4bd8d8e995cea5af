"""tap-pipedrive: the Tap class (streams arrive with the tap-pipedrive issue)."""

from __future__ import annotations

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from typing_extensions import override


class TapPipedrive(Tap):
    """Extracts Pipedrive entities with credentials from the ledgerlink TokenStore."""

    name = "tap-pipedrive"
    config_jsonschema = th.PropertiesList(
        th.Property("tenant", th.StringType, required=True, description="ledgerlink tenant"),
        th.Property(
            "database_url",
            th.StringType,
            secret=True,
            description="Token store DSN; unset means the embedded PostgreSQL",
        ),
    ).to_dict()

    @override
    def discover_streams(self) -> list[Stream]:
        return []


if __name__ == "__main__":
    TapPipedrive.cli()
