"""The sink of streams ``invoices`` and ``payments`` (job ``money-to-pipedrive``).

Each batch is only stored (``MoneySync.ingest``): the figures of a customer depend on both
streams, so they are pushed once, at the end of the run (``clean_up``), for every customer
whose figures may have changed. The first sink to clean up pushes; the other finds nothing due
and makes no request. A run killed between the two leaves the customers marked, and the next
run pushes them.

A record that cannot be read (no Id, no customer, an amount that is not a number) is audited
as ``fail`` and logged with its Id; the other records still land.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from singer_sdk import typing as th
from singer_sdk.sinks import BatchSink
from typing_extensions import override

from ledgerlink import db
from ledgerlink.errors import LedgerlinkError
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.limits import Reserve
from ledgerlink.retry import Backoff
from ledgerlink.singer.settings import StoreSettings
from target_pipedrive import money, money_fields, store
from target_pipedrive.invoice_deals import InvoiceDealConfig
from target_pipedrive.money_sync import MoneySync
from target_pipedrive.store import AuditEntry

STREAMS = ("invoices", "payments")


def money_properties() -> list[th.Property[Any]]:
    """The settings of money on the CRM (added to the target's config schema)."""
    return [
        th.Property(
            "money_fields",
            th.ObjectType(additional_properties=True),
            description="Figures → organization and deal custom fields, by visible name: "
            "open_balance, overdue_balance, open_invoices, last_invoice_date, "
            "last_payment_date, pay_link; a name, an object {field, policy, "
            "clear_when_empty}, or null to switch one off (docs/target-pipedrive.md)",
        ),
        th.Property(
            "payment_notes_since",
            th.DateType,
            description="Only payments dated on or after this day (YYYY-MM-DD) get a note on "
            "the linked deal (and invoices a deal, with invoice_deals); default: the day the "
            "tenant connected Pipedrive",
        ),
        th.Property(
            "invoice_deals",
            th.StringType(allowed_values=["off", "create"]),
            default="off",
            description="create: a deal per invoice on the customer's organization (title the "
            "invoice number, value the total, won when paid, lost when voided or deleted)",
        ),
        th.Property(
            "invoice_deal_pipeline_id",
            th.IntegerType(minimum=1),
            description="Pipeline of the invoice deals (default: the company's default)",
        ),
        th.Property(
            "invoice_deal_stage_id",
            th.IntegerType(minimum=1),
            description="Stage of the invoice deals (default: the pipeline's first stage)",
        ),
    ]


def _rows_of(stream: str) -> t.Callable[[dict[str, Any]], object]:
    return money.invoice_row if stream == "invoices" else money.payment_row


class MoneySink(BatchSink):
    """Stores invoices or payments; pushes the money figures and notes at the end of the run."""

    @cached_property
    def _store_settings(self) -> StoreSettings:
        return StoreSettings.from_config(self.config)

    def _client(self) -> PipedriveClient:
        config = self.config
        return PipedriveClient.for_tenant(
            self._store_settings.tenant,
            store=self._store_settings.store(),
            base_url=config.get("api_url") or None,
            reserve=Reserve.parse(config.get("budget_reserve")),
            backoff=Backoff(
                base=float(config.get("backoff_base_seconds") or 1.0),
                max_tries=int(config.get("max_retries", 5)) + 1,
            ),
            timeout=float(config.get("request_timeout_seconds") or 30),
        )

    @cached_property
    def sync(self) -> MoneySync:
        config = self.config
        try:
            since = config.get("payment_notes_since")
            notes_since = date.fromisoformat(str(since)[:10]) if since else None
        except ValueError:
            raise LedgerlinkError(
                f"Setting 'payment_notes_since' is not a date (YYYY-MM-DD): {since!r}"
            ) from None
        return MoneySync(
            self._client,  # made only when something has to be pushed
            self._store_settings.tenant,
            money_fields.parse(config),
            run_id=f"money-{self.sync_started_at}",
            today=datetime.now(UTC).date(),
            notes_since=notes_since,
            default_currency=str(config.get("default_currency") or "USD"),
            dry_run=bool(config.get("dry_run")),
            database_url=self._store_settings.database_url,
            field_cache_seconds=float(config.get("field_cache_seconds") or 24 * 3600),
            invoice_deals=InvoiceDealConfig.parse(config),
            roll_up_jobs=str(config.get("jobs") or "parent") == "parent",
        )

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        records: list[dict[str, Any]] = context.get("records") or []
        readable, failures = [], []
        row_of = _rows_of(self.stream_name)
        for record in records:
            key = money.record_id(record) or "?"
            try:
                if key == "?":
                    raise ValueError("a record without an Id")
                row_of(record)
            except ValueError as error:
                failures.append(AuditEntry(self.stream_name, key, "fail", error=str(error)))
                self.logger.error("Skipped %s record %s: %s", self.stream_name, key, error)
                continue
            readable.append(record)
        if failures:
            with db.connection(self.sync.database_url) as conn:
                store.audit(conn, self.sync.tenant, self.sync.run_id, failures)
        if readable:
            self.sync.ingest(self.stream_name, readable)

    @override
    def clean_up(self) -> None:
        summary = self.sync.push()
        if summary.actions or summary.stopped is not None:
            for line in summary.lines():
                self.logger.info("%s", line)
        self.sync.close()
        if summary.stopped is not None:
            raise summary.stopped  # resumable: the customers not reached stay due
        super().clean_up()
