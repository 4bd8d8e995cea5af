"""TEMPORARY stand-in for ``store.RealmStore`` / ``generator.generate`` until they land.

Only what the HTTP layer's tests touch: a few customers and invoices, ``SELECT * FROM <Entity>``,
read, create/update/delete, a change log. Delete this file once ``store.py`` and ``generator.py``
exist (``service.py`` prefers them automatically).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledgerlink.sandbox.quickbooks.faults import QboFault, not_found
from ledgerlink.sandbox.quickbooks.settings import QboStoreSettings
from ledgerlink.sandbox.quickbooks.timefmt import pacific


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    id: str
    operation: str
    at: datetime


def generate(seed: str, size: str, now: datetime) -> dict[str, list[dict[str, Any]]]:
    count = {"demo": 5, "small": 20, "large": 200}.get(size, 5)
    stamp = pacific(now)
    meta = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    customers = [
        {
            "Id": str(i),
            "SyncToken": "0",
            "DisplayName": f"{seed} customer {i}",
            "Active": True,
            "domain": "QBO",
            "sparse": False,
            "MetaData": meta,
        }
        for i in range(1, count + 1)
    ]
    invoices = [
        {
            "Id": str(100 + i),
            "SyncToken": "0",
            "DocNumber": str(1000 + i),
            "TotalAmt": 100.0,
            "Balance": 100.0,
            "CustomerRef": {"value": str(i)},
            "domain": "QBO",
            "sparse": False,
            "MetaData": meta,
        }
        for i in range(1, count + 1)
    ]
    return {"Customer": customers, "Invoice": invoices}


class RealmStore:
    def __init__(self, realm_id: str, now: Callable[[], datetime]) -> None:
        self.realm_id = realm_id
        self.now = now
        self.settings = QboStoreSettings()
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.changes: list[Change] = []
        self.next_id = 1000

    def load(self, dataset: dict[str, list[dict[str, Any]]]) -> None:
        for entity, rows in dataset.items():
            self.tables[entity] = {row["Id"]: row for row in rows}

    def query(self, text: str, *, include: set[str]) -> dict[str, Any]:
        words = text.split()
        if len(words) < 4 or words[0].lower() != "select" or words[2].lower() != "from":
            raise QboFault("4000", "Error parsing query", f"QueryParserError: {text}")
        entity = words[3].capitalize()
        rows = list(self.tables.get(entity, {}).values())[: self.settings.max_results_default]
        if not rows:
            return {}
        return {entity: rows, "startPosition": 1, "maxResults": len(rows)}

    def read(self, entity: str, id: str, *, include: set[str]) -> dict[str, Any]:
        row = self.tables.get(entity, {}).get(id)
        if row is None:
            raise not_found(entity)
        return row

    def write(
        self,
        entity: str,
        body: dict[str, Any],
        *,
        operation: str | None,
        include: set[str],
        request_id: str | None,
    ) -> dict[str, Any]:
        table = self.tables.setdefault(entity, {})
        stamp = pacific(self.now())
        if operation == "delete":
            table.pop(str(body.get("Id")), None)
            self._log(entity, str(body.get("Id")), "Delete")
            return {"status": "Deleted", "domain": "QBO", "Id": str(body.get("Id"))}
        if "Id" in body:
            row = table.get(str(body["Id"]))
            if row is None:
                raise not_found(entity)
            row.update(body)
            row["SyncToken"] = str(int(row["SyncToken"]) + 1)
            row["MetaData"] = {**row["MetaData"], "LastUpdatedTime": stamp}
            self._log(entity, row["Id"], "Update")
            return row
        self.next_id += 1
        row = {
            **body,
            "Id": str(self.next_id),
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        table[row["Id"]] = row
        self._log(entity, row["Id"], "Create")
        return row

    def cdc(self, entities: list[str], changed_since: str) -> dict[str, Any]:
        return {"QueryResponse": [{}]}

    def batch(self, items: list[dict[str, Any]], *, request_id: str | None) -> list[dict[str, Any]]:
        return [
            {"bId": item.get("bId"), "QueryResponse": self.query(item["Query"], include=set())}
            for item in items
            if "Query" in item
        ]

    def invoice_pdf(self, id: str) -> bytes:
        self.read("Invoice", id, include=set())
        return b"%PDF-1.4\n% stand-in\n%%EOF\n"

    def company_info(self) -> dict[str, Any]:
        return {"CompanyName": "Sandbox Company", "Id": "1", "SyncToken": "0"}

    def preferences(self) -> dict[str, Any]:
        return {"CurrencyPrefs": {"MultiCurrencyEnabled": False}}

    def changes_since(self, seq: int) -> list[Change]:
        return [c for c in self.changes if c.seq > seq]

    def _log(self, entity: str, id: str, operation: str) -> None:
        self.changes.append(Change(len(self.changes) + 1, entity, id, operation, self.now()))
