"""The run report: what a run did (or, with dry_run, would do), printed at its end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class RunReport:
    dry_run: bool = False
    cutoff: date | None = None
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    pending: int = 0  # waiting for payment
    held_back: int = 0  # dated before the history cutoff: never sent
    skipped: int = 0  # nothing to ship (services only, zero total)
    failed: list[str] = field(default_factory=list)  # one reason per invoice
    flagged: list[str] = field(default_factory=list)  # changes ShipStation can no longer take
    create_requests: int = 0
    retried: int = 0  # failed earlier, not sent by the tap again, decided again

    def lines(self) -> list[str]:
        verb = "would be " if self.dry_run else ""
        since = f" (dated before {self.cutoff.isoformat()})" if self.cutoff else ""
        head = (
            f"target-shipstation run report{' (dry run)' if self.dry_run else ''}: "
            f"{self.created} {verb}created, {self.updated} {verb}updated, "
            f"{self.cancelled} {verb}cancelled, {self.unchanged} unchanged, "
            f"{self.pending} pending payment, {self.held_back} held back by the history "
            f"cutoff{since}, {self.skipped} skipped, {len(self.failed)} failed, "
            f"{len(self.flagged)} flagged"
            + (f" ({self.retried} earlier failures retried)" if self.retried else "")
            + ("" if self.dry_run else f"; {self.create_requests} createorders requests")
        )
        return [
            head,
            *(f"failed: {reason}" for reason in self.failed),
            *(f"flagged: {note}" for note in self.flagged),
        ]
