"""What a generator hands to ``RealmStore.load``: final-state rows plus their history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .changes import Operation

Row = dict[str, Any]


@dataclass
class Dataset:
    # Canonical entity name -> rows in their final state (Ids, SyncTokens, MetaData set).
    records: dict[str, list[Row]] = field(default_factory=dict)
    # Hard-deleted transactions: (entity, Id, deletion time). Visible only through CDC.
    tombstones: list[tuple[str, str, datetime]] = field(default_factory=list)
    # Chronological history (entity, Id, operation, time) that produced the final state.
    changes: list[tuple[str, str, Operation, datetime]] = field(default_factory=list)
    # Next free number per Id sequence ("txn", "party", "item", "term", "addr"), if known.
    counters: dict[str, int] = field(default_factory=dict)
    company_info: Row | None = None
    preferences: Row | None = None
