"""In-memory Pipedrive company: records, field definitions, search snapshots and change events.

Records are plain dicts in the v2 shape, except that times are ``datetime`` (rendered by
``render``) and ``custom_fields`` holds only the values that are set. Soft-deleted records keep
``is_deleted=True`` plus an internal ``_delete_time`` and are purged after the retention period.
Every write goes through ``insert``/``update``/``delete`` so ``update_time``, search snapshots and
webhook events stay consistent; ``source`` ("api" or "app") becomes ``meta.change_source``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ledgerlink_sandbox.framework import Clock

Record = dict[str, Any]
Action = Literal["create", "change", "delete"]
ENTITIES = ("organization", "person", "deal", "pipeline", "stage", "note")
FIELD_ENTITIES = ("organization", "person", "deal")


@dataclass
class FieldDef:
    """One field definition as served by ``/api/v2/<entity>Fields``."""

    code: str
    name: str
    type: str
    is_custom: bool
    options: list[dict[str, Any]] | None = None
    subfields: list[dict[str, str]] | None = None
    add_time: datetime | None = None
    description: str | None = None
    # ui_visibility / important_fields / required_fields as posted (defaults filled on render)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One committed write, handed to listeners (webhooks) after the store lock is released."""

    action: Action
    entity: str
    id: int
    current: Record | None
    previous: Record | None
    source: str
    user_id: int
    at: datetime


@dataclass
class Company:
    id: int
    name: str
    domain: str
    user_id: int
    user_name: str
    user_email: str
    currency: str = "USD"
    users: list[dict[str, Any]] = field(default_factory=list)


class NotFound(LookupError):
    pass


class Store:
    def __init__(self, clock: Clock, company: Company) -> None:
        self.clock = clock
        self.company = company
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in ENTITIES}
        self.fields: dict[str, dict[str, FieldDef]] = {name: {} for name in FIELD_ENTITIES}
        self._next_id: dict[str, int] = dict.fromkeys(ENTITIES, 1)
        self._next_option_id = 1
        # (entity, id) -> [(time, snapshot or None if deleted)]; only API/admin writes add entries,
        # generated rows are indexed as they are (see ``searchable``).
        self._snapshots: dict[tuple[str, int], list[tuple[datetime, Record | None]]] = {}
        self.listeners: list[Callable[[Change], None]] = []
        self.retention_days: Callable[[], int] = lambda: 30  # wired to the setting

    # --- ids -----------------------------------------------------------------------------------
    def next_id(self, entity: str) -> int:
        with self.lock:
            value = self._next_id[entity]
            self._next_id[entity] = value + 1
            return value

    def next_option_id(self) -> int:
        with self.lock:
            value = self._next_option_id
            self._next_option_id += 1
            return value

    # --- reads ---------------------------------------------------------------------------------
    def get(self, entity: str, record_id: int) -> Record | None:
        with self.lock:
            self.purge()
            return self.tables[entity].get(record_id)

    def rows(self, entity: str) -> list[Record]:
        with self.lock:
            self.purge()
            return list(self.tables[entity].values())

    def purge(self) -> None:
        """Drop soft-deleted records older than the retention period (Pipedrive: 30 days)."""
        cutoff = self.clock.now() - timedelta(days=self.retention_days())
        for table in self.tables.values():
            stale = [
                k for k, r in table.items() if r.get("_delete_time") and r["_delete_time"] < cutoff
            ]
            for key in stale:
                del table[key]

    # --- writes --------------------------------------------------------------------------------
    def load(self, entity: str, record: Record) -> None:
        """Put a generated record in place: no events, no snapshots, ids kept."""
        with self.lock:
            self.tables[entity][record["id"]] = record
            self._next_id[entity] = max(self._next_id[entity], record["id"] + 1)

    def insert(self, entity: str, values: Record, *, source: str = "api") -> Record:
        now = self.clock.now()
        with self.lock:
            record = {"id": self.next_id(entity), **values}
            record.setdefault("add_time", now)
            record["update_time"] = now
            record.setdefault("is_deleted", False)
            self.tables[entity][record["id"]] = record
            self._snapshot(entity, record, now)
            change = Change(
                "create",
                entity,
                record["id"],
                copy.deepcopy(record),
                None,
                source,
                self.company.user_id,
                now,
            )
        self._emit(change)
        return record

    def update(
        self,
        entity: str,
        record_id: int,
        values: Record,
        *,
        source: str = "api",
        bump_on_noop: bool = True,
    ) -> Record:
        now = self.clock.now()
        with self.lock:
            record = self.tables[entity].get(record_id)
            if record is None:
                raise NotFound(f"{entity} {record_id}")
            before = copy.deepcopy(record)
            self._seed_history(entity, before)
            for key, value in values.items():
                if key == "custom_fields":
                    merged = {**record.get("custom_fields", {}), **value}
                    record["custom_fields"] = {k: v for k, v in merged.items() if v is not None}
                else:
                    record[key] = value
            previous = {k: before.get(k) for k in record if before.get(k) != record[k]}
            if previous or bump_on_noop:
                record["update_time"] = now
            self._snapshot(entity, record, now)
            change = Change(
                "change",
                entity,
                record_id,
                copy.deepcopy(record),
                previous,
                source,
                self.company.user_id,
                now,
            )
        if previous:  # Pipedrive sends one "change" per effective edit
            self._emit(change)
        return record

    def delete(self, entity: str, record_id: int, *, source: str = "api") -> Record:
        """Soft delete; ``update_time`` becomes the delete time (v2 has no ``delete_time``)."""
        now = self.clock.now()
        with self.lock:
            record = self.tables[entity].get(record_id)
            if record is None or record.get("is_deleted"):
                raise NotFound(f"{entity} {record_id}")
            previous = copy.deepcopy(record)
            self._seed_history(entity, previous)
            record.update(is_deleted=True, update_time=now, _delete_time=now)
            self._snapshots.setdefault((entity, record_id), []).append((now, None))
            change = Change(
                "delete", entity, record_id, None, previous, source, self.company.user_id, now
            )
        self._emit(change)
        return record

    def hard_delete(self, entity: str, record_id: int) -> None:
        """Remove a record as if purged (admin helper; no event, like the real purge)."""
        with self.lock:
            self.tables[entity].pop(record_id, None)
            self._snapshots[(entity, record_id)] = [(self.clock.now(), None)]

    # --- search snapshots ----------------------------------------------------------------------
    def _seed_history(self, entity: str, before: Record) -> None:
        # A generated row has no snapshot yet: index its pre-write state as of its update_time.
        key = (entity, before["id"])
        if key not in self._snapshots:
            self._snapshots[key] = [(before["update_time"], before)]

    def _snapshot(self, entity: str, record: Record, at: datetime) -> None:
        history = self._snapshots.setdefault((entity, record["id"]), [])
        history.append((at, copy.deepcopy(record)))
        del history[:-8]  # a few versions are enough for any realistic lag

    def searchable(self, entity: str, lag_seconds: float) -> list[Record]:
        """Records as the search index sees them: writes become visible ``lag_seconds`` later."""
        visible_at = self.clock.now() - timedelta(seconds=lag_seconds)
        with self.lock:
            self.purge()
            keys = set(self.tables[entity]) | {i for (e, i) in self._snapshots if e == entity}
            out: list[Record] = []
            for record_id in sorted(keys):
                history = self._snapshots.get((entity, record_id))
                if not history:
                    row: Record | None = self.tables[entity].get(record_id)
                else:
                    seen = [snap for at, snap in history if at <= visible_at]
                    row = seen[-1] if seen else None
                if row is not None and not row.get("is_deleted"):
                    out.append(row)
            return out

    def _emit(self, change: Change) -> None:
        for listener in list(self.listeners):
            listener(change)
