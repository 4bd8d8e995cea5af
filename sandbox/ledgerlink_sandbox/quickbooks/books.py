"""The realm's state: tables, Id sequences, secondary indexes, change log and tombstones.

Only bookkeeping lives here (no business rules): every row change goes through ``save`` or
``delete`` so the indexes, the change log and the tombstones can never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .changes import ChangeLog, Operation
from .dataset import Dataset
from .entities import ENTITIES, lookup
from .table import Row, Table
from .timefmt import pacific

ID_GROUPS = ("txn", "party", "item", "term", "addr")


def _ref(row: Row, key: str) -> str | None:
    ref = row.get(key)
    return ref.get("value") if isinstance(ref, dict) else None


def payment_links(payment: Row) -> dict[str, int]:
    """Invoice Id -> cents this payment applies to it."""
    out: dict[str, int] = {}
    for line in payment.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice":
                out[link["TxnId"]] = out.get(link["TxnId"], 0) + round(line["Amount"] * 100)
    return out


def _link(index: dict[str, set[str]], key: str | None, id_: str, remove: bool) -> None:
    if key is None:
        return
    if remove:
        index.get(key, set()).discard(id_)
    elif key in index:
        index[key].add(id_)
    else:
        index[key] = {id_}


class Books:
    def __init__(self, fold: Callable[[str], str]) -> None:
        self.fold = fold
        self._reset()

    def _reset(self) -> None:
        self.tables = {
            spec.name: Table(spec.name) for spec in ENTITIES.values() if spec.kind != "singleton"
        }
        self.next_ids = dict.fromkeys(ID_GROUPS, 1)
        self.names: dict[str, tuple[str, str]] = {}  # folded party DisplayName -> (entity, Id)
        self.list_names: dict[tuple[str, str], str] = {}  # (Item|Term, folded Name) -> Id
        self.doc_numbers: dict[str, set[str]] = {}  # Invoice DocNumber -> Ids
        self.invoices_of: dict[str, set[str]] = {}  # Customer Id -> Invoice Ids
        self.payments_of: dict[str, set[str]] = {}  # Customer Id -> Payment Ids
        self.payments_for: dict[str, set[str]] = {}  # Invoice Id -> Payment Ids
        self.children: dict[str, set[str]] = {}  # Customer Id -> sub-customer Ids
        self.last_doc_number = 1000  # highest numeric Invoice DocNumber (auto-numbering)
        # entity -> Id -> (deletion epoch, deletion stamp)
        self.tombstones: dict[str, dict[str, tuple[int, str]]] = {}
        self.log = ChangeLog()

    def table(self, entity: str) -> Table:
        return self.tables[entity]

    def get(self, entity: str, id_: str | None) -> Row | None:
        return None if id_ is None else self.tables[entity].get(id_)

    def new_id(self, group: str) -> str:
        value = self.next_ids[group]
        self.next_ids[group] = value + 1
        return str(value)

    def save(self, entity: str, row: Row, operation: Operation | None, at: datetime) -> Row:
        """Store ``row`` (replacing any previous version) and log ``operation`` if given."""
        table = self.tables[entity]
        old = table.get(row["Id"])
        if old is not None:
            self._index(entity, old, remove=True)
        table.put(row)
        self._index(entity, row, remove=False)
        if operation is not None:
            self.log.append(entity, row["Id"], operation, at)
        return row

    def delete(self, entity: str, id_: str, at: datetime) -> None:
        table = self.tables[entity]
        old = table.get(id_)
        if old is None:
            return
        self._index(entity, old, remove=True)
        table.remove(id_)
        self.tombstones.setdefault(entity, {})[id_] = (int(at.timestamp()), pacific(at))
        self.log.append(entity, id_, "Delete", at)

    def _index(self, entity: str, row: Row, *, remove: bool) -> None:
        id_ = row["Id"]
        if entity == "Invoice":
            doc = row.get("DocNumber")
            _link(self.doc_numbers, doc, id_, remove)
            _link(self.invoices_of, _ref(row, "CustomerRef"), id_, remove)
            if not remove and doc and doc.isdigit():
                self.last_doc_number = max(self.last_doc_number, int(doc))
        elif entity == "Payment":
            _link(self.payments_of, _ref(row, "CustomerRef"), id_, remove)
            for invoice_id in payment_links(row):
                _link(self.payments_for, invoice_id, id_, remove)
        elif entity in ("Customer", "Vendor", "Employee"):
            name = self.fold(row.get("DisplayName", ""))
            if remove:
                self.names.pop(name, None)
            else:
                self.names[name] = (entity, id_)
            if entity == "Customer":
                _link(self.children, _ref(row, "ParentRef"), id_, remove)
        elif entity in ("Item", "Term"):
            key = (entity, self.fold(row.get("Name", "")))
            if remove:
                self.list_names.pop(key, None)
            else:
                self.list_names[key] = id_

    def load(self, dataset: Dataset) -> None:
        """Replace the realm's content with ``dataset`` (bulk, no per-row logging)."""
        self._reset()
        for name, rows in dataset.records.items():
            spec = lookup(name)
            if spec is None or spec.kind == "singleton":
                continue
            self.tables[spec.name].bulk_load(rows)
            for row in rows:
                self._index(spec.name, row, remove=False)
        for entity, id_, at in dataset.tombstones:
            self.tombstones.setdefault(entity, {})[id_] = (int(at.timestamp()), pacific(at))
        for entity, id_, operation, at in dataset.changes:
            self.log.append(entity, id_, operation, at)
        self._reset_counters(dataset)

    def _reset_counters(self, dataset: Dataset) -> None:
        highest = dict.fromkeys(ID_GROUPS, 0)
        for name, table in self.tables.items():
            group = ENTITIES[name.lower()].id_group
            ids = [int(i) for i in table.rows] + [int(i) for i in self.tombstones.get(name, {})]
            highest[group] = max([highest[group], *ids])
        for group in ID_GROUPS:
            self.next_ids[group] = max(highest[group] + 1, dataset.counters.get(group, 1))
