"""The sinks: each keeps its records for the end of the run (``records.RunRecords``); nothing is
decided or sent per record, because an invoice may arrive before its customer, items or payment.

Only tap-quickbooks' five streams are accepted; any other stream is refused (never silently
dropped), naming the streams the target loads.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Protocol

from singer_sdk import RecordSink
from singer_sdk.target_base import Target
from typing_extensions import override

from ledgerlink.errors import LedgerlinkError
from target_shipstation.records import STREAMS, RunRecords


class Collecting(Protocol):
    records: RunRecords


class QuickBooksSink(RecordSink):
    """Invoices, payments, customers, items and terms from tap-quickbooks."""

    def __init__(
        self,
        target: Target,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: list[str] | None,
    ) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self._records = _records_of(target)

    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        self._records.add(self.stream_name, as_sent(record))


def as_sent(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the tap sent it: the SDK parses top-level date and date-time fields
    (``TxnDate``, ``updated_at``), which the rules, the store and the audit read as ISO text,
    like every nested date."""
    return {
        key: value.isoformat() if isinstance(value, date | datetime | time) else value
        for key, value in record.items()
    }


class UnknownStreamSink(RecordSink):
    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        raise LedgerlinkError(
            f"target-shipstation does not load stream '{self.stream_name}': it takes "
            f"tap-quickbooks' {', '.join(STREAMS)}; remove the stream from the pipeline"
        )


def _records_of(target: Target) -> RunRecords:
    records = getattr(target, "records", None)
    if not isinstance(records, RunRecords):
        raise TypeError("QuickBooksSink belongs to TargetShipStation (it keeps RunRecords)")
    return records
