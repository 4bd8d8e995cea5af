"""target-pipedrive: the Target class. Streams ``customers``, ``invoices``, ``payments``
(tap-quickbooks) and ``deals`` (tap-pipedrive) have sinks; any other stream is refused in one
line when it carries a record.

At the end of every run the report (``report.RunReport``) goes to stderr. A run that reached the
daily token reserve ends with exit status 75 and its distinctive last line, having emitted no
state past the records it wrote (``report`` documents the statuses).
"""

from __future__ import annotations

import sys
import typing as t
from functools import cached_property

from singer_sdk import Sink
from singer_sdk import typing as th
from typing_extensions import override

from ledgerlink.singer.target import StoreTarget
from target_pipedrive.money_sink import STREAMS as MONEY_STREAMS
from target_pipedrive.money_sink import MoneySink, money_properties
from target_pipedrive.report import EXIT_BUDGET_STOP
from target_pipedrive.run import PipedriveRun
from target_pipedrive.settings import CONFIG_SCHEMA
from target_pipedrive.sinks import CustomersSink, DealsSink, RefusedSink, load_customers

# Stream → sink class; other modules' sinks (money on the CRM) are registered here too.
SINKS: dict[str, type[Sink]] = {
    "customers": CustomersSink,
    "deals": DealsSink,
    **dict.fromkeys(MONEY_STREAMS, MoneySink),
}
# The customers/deals settings plus money on the CRM's own.
_SCHEMA: dict[str, t.Any] = {
    **CONFIG_SCHEMA,
    "properties": {
        **CONFIG_SCHEMA["properties"],
        **th.PropertiesList(*money_properties()).to_dict()["properties"],
    },
}


class TargetPipedrive(StoreTarget):
    """Writes to Pipedrive with credentials from the ledgerlink TokenStore."""

    name = "target-pipedrive"
    provider = "pipedrive"
    default_sink_class = RefusedSink
    config_jsonschema = _SCHEMA

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # One batch at a time: the sinks share one client and one budget, and a budget stop in
        # one sink must be seen by the next before it writes.
        self.max_parallelism = 1

    @cached_property
    def run(self) -> PipedriveRun:
        return PipedriveRun(self.config)

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        errors = super()._validate_config(raise_errors=raise_errors)
        if raise_errors:
            _ = self.run  # the mapping is checked before the first record
        return errors

    @override
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        return SINKS.get(stream_name, self.default_sink_class)

    @override
    def _write_state_message(self, state: dict[str, t.Any]) -> None:
        if self.run.stopped:
            return  # records after the stop were not written: the tap must send them again
        super()._write_state_message(state)

    @override
    def process_endofpipe(self) -> None:
        try:
            super().process_endofpipe()
            if self.run.loads_customers:
                # Replays queued for a run whose input had no customer batch at all.
                queued = self.run.with_retries([])
                if queued:
                    load_customers(self.run, queued)
            lines = self.run.report_lines()  # a failed run says one line, from the wrapper
        finally:
            self.run.close()
        for line in lines:
            print(line, file=sys.stderr, flush=True)
        if self.run.stopped:
            raise SystemExit(EXIT_BUDGET_STOP)


if __name__ == "__main__":
    TargetPipedrive.cli()
