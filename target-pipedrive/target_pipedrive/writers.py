"""Up to N customers decided and written at once (setting ``writers``), within one batch.

Pipedrive's burst window is per token (reference §3.2: 20 to 120 requests per 2 s by plan), while
one writer waits for each answer before sending the next request; a few writers fill the window,
and the shared pacer (``ledgerlink.pipedrive.limits.BurstPacer``, margin = the writers) pauses
all of them before it runs out. A customer's records stay in one writer, in order, so a customer
seen twice in a batch is still compared with what its first record wrote, and the pending row
committed before each create still covers exactly one create. After a budget stop no writer
starts another record; those not started are counted as left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ledgerlink.pipedrive.limits import BudgetReserveReached
from target_pipedrive.store import AuditEntry

Record = Mapping[str, Any]


class Writers:
    def __init__(self, count: int, one: Callable[[Record], AuditEntry]) -> None:
        self.count = max(1, count)
        self.one = one
        self.stopped: BudgetReserveReached | None = None
        self.left = 0  # records not decided because the run stopped
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self, batch: Sequence[Record]) -> list[AuditEntry]:
        """The decisions, in the order of the customers' first records."""
        groups: dict[str, list[Record]] = {}
        for position, record in enumerate(batch):
            key = str(record.get("Id") or "").strip() or f"#{position}"  # no Id: on its own
            groups.setdefault(key, []).append(record)
        if self.count == 1 or len(groups) == 1:
            return [entry for group in groups.values() for entry in self._group(group)]
        with ThreadPoolExecutor(self.count, thread_name_prefix="pipedrive-writer") as pool:
            futures = [pool.submit(self._group, group) for group in groups.values()]
            try:
                return [entry for future in futures for entry in future.result()]
            except BaseException:
                self._halt.set()  # Pipedrive unavailable: the others stop too
                raise

    def _group(self, records: list[Record]) -> list[AuditEntry]:
        entries: list[AuditEntry] = []
        for position, record in enumerate(records):
            if self._halt.is_set():
                self._count_left(len(records) - position)
                break
            try:
                entries.append(self.one(record))
            except BudgetReserveReached as stop:
                with self._lock:
                    self.stopped = self.stopped or stop
                self._halt.set()
                self._count_left(len(records) - position)
                break
        return entries

    def _count_left(self, n: int) -> None:
        with self._lock:
            self.left += n
