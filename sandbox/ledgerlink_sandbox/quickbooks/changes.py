"""The change log (feeds webhooks) and the tombstones of hard-deleted transactions (feed CDC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Operation = Literal["Create", "Update", "Delete", "Void", "Merge"]


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    entity: str
    id: str
    operation: Operation
    at: datetime


class ChangeLog:
    """Append-only, sequence-numbered list of entity changes."""

    def __init__(self) -> None:
        self.entries: list[Change] = []

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0

    def append(self, entity: str, id_: str, operation: Operation, at: datetime) -> Change:
        change = Change(self.last_seq + 1, entity, id_, operation, at)
        self.entries.append(change)
        return change

    def since(self, seq: int) -> list[Change]:
        """Changes with a sequence number greater than ``seq`` (seq numbers are dense)."""
        first = self.entries[0].seq if self.entries else 1
        return self.entries[max(0, seq + 1 - first) :]
