"""Money on the CRM, applied: invoices and payments in, figures and payment notes out.

``MoneySync.ingest(stream, records)`` stores a batch (``ledger``) and marks the customers it
touches; ``MoneySync.push()`` then, for every customer whose figures may differ from what
Pipedrive holds (touched, an invoice fallen due since, a deal newly linked):

1. computes the figures from all of the customer's stored rows (``money.figures``);
2. writes them to the customer's organization (``customer_org_map``) and to every deal
   ``deal_map`` links to it, diffed against what was last pushed there (first time: against the
   record's current values, one ``GET``); a field whose value did not change is not sent, a
   record with nothing changed gets no request;
3. puts one note per payment dated on or after the cutoff on each linked deal, never twice
   (``notes``);
4. marks the customer done, unless something failed: then it is tried again next run.

Every decision goes to ``sync_audit`` (streams ``money-organizations``, ``money-deals``,
``payment-notes``). With ``dry_run`` nothing is written to Pipedrive, to the pushed values or
to the notes: the plan goes to the audit and the customers stay due.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.limits import BudgetReserveReached
from ledgerlink.pipedrive.transport import WriteOutcomeUnknown, is_not_found
from target_pipedrive import diff, families, ledger, money, notes, store
from target_pipedrive.fieldmap import OrgFields
from target_pipedrive.invoice_deals import INVOICE_ID_FIELD, InvoiceDealConfig, InvoiceDeals
from target_pipedrive.ledger import CustomerMoney
from target_pipedrive.mapping import FieldMapping
from target_pipedrive.money_fields import MoneyFieldSetup
from target_pipedrive.store import AuditEntry

log = logging.getLogger(__name__)
STREAMS = {"organization": "money-organizations", "deal": "money-deals"}
NOTES_STREAM = "payment-notes"


@dataclass
class MoneySummary:
    run_id: str
    actions: Counter[str] = field(default_factory=Counter)  # "<stream> <action>" → count
    failures: dict[str, str] = field(default_factory=dict)  # "<what> <id>" → error
    unlinked: list[str] = field(default_factory=list)  # customers without an organization
    stopped: BudgetReserveReached | None = None
    left: int = 0  # customers not reached because the run stopped

    def lines(self) -> list[str]:
        counts = ", ".join(f"{k} {n}" for k, n in sorted(self.actions.items())) or "nothing"
        out = [f"money → Pipedrive: {counts}"]
        if self.unlinked:
            shown = ", ".join(self.unlinked[:10]) + (" …" if len(self.unlinked) > 10 else "")
            out.append(
                f"  {len(self.unlinked)} customers have no organization yet (run "
                f"customers-to-pipedrive first): {shown}"
            )
        for what, error in sorted(self.failures.items()):
            out.append(f"  {what}: failed: {error}")
        if self.stopped is not None:
            out.append(f"  stopped with {self.left} customers left: {self.stopped}")
        return out


class MoneySync:
    def __init__(
        self,
        client: PipedriveClient | Callable[[], PipedriveClient],
        tenant: str,
        mappings: tuple[FieldMapping, ...],
        *,
        run_id: str,
        today: date,
        notes_since: date | None = None,
        default_currency: str = "USD",
        dry_run: bool = False,
        database_url: str | None = None,
        field_cache_seconds: float = 24 * 3600.0,
        invoice_deals: InvoiceDealConfig | None = None,
        roll_up_jobs: bool = True,
    ) -> None:
        self._client = client
        self.roll_up_jobs = roll_up_jobs
        self.invoice_deals = invoice_deals
        self._invoice_code: str | None = None
        self.tenant = tenant
        self.mappings = mappings
        self.run_id = run_id
        self.today = today
        self.notes_since = notes_since
        self.default_currency = default_currency
        self.dry_run = dry_run
        self.database_url = database_url
        self.field_cache_seconds = field_cache_seconds
        self._fields: dict[str, OrgFields] = {}
        self._refreshed: set[str] = set()

    @property
    def client(self) -> PipedriveClient:
        """Made on first use: a run with nothing to push never builds one."""
        if not isinstance(self._client, PipedriveClient):
            self._client = self._client()
        return self._client

    def close(self) -> None:
        if isinstance(self._client, PipedriveClient):
            self._client.close()

    # -- in: the store ----------------------------------------------------------------------
    def ingest(self, stream: str, records: Iterable[Mapping[str, Any]]) -> set[str]:
        """Store one batch of ``invoices`` or ``payments``; the customers it touched."""
        ingest = {"invoices": ledger.ingest_invoices, "payments": ledger.ingest_payments}[stream]
        with db.connection(self.database_url) as conn:
            return ingest(conn, self.tenant, records)

    # -- out: Pipedrive ---------------------------------------------------------------------
    def push(self) -> MoneySummary:
        summary = MoneySummary(self.run_id)
        with db.connection(self.database_url) as conn:
            due = ledger.due_customers(conn, self.tenant, self.today)
            if not due:
                return summary  # no request at all
            # A job's money shows on its parent's organization (jobs: parent), a merged
            # customer's on its survivor's: figures are computed per account.
            groups = families.accounts(conn, self.tenant, due, roll_up_jobs=self.roll_up_jobs)
            accounts = sorted(groups.due)
            rows = ledger.customer_money(conn, self.tenant, groups.all_members)
            orgs = ledger.organizations(conn, self.tenant, accounts)
            deals = ledger.deals(conn, self.tenant, accounts)
            cutoff = self.notes_since or ledger.connected_on(conn, self.tenant)
        for position, account in enumerate(accounts):
            try:
                ok = self._customer(
                    account,
                    families.combined(rows, groups.members[account]),
                    orgs.get(account),
                    deals.get(account, []),
                    cutoff,
                    summary,
                )
            except BudgetReserveReached as stop:
                summary.stopped, summary.left = stop, len(accounts) - position
                log.warning("%s", stop)
                break
            if ok and not self.dry_run:
                with db.connection(self.database_url) as conn:
                    for customer in groups.due[account]:
                        ledger.mark_done(conn, self.tenant, customer, self.today)
        return summary

    def _customer(
        self,
        customer: str,
        rows: CustomerMoney,
        org_id: int | None,
        deal_ids: list[int],
        cutoff: date | None,
        summary: MoneySummary,
    ) -> bool:
        """Push one customer; whether everything it needed landed."""
        record = money.figures(rows.invoices, rows.payments, self.today).as_record()
        ok = True
        if org_id is None:
            summary.unlinked.append(customer)
            self._audit(
                summary,
                AuditEntry(STREAMS["organization"], customer, "skip", error="no organization yet"),
            )
            ok = False
        else:
            ok &= self._fields_to(summary, "organization", org_id, customer, record)
        for deal_id in deal_ids:
            ok &= self._fields_to(summary, "deal", deal_id, customer, record)
            ok &= self._notes(summary, deal_id, rows.payments, cutoff)
        if self.invoice_deals is not None and org_id is not None:
            ok &= self._invoice_deals(summary, customer, org_id, rows, cutoff)
        return ok

    def _invoice_deals(
        self,
        summary: MoneySummary,
        customer: str,
        org_id: int,
        rows: CustomerMoney,
        cutoff: date | None,
    ) -> bool:
        assert self.invoice_deals is not None
        deals = InvoiceDeals(
            lambda: self.client,
            self.tenant,
            self.invoice_deals,
            invoice_field=self._invoice_field,
            audit=lambda entry: self._audit(summary, entry),
            default_currency=self.default_currency,
            dry_run=self.dry_run,
            database_url=self.database_url,
        )
        try:
            return deals.sync(customer, org_id, rows.invoices, cutoff)
        except (PipedriveApiError, WriteOutcomeUnknown) as error:
            entry = AuditEntry("invoice-deals", customer, "fail", None, error=str(error))
            self._audit(summary, entry)
            summary.failures[f"invoice deals of customer {customer}"] = str(error)
            return False

    def _invoice_field(self) -> str:
        """The deal field holding a deal's QuickBooks invoice Id (created when missing)."""
        if self._invoice_code is None:
            setup = MoneyFieldSetup(
                self.client,
                self.tenant,
                "deal",
                (INVOICE_ID_FIELD,),
                database_url=self.database_url,
                max_age_seconds=self.field_cache_seconds,
                dry_run=self.dry_run,
            )
            self._invoice_code = setup.fields().fields[0].code
        return self._invoice_code

    # -- fields -----------------------------------------------------------------------------
    def fields(self, entity: str, *, refresh: bool = False) -> OrgFields:
        if refresh or entity not in self._fields:
            setup = MoneyFieldSetup(
                self.client,
                self.tenant,
                entity,
                self.mappings,
                default_currency=self.default_currency,
                database_url=self.database_url,
                max_age_seconds=self.field_cache_seconds,
                dry_run=self.dry_run,
            )
            self._fields[entity] = setup.fields(refresh=refresh)
        return self._fields[entity]

    def _fields_to(
        self,
        summary: MoneySummary,
        entity: str,
        target_id: int,
        customer: str,
        record: Mapping[str, Any],
    ) -> bool:
        stream = STREAMS[entity]
        try:
            try:
                entry = self._write_fields(entity, target_id, customer, record)
            except PipedriveApiError as error:
                if entity in self._refreshed or not _refused_field(error):
                    raise
                log.warning("Pipedrive refused a %s field key (%s); reading again", entity, error)
                self._refreshed.add(entity)
                self.fields(entity, refresh=True)
                entry = self._write_fields(entity, target_id, customer, record)
        except (PipedriveApiError, WriteOutcomeUnknown) as error:  # the latter: a field create
            entry = AuditEntry(stream, customer, "fail", str(target_id), error=str(error))
        self._audit(summary, entry)
        if entry.action == "fail":
            summary.failures[f"{entity} {target_id} (customer {customer})"] = entry.error or ""
        return entry.action != "fail"

    def _write_fields(
        self, entity: str, target_id: int, customer: str, record: Mapping[str, Any]
    ) -> AuditEntry:
        stream, fields = STREAMS[entity], self.fields(entity)
        desired = fields.desired(record)
        with db.connection(self.database_url) as conn:
            baseline = ledger.pushed(conn, self.tenant, entity, target_id)
        if baseline is None:  # never written: compare with what the record holds now
            current = self._read(entity, target_id)
            if current is None or current.get("is_deleted"):
                return AuditEntry(
                    stream, customer, "fail", str(target_id), error=f"the {entity} is gone"
                )
            baseline = fields.current(current)
        baseline = {k: v for k, v in baseline.items() if k in fields.rules}
        changes = diff.plan(fields.rules, desired, baseline)
        names = {f.code: f.mapping.field for f in fields.fields}
        changed = diff.audit_json(changes, names) if changes else None
        action = "update" if changes else "noop"
        if self.dry_run:
            return AuditEntry(stream, customer, action, str(target_id), changed)
        if changes:
            body = fields.body(diff.values(changes))
            try:
                if entity == "organization":
                    self.client.patch_organization(target_id, body)
                else:
                    self.client.patch_deal(target_id, body)
            except PipedriveApiError as error:
                if is_not_found(error):
                    with db.connection(self.database_url) as conn:
                        ledger.forget_pushed(conn, self.tenant, entity, target_id)
                raise
        with db.connection(self.database_url) as conn:
            ledger.save_pushed(
                conn, self.tenant, entity, target_id, customer, diff.applied(baseline, changes)
            )
        return AuditEntry(stream, customer, action, str(target_id), changed)

    def _read(self, entity: str, target_id: int) -> dict[str, Any] | None:
        if entity == "organization":
            return self.client.organization(target_id)
        return self.client.deal(target_id)

    # -- notes ------------------------------------------------------------------------------
    def _notes(
        self,
        summary: MoneySummary,
        deal_id: int,
        payments: Iterable[money.PaymentRow],
        cutoff: date | None,
    ) -> bool:
        """One note per payment dated on or after ``cutoff`` on the deal; whether all landed."""
        news = sorted(
            (p for p in payments if p.txn_date and (cutoff is None or p.txn_date >= cutoff)),
            key=lambda p: (p.txn_date, p.payment_id),
        )
        if not news:
            return True
        with db.connection(self.database_url) as conn:
            known = notes.states(conn, self.tenant, deal_id, [p.payment_id for p in news])
            numbers = ledger.doc_numbers(
                conn, self.tenant, [i.invoice_id for p in news for i in p.invoices]
            )
        existing: list[dict[str, Any]] | None = None
        ok = True
        for payment in news:
            state = known.get(payment.payment_id)
            if state == "sent":
                continue
            if state == "sending":  # maybe sent: a lost answer or a crash after the POST
                if existing is None:
                    existing = list(self.client.deal_notes(deal_id))
                found = notes.find_sent(existing, payment.payment_id)
                if found is not None:
                    if not self.dry_run:
                        with db.connection(self.database_url) as conn:
                            notes.mark_sent(conn, self.tenant, payment.payment_id, deal_id, found)
                    entry = AuditEntry(
                        NOTES_STREAM,
                        payment.payment_id,
                        "noop",
                        str(deal_id),
                        {"note": {"before": None, "after": found}, "found": True},
                    )
                    self._audit(summary, entry)
                    continue
            ok &= self._send_note(summary, deal_id, payment, notes.content(payment, numbers))
        return ok

    def _send_note(
        self, summary: MoneySummary, deal_id: int, payment: money.PaymentRow, text: str
    ) -> bool:
        plan = {"deal": {"before": None, "after": deal_id}, "content": text}
        if self.dry_run:
            self._audit(summary, AuditEntry(NOTES_STREAM, payment.payment_id, "create", None, plan))
            return True
        with db.connection(self.database_url) as conn:  # committed before the POST leaves
            notes.mark_sending(conn, self.tenant, payment.payment_id, deal_id)
        try:
            note = self.client.create_note(text, deal_id=deal_id)
        except WriteOutcomeUnknown as error:
            entry = AuditEntry(NOTES_STREAM, payment.payment_id, "fail", None, plan, str(error))
        except PipedriveApiError as error:
            with db.connection(self.database_url) as conn:  # refused: surely not created
                notes.forget(conn, self.tenant, payment.payment_id, deal_id)
            entry = AuditEntry(NOTES_STREAM, payment.payment_id, "fail", None, plan, str(error))
        else:
            with db.connection(self.database_url) as conn:
                notes.mark_sent(conn, self.tenant, payment.payment_id, deal_id, int(note["id"]))
            entry = AuditEntry(NOTES_STREAM, payment.payment_id, "create", str(note["id"]), plan)
        self._audit(summary, entry)
        if entry.action == "fail":
            summary.failures[f"note of payment {payment.payment_id} on deal {deal_id}"] = (
                entry.error or ""
            )
        return entry.action != "fail"

    def _audit(self, summary: MoneySummary, entry: AuditEntry) -> None:
        summary.actions[f"{entry.stream} {entry.action}"] += 1
        if entry.action == "fail":
            log.error("%s %s: %s", entry.stream, entry.source_key, entry.error)
        with db.connection(self.database_url) as conn:
            store.audit(conn, self.tenant, self.run_id, [entry], dry_run=self.dry_run)


def _refused_field(error: PipedriveApiError) -> bool:
    """A v2 validation error naming a custom field key (e.g. one deleted since it was read)."""
    return error.status == 400 and "custom_fields" in error.message
