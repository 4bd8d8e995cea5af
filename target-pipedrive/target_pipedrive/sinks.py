"""The target's sinks: ``customers`` (tap-quickbooks) → organizations, ``deals`` (tap-pipedrive)
→ ``deal_map``, and a sink that refuses, in one line, any other stream that carries records.

Sinks work per batch: ``OrganizationSync`` reads the company's organizations once per run and
diffs a whole batch, and a batch is what the SDK confirms with a STATE message once drained.
After the budget stop no batch is written: the records are only counted, and the target emits no
further state (``target.TargetPipedrive``), so the next run resumes with them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from singer_sdk import BatchSink, RecordSink, Target
from typing_extensions import override

from ledgerlink import db
from ledgerlink.errors import LedgerlinkError
from target_pipedrive import deallinks, families, merges, store
from target_pipedrive.run import HasRun, PipedriveRun
from target_pipedrive.settings import Contacts, Jobs
from target_pipedrive.store import AuditEntry

log = logging.getLogger(__name__)


class PipedriveSink(BatchSink):
    # Bad input is one record's problem: a record that fails its schema goes on to the sync,
    # which audits what it cannot use (no Id: ``fail``), and every other record still lands.
    fail_on_record_validation_exception = False

    def __init__(self, target: Target, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        # The SDK keeps no reference to the target; the sinks share its run.
        self.run: PipedriveRun = cast("HasRun", target).run

    def records(self, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        return list(context.get("records") or [])

    @override
    def _singer_validate_message(self, record: dict[str, Any]) -> None:
        """A record without its key is audited by the sync (``fail``), not fatal to the run."""


class CustomersSink(PipedriveSink):
    """QuickBooks customers → Pipedrive organizations (``organizations.OrganizationSync``)."""

    def __init__(self, target: Target, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.run.loads_customers = True  # the run then also decides queued replays

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        load_customers(self.run, self.records(context))


def load_customers(run: PipedriveRun, records: list[dict[str, Any]]) -> None:
    """One batch of customers, with the records queued for this run (replays a person asked
    for, records Pipedrive refused last time) on its first batch."""
    if run.stopped:
        run.report.left += len(records)
        return
    records = run.with_retries(records)
    with db.connection(run.database_url) as conn:
        if not run.settings.dry_run:
            families.save_parents(conn, run.tenant, records)
        merged = merges.apply(
            conn,
            run.tenant,
            records,
            store.load_mappings(conn, run.tenant),
            dry_run=run.settings.dry_run,
        )
    entries: list[AuditEntry] = list(merged.entries)
    if merged.handled:
        run.report.skipped["merged into another customer"] += len(merged.handled)
    live: list[dict[str, Any]] = []
    for record in records:
        if str(record.get("Id") or "").strip() in merged.handled:
            continue
        skipped = _skipped(run, record)
        if skipped is None:
            live.append(record)
        else:
            entries.append(skipped)
    _close_deleted(run, records)
    if entries:
        with db.connection(run.database_url) as conn:
            store.audit(conn, run.tenant, run.run_id, entries, dry_run=run.settings.dry_run)
    summary = run.organizations.sync(live)
    run.report.add_customers(summary)
    if run.settings.contacts is Contacts.PERSON and not run.stopped:
        run.report.add_contacts(run.contacts.sync(live))


def _skipped(run: PipedriveRun, record: Mapping[str, Any]) -> AuditEntry | None:
    """Why the record makes no organization (``None``: it does)."""
    customer = str(record.get("Id") or "").strip() or "?"
    if _deleted(record):
        kind, reason = "deleted", "deleted in QuickBooks: mapping marked inactive"
    elif record.get("Job") and run.settings.jobs is not Jobs.SEPARATE:
        parent = (record.get("ParentRef") or {}).get("value")
        kind, reason = "sub-customers", f"sub-customer of {parent} (jobs: {run.settings.jobs})"
    else:
        return None
    run.report.skipped[kind] += 1
    return AuditEntry("customers", customer, "skip", changed={"reason": reason})


def _close_deleted(run: PipedriveRun, records: list[dict[str, Any]]) -> None:
    """Deleted customers keep their mapping, marked inactive; nothing is deleted."""
    deleted = [str(r.get("Id")) for r in records if _deleted(r) and r.get("Id")]
    if deleted and not run.settings.dry_run:
        with db.connection(run.database_url) as conn:
            for customer in deleted:
                store.set_active(conn, run.tenant, customer, False)


def _deleted(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "Deleted" or bool(record.get("_sdc_deleted_at"))


class DealsSink(PipedriveSink):
    """Pipedrive deals → ``deal_map`` (``deallinks``); no Pipedrive request."""

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        run, records = self.run, self.records(context)
        if run.stopped:
            return
        entries: list[AuditEntry] = []
        with db.connection(run.database_url) as conn:
            for record in records:
                try:
                    deal = deallinks.DealRecord.parse(record)
                except (KeyError, TypeError, ValueError):
                    entries.append(
                        AuditEntry("deals", str(record.get("id")), "fail", error="no deal id")
                    )
                    run.report.deals["failed"] += 1
                    continue
                if run.settings.dry_run:
                    continue
                outcome, entry = deallinks.link(conn, run.tenant, deal)
                run.report.deals[outcome.value] += 1
                entries.append(entry)
            store.audit(conn, run.tenant, run.run_id, entries, dry_run=run.settings.dry_run)


# Streams other jobs load through this target; the message names the job to use.


class RefusedSink(RecordSink):
    """Any stream the target does not load: nothing is silently dropped, and a stream that
    carries no record (a SCHEMA alone) costs nothing."""

    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        raise LedgerlinkError(
            f"target-pipedrive does not load stream '{self.stream_name}': it loads 'customers' "
            "(tap-quickbooks, job customers-to-pipedrive), 'invoices' and 'payments' "
            "(job money-to-pipedrive) and 'deals' (tap-pipedrive, job deals-to-links); deselect "
            "the stream in the tap"
        )
