"""What one run received, kept until the end of the input: the order of arrival is not
guaranteed (an invoice may come before its customer or items), so nothing is decided until every
record is in. The last version of a record wins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# tap-quickbooks stream → the qbo_reference entity it is kept as
REFERENCE_STREAMS = {"items": "item", "terms": "term", "customers": "customer"}
ORDER_STREAMS = ("invoices", "payments")
STREAMS = (*REFERENCE_STREAMS, *ORDER_STREAMS)


@dataclass
class RunRecords:
    invoices: dict[str, JSON] = field(default_factory=dict)
    payments: dict[str, JSON] = field(default_factory=dict)
    references: dict[str, dict[str, JSON]] = field(
        default_factory=lambda: {entity: {} for entity in REFERENCE_STREAMS.values()}
    )

    def add(self, stream: str, record: Mapping[str, Any]) -> None:
        ident = record.get("Id")
        if ident is None:
            return  # nothing to key it by; the tap always sends Id
        key = str(ident)
        if stream == "invoices":
            self.invoices[key] = dict(record)
        elif stream == "payments":
            self.payments[key] = dict(record)
        else:
            self.references[REFERENCE_STREAMS[stream]][key] = dict(record)
