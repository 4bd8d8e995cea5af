"""QuickBooks customers → Pipedrive organizations: match, apply the policies, diff, write, audit.

``OrganizationSync.sync(records)`` runs one batch (a run's customers) in order:

1. load the tenant's mappings (one query);
2. resolve the mapped fields (stored definitions; ``fieldsetup``);
3. read the company's organizations once, only if some customer is not linked yet;
4. per customer: ``matching.match`` → ambiguous (recorded with its candidates, nothing written),
   create (a pending mapping row committed first, then ``POST``), or an existing organization
   (``diff.plan`` against ``last_pushed``, or the organization's current values on a first
   match; an empty plan sends nothing, a ``PATCH`` carries only the changed fields);
5. every decision goes to ``sync_audit``; a customer Pipedrive refuses is audited as ``fail``
   and the others still land; the budget reserve stops the run cleanly, counting what is left.

With ``dry_run`` nothing is written to Pipedrive or to the mappings: the plan goes to the audit.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ledgerlink import db
from ledgerlink.audit import RECORD
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import Category, PipedriveApiError
from ledgerlink.pipedrive.limits import BudgetReserveReached
from ledgerlink.pipedrive.transport import Usage, WriteOutcomeUnknown, is_not_found
from target_pipedrive import diff, store, textlimits
from target_pipedrive import values as v
from target_pipedrive.fieldmap import OrgFields
from target_pipedrive.fieldsetup import FieldSetup
from target_pipedrive.mapping import MappingConfig
from target_pipedrive.matching import How, Match, OrgIndex, match
from target_pipedrive.store import AuditEntry, OrgMapping
from target_pipedrive.writers import Writers

log = logging.getLogger(__name__)
STREAM = "customers"
# Errors that end the run instead of failing one customer: Pipedrive is down (5xx after every
# retry) or refuses the credential.
UNAVAILABLE = (Category.TRANSIENT, Category.AUTH)


@dataclass
class RunSummary:
    run_id: str
    actions: Counter[str] = field(default_factory=Counter)
    ambiguous: dict[str, tuple[int, ...]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    stopped: BudgetReserveReached | None = None
    left: int = 0  # records not processed because the run stopped
    usage: Usage | None = None  # what the client spent so far in this process

    def lines(self) -> list[str]:
        counts = ", ".join(f"{k} {n}" for k, n in sorted(self.actions.items())) or "nothing"
        out = [f"customers → organizations: {counts}"]
        for customer, candidates in sorted(self.ambiguous.items()):
            ids = ", ".join(map(str, candidates))
            out.append(f"  customer {customer}: ambiguous, organizations {ids}; not linked")
        for customer, error in sorted(self.failures.items()):
            out.append(f"  customer {customer}: failed: {error}")
        if self.stopped is not None:
            out.append(f"  stopped with {self.left} customers left: {self.stopped}")
        if self.usage is not None:
            out.append(f"  {self.usage.describe()}")
        return out


class OrganizationSync:
    def __init__(
        self,
        client: PipedriveClient,
        tenant: str,
        config: MappingConfig,
        *,
        run_id: str,
        dry_run: bool = False,
        database_url: str | None = None,
        field_setup: FieldSetup | None = None,
        writers: int = 1,
    ) -> None:
        self.client = client
        self.writers = max(1, writers)
        # Matching decisions and the run's index are shared by the writers: one at a time.
        self._lock = threading.RLock()
        self.tenant = tenant
        self.run_id = run_id
        self.dry_run = dry_run
        self.database_url = database_url
        self.setup = field_setup or FieldSetup(
            client, tenant, config, database_url=database_url, dry_run=dry_run
        )
        self._fields: OrgFields | None = None
        self._index: OrgIndex | None = None
        self._mappings: dict[str, OrgMapping] = {}
        self._refreshed = False  # field definitions read again this run after a refusal

    # -- lazily, only when a record needs them -----------------------------------------------
    @property
    def fields(self) -> OrgFields:
        if self._fields is None:
            self._fields = self.setup.fields()
        return self._fields

    def index(self) -> OrgIndex:
        """All organizations, read once per run (ceil(N / 500) list pages)."""
        with self._lock:
            return self._read_index()

    def _read_index(self) -> OrgIndex:
        if self._index is None:
            claimed = {
                m.pipedrive_org_id: cid
                for cid, m in self._mappings.items()
                if m.linked and m.pipedrive_org_id is not None
            }
            # Only the mapped custom fields: the pages are smaller, the cost is the same.
            orgs = self.client.organizations(self.fields.custom_codes)
            self._index = OrgIndex.build(orgs, self.fields.external_id, claimed)
        return self._index

    # -- the run ------------------------------------------------------------------------------
    def sync(self, records: Iterable[Mapping[str, Any]]) -> RunSummary:
        summary = RunSummary(self.run_id)
        batch = list(records)
        if not batch:
            return summary  # no request at all
        with db.connection(self.database_url) as conn:
            self._mappings = store.load_mappings(conn, self.tenant)
        try:
            if self._needs_index(batch):
                self.index()
        except BudgetReserveReached as stop:
            summary.stopped, summary.left = stop, len(batch)
            log.warning("%s", stop)
            return summary
        writers = Writers(self.writers, self._one)
        for entry in writers.run(batch):
            summary.actions[entry.action] += 1
            if entry.action == "ambiguous" and entry.changed is not None:
                summary.ambiguous[entry.source_key] = tuple(entry.changed["candidates"])
            if entry.action == "fail":
                summary.failures[entry.source_key] = entry.error or ""
        if writers.stopped is not None:
            summary.stopped, summary.left = writers.stopped, writers.left
            log.warning("%s", writers.stopped)
        summary.usage = self.client.usage()
        return summary

    def _needs_index(self, batch: list[Mapping[str, Any]]) -> bool:
        """Whether some customer has to be matched (no mapping, a pending create, a mapping
        without a pushed baseline). Ambiguous customers alone do not pay for a listing: they are
        reported from their stored candidates, and matched again whenever the listing is read."""
        for record in batch:
            mapping = self._mappings.get(str(record.get("Id") or "").strip())
            if mapping is None or mapping.state == "pending":
                return True
            if mapping.linked and not mapping.last_pushed:
                return True
        return False

    def _one(self, record: Mapping[str, Any]) -> AuditEntry:
        customer = str(record.get("Id") or "").strip()
        if not customer:
            entry = AuditEntry(STREAM, "?", "fail", error="a customer record without an Id")
            log.error("Skipped %s", entry.error)
            return self._audit(entry)
        try:
            try:
                entry = self._decide(customer, record)
            except PipedriveApiError as error:
                if self._refreshed or not _refused_field(error):
                    raise
                # A custom field of the stored definitions is gone: read them again, once.
                log.warning("Pipedrive refused a field key (%s); reading the fields again", error)
                self._refreshed = True
                self._fields = self.setup.fields(refresh=True)
                entry = self._decide(customer, record)
        except (PipedriveApiError, WriteOutcomeUnknown) as error:
            if isinstance(error, PipedriveApiError) and error.category in UNAVAILABLE:
                raise  # not this customer's fault: every other one would fail the same way
            log.error("Customer %s: %s", customer, error)
            entry = AuditEntry(STREAM, customer, "fail", error=str(error))
        # The record goes with its decision: a failed one is tried again next run, and
        # ``ledgerlink replay customer`` sends it again (``ledgerlink.audit``).
        return self._audit(replace(entry, changed={**(entry.changed or {}), RECORD: dict(record)}))

    def _decide(self, customer: str, record: Mapping[str, Any]) -> AuditEntry:
        fields = self.fields
        desired, cut = fields.fitted(record)
        name = desired.get("name")
        if not name:
            fallback = v.convert("varchar", v.first_present(record, ("DisplayName", "CompanyName")))
            name, length = textlimits.fit("varchar", fallback)
            if length is not None:
                cut["name"] = length
        entry = self._decide_fitted(customer, desired, name)
        if cut:
            entry = self._with_cuts(entry, cut)
        return entry

    def _with_cuts(self, entry: AuditEntry, cut: Mapping[str, int]) -> AuditEntry:
        """The audit says which texts were cut to fit (and the log names the customer)."""
        types = {f.code: (f.mapping.field, f.type) for f in self.fields.fields}
        notes = []
        for code, length in cut.items():
            name, kind = types.get(code, ("Name", "varchar"))
            notes.append(textlimits.describe(name, length, kind))
        log.warning("Customer %s: %s", entry.source_key, "; ".join(notes))
        return replace(entry, changed={**(entry.changed or {}), "truncated": notes})

    def _decide_fitted(self, customer: str, desired: Mapping[str, Any], name: Any) -> AuditEntry:
        mapping = self._mappings.get(customer)
        mapped = mapping.pipedrive_org_id if mapping is not None and mapping.linked else None
        if mapping is not None and mapping.state == "ambiguous" and self._index is None:
            found = Match(How.AMBIGUOUS, candidates=mapping.candidates)
        else:
            found = self._match(customer, name, mapped)
        if found.how is How.AMBIGUOUS:
            if not self.dry_run:
                with db.connection(self.database_url) as conn:
                    store.record_ambiguous(conn, self.tenant, customer, found.candidates)
            return AuditEntry(
                STREAM, customer, "ambiguous", changed={"candidates": list(found.candidates)}
            )
        if found.how is How.CREATE:
            return self._create(customer, desired, name)
        return self._update(customer, desired, found, mapping)

    def _match(self, customer: str, name: Any, mapped: int | None) -> Match:
        """Match, and claim a found organization for this run at once: another writer matching
        the same organization meanwhile sees it taken (as it would one record later)."""
        with self._lock:
            found = match(customer, name, mapped, self._index if mapped else self._read_index())
            if found.org_id is not None and self._index is not None:
                self._index.claim(found.org_id, customer)
            return found

    def _create(self, customer: str, desired: Mapping[str, Any], name: Any) -> AuditEntry:
        fields = self.fields
        changes = diff.plan(fields.rules, desired, {})
        if "name" not in changes and isinstance(name, str) and name:
            changes["name"] = diff.Change(None, name)  # Pipedrive requires one, policy or not
        if "name" not in changes:
            return AuditEntry(STREAM, customer, "fail", error="the customer has no name to use")
        names = {f.code: f.mapping.field for f in fields.fields}
        changed = diff.audit_json(changes, names)
        if self.dry_run:
            return AuditEntry(STREAM, customer, "create", changed=changed)
        with db.connection(self.database_url) as conn:  # committed before the POST leaves
            store.mark_pending(conn, self.tenant, customer)
        org = self.client.create_organization(fields.body(diff.values(changes)))
        org_id = int(org["id"])
        pushed = diff.applied({}, changes)
        with db.connection(self.database_url) as conn:
            store.link(conn, self.tenant, customer, org_id, "created", pushed)
        self._remember(customer, org_id, "created", pushed)
        with self._lock:
            if self._index is not None:
                self._index.add(org, customer)
                self._index.claim(org_id, customer)
        return AuditEntry(STREAM, customer, "create", str(org_id), changed)

    def _update(
        self,
        customer: str,
        desired: Mapping[str, Any],
        found: Match,
        mapping: OrgMapping | None,
    ) -> AuditEntry:
        fields = self.fields
        assert found.org_id is not None
        org_id = found.org_id
        if found.how is How.MAPPED and mapping is not None and mapping.last_pushed:
            baseline = mapping.last_pushed
        else:  # a first match: compare with what the organization holds now
            org = self.index().orgs.get(org_id)
            if org is None:
                return self._relink(customer, desired)
            baseline = fields.current(org)
        codes = set(fields.rules)
        baseline = {k: val for k, val in baseline.items() if k in codes}
        changes = diff.plan(fields.rules, desired, baseline)
        names = {f.code: f.mapping.field for f in fields.fields}
        changed = diff.audit_json(changes, names) if changes else None
        action = "update" if changes else "noop"
        if self.dry_run:
            return AuditEntry(STREAM, customer, action, str(org_id), changed)
        if changes:
            try:
                answer = self.client.patch_organization(org_id, fields.body(diff.values(changes)))
            except PipedriveApiError as error:
                if found.how is not How.MAPPED or not is_not_found(error):
                    raise
                return self._relink(customer, desired)
            if answer.get("is_deleted") and found.how is How.MAPPED:
                # Pipedrive may accept a PATCH of a deleted organization (reference §1.11):
                # a deleted organization is as stale as a missing one.
                return self._relink(customer, desired)
        pushed = diff.applied(baseline, changes)
        method = mapping.match_method if found.how is How.MAPPED and mapping else found.how.value
        with db.connection(self.database_url) as conn:
            if found.how is How.MAPPED:
                if changes:
                    store.save_last_pushed(conn, self.tenant, customer, pushed)
            else:
                store.link(conn, self.tenant, customer, org_id, found.how.value, pushed)
        self._remember(customer, org_id, method or found.how.value, pushed)
        with self._lock:
            if self._index is not None:
                self._index.claim(org_id, customer)
        return AuditEntry(STREAM, customer, action, str(org_id), changed)

    def _relink(self, customer: str, desired: Mapping[str, Any]) -> AuditEntry:
        """The linked organization is gone (deleted or merged away): match the customer again."""
        log.warning("Customer %s: its organization no longer exists; matching again", customer)
        if not self.dry_run:
            with db.connection(self.database_url) as conn:
                store.forget_org(conn, self.tenant, customer)
        self._mappings.pop(customer, None)
        found = self._match(customer, desired.get("name"), None)
        if found.how is How.CREATE:
            return self._create(customer, desired, desired.get("name"))
        if found.how is How.AMBIGUOUS:
            if not self.dry_run:
                with db.connection(self.database_url) as conn:
                    store.record_ambiguous(conn, self.tenant, customer, found.candidates)
            return AuditEntry(
                STREAM, customer, "ambiguous", changed={"candidates": list(found.candidates)}
            )
        return self._update(customer, desired, found, None)

    def _remember(self, customer: str, org_id: int, method: str, pushed: Mapping[str, Any]) -> None:
        """Keep the run's view of the mapping current: a customer seen twice in one batch is
        compared with what the first record wrote."""
        self._mappings[customer] = OrgMapping(
            customer, org_id, "linked", method, dict(pushed), True, ()
        )

    def _audit(self, entry: AuditEntry) -> AuditEntry:
        with db.connection(self.database_url) as conn:
            store.audit(conn, self.tenant, self.run_id, [entry], dry_run=self.dry_run)
        return entry


def _refused_field(error: PipedriveApiError) -> bool:
    """A v2 validation error naming a custom field key (e.g. one deleted since it was read)."""
    return error.status == 400 and "custom_fields" in error.message
