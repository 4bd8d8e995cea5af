"""The run report: what the target did, printed on stderr at the end of every run, and the exit
status that tells the orchestration how the run ended.

Exit statuses (documented in docs/target-pipedrive.md):

- 0: every record was handled (records Pipedrive refused are listed in the report and audited
  as ``fail``; they do not fail the run);
- 1: the run failed (one line says why: unknown tenant, Pipedrive unavailable, a setting);
- 75 (``EX_TEMPFAIL``): the run stopped cleanly at the daily token reserve. The last line is
  ``target-pipedrive: stopped at the daily token reserve: N customers left``; no state was
  emitted past the records written, so the next run resumes there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ledgerlink.pipedrive.limits import BudgetReserveReached
from ledgerlink.pipedrive.transport import Usage
from target_pipedrive.contacts import ContactSummary
from target_pipedrive.organizations import RunSummary

EXIT_BUDGET_STOP = 75  # sysexits.h EX_TEMPFAIL: try again later
STOP_LINE = "target-pipedrive: stopped at the daily token reserve: {left} customers left"


@dataclass
class RunReport:
    run_id: str
    customers: RunSummary | None = None  # merged over the run's batches
    skipped: Counter[str] = field(default_factory=Counter)  # reason → customers
    deals: Counter[str] = field(default_factory=Counter)  # action → deals
    contacts: Counter[str] = field(default_factory=Counter)  # action → persons
    stopped: BudgetReserveReached | None = None
    left: int = 0  # customers not handled because the run stopped

    def add_customers(self, summary: RunSummary) -> None:
        if self.customers is None:
            self.customers = RunSummary(self.run_id)
        merged = self.customers
        merged.actions.update(summary.actions)
        merged.ambiguous.update(summary.ambiguous)
        merged.failures.update(summary.failures)
        if summary.stopped is not None and self.stopped is None:
            self.stopped = summary.stopped
        self.left += summary.left

    def add_contacts(self, summary: ContactSummary) -> None:
        self.contacts.update(summary.actions)
        if summary.stopped is not None and self.stopped is None:
            self.stopped = summary.stopped
        self.left += summary.left  # their organizations are done, their contacts are not

    def lines(self, usage: Usage | None) -> list[str]:
        """The report, one line per fact; the stop line last."""
        out: list[str] = []
        if self.customers is not None:
            summary = RunSummary(
                self.run_id,
                self.customers.actions,
                self.customers.ambiguous,
                self.customers.failures,
            )
            out += summary.lines()
        for reason, count in sorted(self.skipped.items()):
            out.append(f"customers skipped: {count} {reason}")
        if self.contacts:
            counts = ", ".join(f"{k} {n}" for k, n in sorted(self.contacts.items()))
            out.append(f"contacts → persons: {counts}")
        if self.deals:
            counts = ", ".join(f"{k} {n}" for k, n in sorted(self.deals.items()))
            out.append(f"deals → deal_map: {counts}")
        if usage is not None:
            out.append(usage.describe())
        out = [f"target-pipedrive: {line.strip()}" for line in out]
        if self.stopped is not None:
            out.append(f"target-pipedrive: {self.stopped}")
            out.append(STOP_LINE.format(left=self.left))
        return out
