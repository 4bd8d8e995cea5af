"""The end of a run: every invoice received is decided (``decide``) and carried out.

- Creates: the ``submitting`` rows of a batch (≤ 100) are committed, then one createorders
  request; each order's result is recorded (``created`` with its orderId, or ``failed`` with
  ShipStation's reason, retried next run). A crash in between leaves ``submitting`` rows, sent
  again next run under the same orderKey: ShipStation updates, never duplicates.
- Updates and cancels: read, modify, write the open order (``update_order`` / ``cancel_order``);
  an order ShipStation no longer lets us change (shipped, cancelled, split) is flagged.
- Waits go to ``pending_invoices``; history before the cutoff is counted, never sent.
- Every decision is audited (``sync_audit``); with ``dry_run`` only the audit is written,
  marked dry_run, and nothing is sent.

A ShipStation failure that is not about one order (an outage that outlasts the retries, a
refused key) stops the run: nothing after it is sent, and the tap's state is not released, so
the next run sees the same invoices again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ledgerlink import audit, db
from ledgerlink.audit import RECORD, AuditEntry
from ledgerlink.shipstation import (
    BULK_MAX,
    Category,
    Order,
    OrderLocked,
    ShipStationApiError,
    ShipStationClient,
)
from target_shipstation import store
from target_shipstation.decide import Decision, Known, decide
from target_shipstation.errors import invoice_label
from target_shipstation.payments import payment_dates
from target_shipstation.plan import Action
from target_shipstation.records import REFERENCE_STREAMS, RunRecords
from target_shipstation.report import RunReport
from target_shipstation.settings import RunSettings

STREAM = "invoices"
ClientFactory = Callable[[], ShipStationClient]


def _numeric_first(ident: str) -> tuple[int, str]:
    return (int(ident), "") if ident.isdigit() else (1 << 62, ident)


class OrderRun:
    def __init__(
        self,
        settings: RunSettings,
        client: ClientFactory,
        *,
        database_url: str | None,
        run_id: str,
    ) -> None:
        self.settings = settings
        self.tenant = settings.tenant
        self._client_factory = client
        self._client: ShipStationClient | None = None
        self.url = database_url
        self.run_id = run_id
        self.report = RunReport(dry_run=settings.dry_run, cutoff=settings.cutoff.since)
        self.retried: set[str] = set()  # invoices decided again from the audit

    @property
    def client(self) -> ShipStationClient:
        if self._client is None:  # only a run with something to send makes a request
            self._client = self._client_factory()
        return self._client

    # --- deciding -------------------------------------------------------------------------------
    def decisions(self, records: RunRecords) -> list[Decision]:
        ids = sorted(records.invoices, key=_numeric_first)
        invoices = [records.invoices[i] for i in ids]
        customer_ids = {
            str(ref["value"])
            for inv in invoices
            if isinstance(ref := inv.get("CustomerRef"), dict) and ref.get("value") is not None
        }
        with db.connection(self.url) as conn:
            rows = store.load_orders(conn, self.tenant, ids)
            kept = {
                "customer": store.load_references(conn, self.tenant, "customer", customer_ids),
                "item": store.load_all_references(conn, self.tenant, "item"),
                "term": store.load_all_references(conn, self.tenant, "term"),
            }
        for entity, received in records.references.items():
            kept[entity] |= received  # this run's versions are newer
        known = Known(
            customers=kept["customer"],
            items=kept["item"],
            terms=kept["term"],
            paid_on=payment_dates(records.payments.values()),
        )
        return [
            decide(inv, rows.get(i), known, self.settings)
            for i, inv in zip(ids, invoices, strict=True)
        ]

    # --- carrying out ---------------------------------------------------------------------------
    def execute(self, records: RunRecords) -> RunReport:
        if not self.settings.dry_run:
            with db.connection(self.url) as conn:
                for entity in REFERENCE_STREAMS.values():
                    store.save_references(
                        conn, self.tenant, entity, records.references[entity].values()
                    )
            with db.connection(self.url) as conn:
                for retry in store.invoices_to_retry(conn, self.tenant, STREAM):
                    if retry.replay:  # a person asked: send the order even if unchanged
                        store.forget_digest(conn, self.tenant, retry.source_key)
                    if retry.source_key not in records.invoices:  # a newer version wins
                        records.invoices[retry.source_key] = retry.record
                        self.retried.add(retry.source_key)
                        self.report.retried += 1
        decisions = self.decisions(records)
        by_action: dict[Action | None, list[Decision]] = {}
        for decision in decisions:
            by_action.setdefault(decision.action, []).append(decision)
        self._quiet(decisions)
        self._create(by_action.get(Action.CREATE, []))
        for decision in by_action.get(Action.UPDATE, []):
            self._update(decision)
        for decision in by_action.get(Action.CANCEL, []):
            self._cancel(decision)
        return self.report

    def _audit(self, entries: Iterable[AuditEntry]) -> None:
        with db.connection(self.url) as conn:
            audit.write(conn, self.tenant, self.run_id, entries, dry_run=self.settings.dry_run)

    def _quiet(self, decisions: Sequence[Decision]) -> None:
        """Everything that sends nothing: one transaction."""
        entries: list[AuditEntry] = []
        dry = self.settings.dry_run
        with db.connection(self.url) as conn:
            for d in decisions:
                key = d.row.order_key if d.row else None
                if d.action is None:
                    reason = d.problem or "refused"
                    self.report.failed.append(reason)
                    entries.append(
                        AuditEntry(STREAM, d.invoice_id, "fail", key, {RECORD: d.invoice}, reason)
                    )
                elif d.action is Action.HOLD:
                    self.report.held_back += 1
                    if d.invoice_id in self.retried:  # answered: not retried again
                        held = {"held_back": f"dated before {self.settings.cutoff.since}"}
                        entries.append(AuditEntry(STREAM, d.invoice_id, "skip", key, held))
                elif d.action is Action.NOOP:
                    self.report.unchanged += 1
                    entries.append(AuditEntry(STREAM, d.invoice_id, "noop", key))
                elif d.action is Action.WAIT:
                    self.report.pending += 1
                    reason = f"awaiting payment ({d.term or 'no term'})"
                    if not dry:
                        store.wait(
                            conn, self.tenant, d.invoice_id,
                            doc_number=d.invoice.get("DocNumber"), terms=d.term,
                            balance=d.invoice.get("Balance"), reason=reason,
                        )  # fmt: skip
                    entries.append(
                        AuditEntry(STREAM, d.invoice_id, "skip", key, {"pending": reason})
                    )
                elif d.action in (Action.SKIP, Action.RESOLVE):
                    self.report.skipped += 1
                    if not dry:
                        store.resolve(conn, self.tenant, d.invoice_id)
                    entries.append(
                        AuditEntry(STREAM, d.invoice_id, "skip", key, {"reason": d.problem})
                    )
                elif d.action is Action.FLAG:
                    note = f"{invoice_label(d.invoice)}: {d.problem}"
                    self.report.flagged.append(note)
                    entries.append(AuditEntry(STREAM, d.invoice_id, "skip", key, error=note))
            audit.write(conn, self.tenant, self.run_id, entries, dry_run=dry)

    def _create(self, decisions: Sequence[Decision]) -> None:
        for start in range(0, len(decisions), BULK_MAX):
            self._create_batch(decisions[start : start + BULK_MAX])

    def _create_batch(self, batch: Sequence[Decision]) -> None:
        built = [d.built for d in batch if d.built is not None]
        assert len(built) == len(batch), "a create always has its order body"
        if self.settings.dry_run:
            self.report.created += len(batch)
            self._audit(
                AuditEntry(STREAM, b.invoice_id, "create", b.order_key, {"order": b.payload})
                for b in built
            )
            return
        announced = [
            store.Announced(
                invoice_id=b.invoice_id,
                doc_number=d.invoice.get("DocNumber"),
                order_key=b.order_key,
                order_number=b.order_number,
                realm_id=self.settings.order.realm_id,
                items_ordered=b.items_ordered,
                customer_id=_customer_id(d.invoice),
            )
            for d, b in zip(batch, built, strict=True)
        ]
        with db.connection(self.url) as conn:  # committed before the request: never twice
            store.write_ahead(conn, self.tenant, announced)
        results = self.client.upsert_orders([b.payload for b in built])
        self.report.create_requests += 1
        entries = []
        created: list[store.Created] = []
        with db.connection(self.url) as conn:
            for d, b, result in zip(batch, built, results, strict=True):
                if result.success:
                    self.report.created += 1
                    created.append(
                        store.Created(
                            b.invoice_id, result.order_id, b.payload["orderStatus"], b.digest,
                            d.paid_on,
                        )
                    )  # fmt: skip
                    target = str(result.order_id)
                    entries.append(
                        AuditEntry(STREAM, b.invoice_id, "create", target, {RECORD: d.invoice})
                    )
                else:
                    reason = (
                        f"ShipStation refused the order {b.order_number} for "
                        f"{invoice_label(d.invoice)}: {result.error or 'no reason given'}"
                    )
                    self.report.failed.append(reason)
                    store.record_failed(conn, self.tenant, b.invoice_id, reason)
                    entries.append(
                        AuditEntry(
                            STREAM,
                            b.invoice_id,
                            "fail",
                            b.order_key,
                            {RECORD: d.invoice},
                            reason,
                        )
                    )
            if created:
                store.record_created(conn, self.tenant, created)
            audit.write(conn, self.tenant, self.run_id, entries)

    def _order(self, d: Decision) -> Order | None:
        """The invoice's order: by its id, or (an interrupted create) by number and key."""
        row = d.row
        assert row is not None
        if row.shipstation_order_id is not None:
            return Order(
                order_id=row.shipstation_order_id,
                order_number=row.order_number or "",
                order_key=row.order_key,
                status=row.order_status or "",
                items=(),
                parent_id=None,
                merged_or_split=False,
                order_total=None,
                raw={},
            )
        found = self.client.orders_by_number(row.order_number or "")
        return next((o for o in found if o.order_key == row.order_key), None)

    def _flag_locked(self, d: Decision, locked: OrderLocked) -> None:
        note = f"{invoice_label(d.invoice)}: {locked}"
        self.report.flagged.append(note)
        with db.connection(self.url) as conn:
            store.record_status(conn, self.tenant, d.invoice_id, locked.order.status, note)
            audit.write(
                conn, self.tenant, self.run_id,
                [AuditEntry(STREAM, d.invoice_id, "skip", str(locked.order.order_id), error=note)],
            )  # fmt: skip

    def _refused(self, d: Decision, error: ShipStationApiError) -> None:
        if error.category is not Category.FATAL:
            raise error  # an outage or a refused key: stop, the next run sends again
        reason = f"{invoice_label(d.invoice)}: {error}"
        self.report.failed.append(reason)
        with db.connection(self.url) as conn:
            store.record_failed(conn, self.tenant, d.invoice_id, reason)
            audit.write(
                conn, self.tenant, self.run_id,
                [AuditEntry(STREAM, d.invoice_id, "fail", None, {RECORD: d.invoice}, reason)],
            )  # fmt: skip

    def _update(self, d: Decision) -> None:
        assert d.built is not None and d.row is not None
        before = d.row.order_status
        if self.settings.dry_run:
            self.report.updated += 1
            self._audit([AuditEntry(STREAM, d.invoice_id, "update", d.row.order_key,
                                    {"order": d.built.payload})])  # fmt: skip
            return
        order = self._order(d)
        if order is None:  # never reached ShipStation: create it
            self._create_batch([d])
            return
        try:
            updated = self.client.update_order(order, d.built.payload)
        except OrderLocked as locked:
            self._flag_locked(d, locked)
            return
        except ShipStationApiError as error:
            self._refused(d, error)
            return
        self.report.updated += 1
        with db.connection(self.url) as conn:
            store.record_sent(
                conn, self.tenant, d.invoice_id, state="updated", order_id=updated.order_id,
                order_status=updated.status, digest=d.built.digest, paid_on=d.paid_on,
                items_ordered=d.built.items_ordered, order_number=d.built.order_number,
            )  # fmt: skip
            store.resolve(conn, self.tenant, d.invoice_id)
            changed = {
                "orderStatus": {"before": before, "after": updated.status},
                RECORD: d.invoice,
            }
            audit.write(
                conn, self.tenant, self.run_id,
                [AuditEntry(STREAM, d.invoice_id, "update", str(updated.order_id), changed)],
            )  # fmt: skip

    def _cancel(self, d: Decision) -> None:
        assert d.row is not None
        changed = {"orderStatus": {"before": d.row.order_status, "after": "cancelled"}}
        if self.settings.dry_run:
            self.report.cancelled += 1
            self._audit([AuditEntry(STREAM, d.invoice_id, "update", d.row.order_key, changed)])
            return
        order = self._order(d)
        order_id: int | None = None
        if order is not None:
            try:
                order_id = self.client.cancel_order(order).order_id
            except OrderLocked as locked:
                self._flag_locked(d, locked)
                return
            except ShipStationApiError as error:
                self._refused(d, error)
                return
        self.report.cancelled += 1
        with db.connection(self.url) as conn:
            store.record_sent(
                conn, self.tenant, d.invoice_id, state="cancelled", order_id=order_id,
                order_status="cancelled", digest=None, paid_on=None,
            )  # fmt: skip
            store.resolve(conn, self.tenant, d.invoice_id)
            target = None if order_id is None else str(order_id)
            audit.write(
                conn, self.tenant, self.run_id,
                [AuditEntry(STREAM, d.invoice_id, "update", target, changed)],
            )  # fmt: skip


def _customer_id(invoice: Mapping[str, Any]) -> str | None:
    ref = invoice.get("CustomerRef")
    return str(ref["value"]) if isinstance(ref, Mapping) and ref.get("value") else None
