"""Batch (reference §1.4): up to 30 independent items, each answered on its own."""

from __future__ import annotations

from typing import Any, Protocol

from . import faults

Row = dict[str, Any]
_CONTROL = {"bId", "operation", "optionsData"}


class _Store(Protocol):
    def query(self, text: str, *, include: set[str]) -> Row: ...

    def write(
        self,
        entity: str,
        body: Row,
        *,
        operation: str | None,
        include: set[str],
        request_id: str | None,
    ) -> Row: ...


def run_batch(store: _Store, items: list[Row], max_items: int) -> list[Row]:
    if len(items) > max_items:
        raise faults.QboFault(
            "2010",
            "Request has invalid or unsupported property",
            f"Batch request can contain at most {max_items} BatchItemRequest; got {len(items)}.",
            element="BatchItemRequest",
        )
    for item in items:
        if not isinstance(item, dict) or not item.get("bId"):
            raise faults.required_missing("BatchItemRequest.bId")
    return [_one(store, item) for item in items]


def _one(store: _Store, item: Row) -> Row:
    bid = item["bId"]
    try:
        if "Query" in item:
            return {"bId": bid, "QueryResponse": store.query(str(item["Query"]), include=set())}
        entities = [k for k in item if k not in _CONTROL]
        if len(entities) != 1 or not isinstance(item[entities[0]], dict):
            raise faults.required_missing("BatchItemRequest entity")
        entity = entities[0]
        operation = str(item.get("operation") or "create").lower()
        include: set[str] = set()
        if str(item.get("optionsData") or "").lower() == "void":
            # Invoice void is its own operation; other transactions void through update.
            operation, include = ("void", set()) if entity == "Invoice" else ("update", {"void"})
        result = store.write(
            entity, item[entity], operation=operation, include=include, request_id=None
        )
        return {"bId": bid, entity: result}
    except faults.QboFault as fault:
        return {"bId": bid, "Fault": fault.to_fault()}
