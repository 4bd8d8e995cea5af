"""The five streams. ``EntityStream.get_records`` carries out the run's plan (``plan.py``) and
writes the bookmark itself: ``replication_key_value`` = the run's exclusive upper bound ``hi``,
plus, for transaction streams, ``ids`` (the delivered Id set, for delete reconciliation).
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta
from typing import Any

from singer_sdk.helpers.types import Context
from typing_extensions import override

from ledgerlink.quickbooks import query as q
from tap_quickbooks import schemas
from tap_quickbooks.client import QuickBooksStream, record_of
from tap_quickbooks.idset import IdSet
from tap_quickbooks.pagination import Sweep
from tap_quickbooks.plan import StreamPlan

ID_CHECK_BATCH = 200  # Ids per "Id IN (...)" verification query


class EntityStream(QuickBooksStream):
    tracks_ids: t.ClassVar[bool] = False  # transactions: hard-deleted, so keep an Id set

    def bookmark(self) -> datetime | None:
        value = self.stream_state.get("replication_key_value")
        return q.parse_time(str(value)) if value else None

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> datetime | None:
        # Our bookmark is the server-time bound ``hi``, never the local clock.
        return None

    @override
    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
        return record_of(self.entity, row)

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, Any]]:
        plan = self.session.planner.plan(self.name, self.call)
        state = self.get_context_state(context)
        old_ids = IdSet.decode(state.get("ids")) if self.tracks_ids else None
        ids: IdSet | None = None
        if plan.mode == "cdc":
            ids = old_ids if old_ids is not None else (IdSet() if self.tracks_ids else None)
            for obj in plan.objects:
                if ids is not None:
                    if obj.get("status") == "Deleted":
                        ids.discard(str(obj["Id"]))
                    else:
                        ids.add(str(obj["Id"]))
                yield obj
        else:
            ids = IdSet() if self.tracks_ids else None
            yield from self._sweep_window(plan, ids, context)
            if plan.reconcile and ids is not None:
                yield from self._reconcile(old_ids, ids)
        self._write_bookmark(state, ids)

    def _sweep_window(
        self, plan: StreamPlan, ids: IdSet | None, context: Context | None
    ) -> t.Iterable[dict[str, Any]]:
        start = self.session.settings.start
        # A catch-up lists everything (to learn which Ids still exist) but emits from the mark.
        lo = start if plan.reconcile and ids is not None else plan.lo
        self._sweep = Sweep(
            self.entity,
            lo=lo,
            emit_from=plan.lo,
            page_size=self.session.settings.page_size,
            ids=ids,
        )
        try:
            yield from self.request_records(context)
        finally:
            self._sweep = None

    def _reconcile(self, old: IdSet | None, current: IdSet) -> t.Iterable[dict[str, Any]]:
        """Tombstones for delivered Ids that no longer exist (CDC could not tell us)."""
        hi = self.session.planner.hi
        if old is None or hi is None:
            self.logger.warning("%s: no Id set in state, deletions cannot be reconciled", self.name)
            return
        candidates = list(old.missing_from(current))
        stamp = (hi - timedelta(seconds=1)).isoformat()
        for index in range(0, len(candidates), ID_CHECK_BATCH):
            batch = candidates[index : index + ID_CHECK_BATCH]
            # A row updated while we listed moved past ``hi``: it exists, it is not deleted.
            payload = self.call(
                "/query",
                {"query": q.ids_query(self.entity, batch)},
                f"{self.entity} deletion check of {len(batch)} Ids",
            )
            alive = {
                str(row["Id"])
                for row in (payload.get("QueryResponse") or {}).get(self.entity) or []
            }
            for id_ in batch:
                if id_ in alive:
                    current.add(id_)
                    continue
                yield {
                    "Id": id_,
                    "domain": "QBO",
                    "status": "Deleted",
                    "MetaData": {"LastUpdatedTime": stamp},
                }
        if candidates:
            self.logger.info(
                "%s: %d deletions found by Id reconciliation", self.name, len(candidates)
            )

    def _write_bookmark(self, state: dict[str, Any], ids: IdSet | None) -> None:
        hi = self.session.planner.hi
        if hi is None:
            return
        # Exclusive bound: the next run asks for ``>= hi``, so no row is delivered twice.
        state.pop("progress_markers", None)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = q.utc_iso(hi)
        if ids is not None:
            state["ids"] = ids.encode()


class CustomersStream(EntityStream):
    name = "customers"
    entity = "Customer"
    schema = schemas.CUSTOMER.to_dict()


class InvoicesStream(EntityStream):
    name = "invoices"
    entity = "Invoice"
    schema = schemas.INVOICE.to_dict()
    includes = ("invoiceLink",)
    tracks_ids = True


class PaymentsStream(EntityStream):
    name = "payments"
    entity = "Payment"
    schema = schemas.PAYMENT.to_dict()
    tracks_ids = True


class ItemsStream(EntityStream):
    name = "items"
    entity = "Item"
    schema = schemas.ITEM.to_dict()


class TermsStream(EntityStream):
    name = "terms"
    entity = "Term"
    schema = schemas.TERM.to_dict()


STREAM_TYPES: tuple[type[EntityStream], ...] = (
    CustomersStream,
    InvoicesStream,
    PaymentsStream,
    ItemsStream,
    TermsStream,
)
