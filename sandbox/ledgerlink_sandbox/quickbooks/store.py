"""``RealmStore``: one QBO company as pure Python (no HTTP), driven by an injected clock.

This is the contract the HTTP gateway codes against. Rows returned by ``read``/``query``/
``write``/``cdc`` are shared with the store and must be treated as read-only (the store never
mutates a stored row in place, it replaces it).
"""

from __future__ import annotations

import gc
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import faults
from .batch import run_batch
from .books import Books
from .cdc import KNOWN_EMPTY, change_data_capture
from .changes import Change
from .dataset import Dataset
from .entities import EntitySpec, lookup
from .faults import QboFault
from .fixtures import company_info, meta, preferences, term_rows
from .ledger import refresh_customers, refresh_invoices, unlink_invoice
from .lines import voided_lines
from .pdf import invoice_pdf
from .query import parse
from .queryexec import QueryEngine
from .settings import QboStoreSettings
from .table import Row
from .timefmt import pacific
from .writes import PREPARE, WriteContext, blank, writable

__all__ = ["Change", "Dataset", "QboFault", "QboStoreSettings", "RealmStore"]

T = TypeVar("T")
COMPANY_NAME = "Sandbox Company_US_1"


class RealmStore:
    def __init__(self, realm_id: str, now: Callable[[], datetime]) -> None:
        self.realm_id = realm_id
        self._settings = QboStoreSettings()
        self._clock = now
        self.books = Books(self._fold)
        self.engine = QueryEngine(self._settings)
        self._replies: OrderedDict[str, object] = OrderedDict()
        created = self.now()
        self._company = company_info(realm_id, COMPANY_NAME, created)
        self._prefs = preferences(created)
        for term in term_rows(created):
            self.books.save("Term", term, None, created)
        self.books.next_ids["term"] = 6

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def settings(self) -> QboStoreSettings:
        return self._settings

    @settings.setter
    def settings(self, value: QboStoreSettings) -> None:
        # The service swaps in the previous settings object when it regenerates a realm.
        self._settings = value
        self.engine = QueryEngine(value)

    def now(self) -> datetime:
        moment = self._clock()
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).replace(microsecond=0)

    def _fold(self, name: str) -> str:
        name = " ".join(name.split())
        return name.casefold() if self.settings.name_uniqueness == "casefold" else name

    def _spec(self, entity: str) -> EntitySpec:
        spec = lookup(entity)
        if spec is None or spec.kind == "singleton":
            raise faults.unsupported_operation(f"{entity} write")
        return spec

    def load(self, dataset: Dataset) -> None:
        enabled = gc.isenabled()
        gc.disable()  # bulk indexing creates many objects and no cycles
        try:
            self.books.load(dataset)
        finally:
            if enabled:
                gc.enable()
        # Move the loaded rows out of the collector's sight: later collections stay cheap.
        gc.freeze()
        self.engine = QueryEngine(self.settings)
        if dataset.company_info is not None:
            self._company = dataset.company_info
        if dataset.preferences is not None:
            self._prefs = dataset.preferences

    # -- reads ------------------------------------------------------------------------------
    def company_info(self) -> dict[str, Any]:
        return self._company

    def preferences(self) -> dict[str, Any]:
        return self._prefs

    def _render(self, spec: EntitySpec, row: Row, include: set[str]) -> Row:
        if spec.name != "Invoice" or "invoicelink" not in {i.lower() for i in include}:
            return row
        online = any(
            row.get(flag)
            for flag in (
                "AllowOnlinePayment",
                "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment",
            )
        )
        if not online or not (row.get("BillEmail") or {}).get("Address"):
            return row
        token = hashlib.sha256(f"{self.realm_id}:{row['Id']}".encode()).hexdigest()
        return {
            **row,
            "InvoiceLink": f"{self.settings.invoice_link_base}scs-v1-{token}?locale=EN_US",
        }

    def read(self, entity: str, id: str, *, include: set[str]) -> dict[str, Any]:
        spec = lookup(entity)
        if spec is None:
            raise faults.not_found(entity)
        if spec.name == "CompanyInfo":
            if id not in (self.realm_id, self._company["Id"]):
                raise faults.not_found(spec.name)
            return self._company
        if spec.name == "Preferences":
            return self._prefs
        row = self.books.get(spec.name, str(id))
        if row is None:
            raise faults.not_found(spec.name)
        return self._render(spec, row, include)

    def query(self, text: str, *, include: set[str]) -> dict[str, Any]:
        query = parse(text)
        spec = lookup(query.entity)
        if spec is None:
            if query.entity.lower() in KNOWN_EMPTY:  # real entity the company has none of
                return {"totalCount": 0} if query.count else {}
            raise faults.invalid_query(f"Entity {query.entity} not found")
        if spec.kind == "singleton":
            row = self._company if spec.name == "CompanyInfo" else self._prefs
            if query.count:
                return {"totalCount": 1}
            return {spec.name: [row], "startPosition": 1, "maxResults": 1}
        return self.engine.run(
            query, spec, self.books.table(spec.name), lambda row: self._render(spec, row, include)
        )

    def cdc(
        self, entities: list[str], changed_since: str, *, include: frozenset[str] = frozenset()
    ) -> list[Any]:
        # include=invoiceLink applies to CDC's full invoice payloads as to queries (unverified
        # on real QBO; the tap asks for it so invoices read through CDC match queried ones).
        def render(name: str, row: Row) -> Row:
            spec = lookup(name)
            return row if spec is None else self._render(spec, row, set(include))

        return change_data_capture(
            self.books, entities, changed_since, self.now(), self.settings, render
        )

    def changes_since(self, seq: int) -> list[Change]:
        return self.books.log.since(seq)

    def invoice_pdf(self, id: str) -> bytes:
        invoice = self.read("Invoice", id, include=set())
        return invoice_pdf(invoice, self._company["CompanyName"])

    # -- writes -----------------------------------------------------------------------------
    def write(
        self,
        entity: str,
        body: dict[str, Any],
        *,
        operation: str | None,
        include: set[str],
        request_id: str | None,
    ) -> dict[str, Any]:
        return self._idempotent(request_id, lambda: self._write(entity, body, operation, include))

    def batch(self, items: list[dict[str, Any]], *, request_id: str | None) -> list[dict[str, Any]]:
        return self._idempotent(
            request_id, lambda: run_batch(self, items, self.settings.batch_max_items)
        )

    def _idempotent(self, request_id: str | None, action: Callable[[], T]) -> T:
        """Same requestid -> the original answer (or fault), without writing again."""
        if request_id is None:
            return action()
        if len(request_id) > self.settings.request_id_max_length:
            raise faults.string_too_long(
                "requestid", len(request_id), self.settings.request_id_max_length
            )
        if request_id in self._replies:
            reply = self._replies[request_id]
            if isinstance(reply, QboFault):
                raise reply
            return reply  # type: ignore[return-value]
        try:
            result = action()
        except QboFault as fault:
            self._remember(request_id, fault)
            raise
        self._remember(request_id, result)
        return result

    def _remember(self, request_id: str, reply: Any) -> None:
        self._replies[request_id] = reply
        while len(self._replies) > self.settings.request_id_cache_size:
            self._replies.popitem(last=False)

    def _write(self, entity: str, body: Row, operation: str | None, include: set[str]) -> Row:
        spec = self._spec(entity)
        op = (operation or "").lower()
        includes = {i.lower() for i in include}
        if not isinstance(body, dict):
            raise faults.required_missing(spec.name)
        if op == "delete":
            return self._delete(spec, body)
        if op == "void" or (op == "update" and "void" in includes):
            return self._void(spec, body)
        if op not in ("", "create", "update"):
            raise faults.unsupported_operation(operation or "")
        ctx = WriteContext(self.books, self._prefs, self.now(), includes)
        if body.get("Id") in (None, ""):
            if op == "update":
                raise faults.required_missing("Id")
            return self._render(spec, self._create(spec, body, ctx), includes)
        return self._render(spec, self._update(spec, body, ctx), includes)

    def _current(self, spec: EntitySpec, body: Row) -> Row:
        """The row a write targets, after the 610 and 5010 checks."""
        if body.get("Id") in (None, ""):
            raise faults.required_missing("Id")
        current = self.books.get(spec.name, str(body["Id"]))
        if current is None:
            raise faults.not_found(spec.name)
        if body.get("SyncToken") is None:
            raise faults.required_missing("SyncToken")
        if str(body["SyncToken"]) != current["SyncToken"]:
            raise faults.stale_object()
        return current

    def _create(self, spec: EntitySpec, body: Row, ctx: WriteContext) -> Row:
        at = ctx.now
        row = {
            **writable(spec.name, body),
            "domain": "QBO",
            "sparse": False,
            "Id": self.books.new_id(spec.id_group),
            "SyncToken": "0",
            "MetaData": meta(at),
        }
        row = PREPARE[spec.name](ctx, row, None)
        self.books.save(spec.name, row, "Create", at)
        self._after(spec.name, None, row, at)
        return self.books.get(spec.name, row["Id"]) or row

    def _update(self, spec: EntitySpec, body: Row, ctx: WriteContext) -> Row:
        current = self._current(spec, body)
        at = ctx.now
        fields = writable(spec.name, body)
        if body.get("sparse") is True:  # a supplied Line still replaces every line
            cleared = {k for k, v in body.items() if blank(v)}
            kept = {k: v for k, v in writable(spec.name, current).items() if k not in cleared}
            fields = {**kept, **fields}
        row = {
            **fields,
            "domain": "QBO",
            "sparse": False,
            "Id": current["Id"],
            "SyncToken": str(int(current["SyncToken"]) + 1),
            "MetaData": meta(datetime.fromisoformat(current["MetaData"]["CreateTime"]), at),
        }
        row = PREPARE[spec.name](ctx, row, current)
        self.books.save(spec.name, row, "Update", at)
        self._after(spec.name, current, row, at)
        return self.books.get(spec.name, row["Id"]) or row

    def _after(self, entity: str, old: Row | None, new: Row | None, at: datetime) -> None:
        """Side effects of a saved/deleted row on the rows that depend on it."""

        def ref(row: Row | None, key: str) -> set[str]:
            value = ((row or {}).get(key) or {}).get("value")
            return {value} if value else set()

        if entity == "Invoice":
            refresh_customers(self.books, ref(old, "CustomerRef") | ref(new, "CustomerRef"), at)
        elif entity == "Payment":
            touched = {
                t["TxnId"]
                for row in (old, new)
                if row
                for line in row.get("Line", [])
                for t in line.get("LinkedTxn", [])
                if t.get("TxnType") == "Invoice"
            }
            customers = refresh_invoices(self.books, touched, at)
            customers |= ref(old, "CustomerRef") | ref(new, "CustomerRef")
            refresh_customers(self.books, customers, at)
        elif entity == "Customer" and new is not None:
            if old is not None and old["FullyQualifiedName"] != new["FullyQualifiedName"]:
                self._rename_jobs(new["Id"], at)
            if old is not None and ref(old, "ParentRef") != ref(new, "ParentRef"):
                # The job's balance moves from the old parent chain to the new one.
                refresh_customers(self.books, {new["Id"]} | ref(old, "ParentRef"), at)

    def _rename_jobs(self, parent_id: str, at: datetime) -> None:
        parent = self.books.get("Customer", parent_id)
        assert parent is not None
        for child_id in sorted(self.books.children.get(parent_id, set()), key=int):
            child = self.books.get("Customer", child_id)
            if child is None:
                continue
            fqn = f"{parent['FullyQualifiedName']}:{child['DisplayName']}"
            meta_ = {**child["MetaData"], "LastUpdatedTime": pacific(at)}
            self.books.save(
                "Customer", {**child, "FullyQualifiedName": fqn, "MetaData": meta_}, "Update", at
            )
            self._rename_jobs(child_id, at)

    def _delete(self, spec: EntitySpec, body: Row) -> Row:
        if spec.kind != "transaction":
            raise faults.unsupported_operation("Delete")
        current = self._current(spec, body)
        at = self.now()
        customers = {current["CustomerRef"]["value"]}
        if spec.name == "Invoice":
            customers |= unlink_invoice(self.books, current["Id"], at)
        self.books.delete(spec.name, current["Id"], at)
        if spec.name == "Payment":
            self._after("Payment", current, None, at)
        refresh_customers(self.books, customers, at)
        return {"status": "Deleted", "domain": "QBO", "Id": current["Id"]}

    def _void(self, spec: EntitySpec, body: Row) -> Row:
        if spec.name not in ("Invoice", "Payment"):
            raise faults.unsupported_operation("void")
        current = self._current(spec, body)
        at = self.now()
        note = current.get("PrivateNote")
        row = {
            **current,
            "SyncToken": str(int(current["SyncToken"]) + 1),
            "MetaData": {**current["MetaData"], "LastUpdatedTime": pacific(at)},
            "PrivateNote": f"Voided - {note}" if note else "Voided",
            "TotalAmt": 0,
        }
        customers = {current["CustomerRef"]["value"]}
        if spec.name == "Invoice":
            customers |= unlink_invoice(self.books, current["Id"], at)
            row.update(
                Line=voided_lines(current["Line"]),
                Balance=0,
                TxnTaxDetail={"TotalTax": 0},
                LinkedTxn=[
                    t for t in current.get("LinkedTxn", []) if t.get("TxnType") != "Payment"
                ],
            )
            row.pop("Deposit", None)
        else:
            row.update(Line=[], UnappliedAmt=0)
        row = {k: row[k] for k in (*spec.key_order, *row) if k in row}
        self.books.save(spec.name, row, "Void", at)
        if spec.name == "Payment":
            self._after("Payment", current, row, at)
        refresh_customers(self.books, customers, at)
        return self.books.get(spec.name, row["Id"]) or row
