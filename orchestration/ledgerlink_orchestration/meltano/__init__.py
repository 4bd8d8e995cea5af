"""Running the ledgerlink Meltano project from Dagster (dagster-meltano does not load on 1.13)."""

from ledgerlink_orchestration.meltano.log import RunSummary, StreamStats, parse_line
from ledgerlink_orchestration.meltano.project import MeltanoProject, setting_variable
from ledgerlink_orchestration.meltano.resource import MeltanoResource, lock_tag

__all__ = [
    "MeltanoProject",
    "MeltanoResource",
    "RunSummary",
    "StreamStats",
    "lock_tag",
    "parse_line",
    "setting_variable",
]
