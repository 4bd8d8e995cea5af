"""One CDC request for every selected entity, and what its answer means (reference §1.5).

    GET /cdc?entities=Customer,Invoice&changedSince=2026-01-01T00:00:00Z

The answer holds, per entity with changes, the full objects ordered by LastUpdatedTime and then
the tombstones (``status: "Deleted"``). There is no paging and at most ``cap`` (1000) objects:
documented per request, assumed per entity by others, and truncation drops tombstones first.
So an entity that reached the cap, or every entity when the whole answer did, cannot be trusted
and must be read with windowed queries instead (``CdcResult.truncated``). tap-quickbooks and the
core's small client (the paid-invoice sensor) both read CDC through this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledgerlink.quickbooks import query as q

CDC_CAP = 1000


@dataclass
class CdcResult:
    time: str | None
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    truncated: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.objects.values())

    def of(self, entity: str) -> list[dict[str, Any]]:
        return self.objects.get(entity, [])


def cdc_params(entities: Sequence[str], since: datetime) -> dict[str, str]:
    params = {"entities": ",".join(entities), "changedSince": q.format_time(since)}
    # Invoices read through CDC must carry InvoiceLink like queried ones.
    if "Invoice" in entities:
        params["include"] = "invoiceLink"
    return params


def parse_cdc(payload: dict[str, Any], entities: Sequence[str], cap: int = CDC_CAP) -> CdcResult:
    result = CdcResult(time=payload.get("time"))
    for block in payload.get("CDCResponse") or []:
        for group in block.get("QueryResponse") or []:
            for name, value in group.items():
                if isinstance(value, list):
                    canonical = next((e for e in entities if e.lower() == name.lower()), name)
                    result.objects.setdefault(canonical, []).extend(value)
    if result.total >= cap:
        # Per-request cap: any entity may have lost objects, including one with none left.
        result.truncated = set(entities)
    else:
        result.truncated = {e for e in entities if len(result.objects.get(e, ())) >= cap}
    return result
