"""``contacts: person``: a customer's primary contact becomes a Pipedrive person linked to the
customer's organization; matched before anything is created, never blanked.

Per customer whose organization is linked (``customer_org_map``) and whose record names a
contact (``GivenName``/``FamilyName``, ``PrimaryEmailAddr``, ``PrimaryPhone``):

1. ``customer_person_map`` linked: what changed since ``last_pushed`` is written (one PATCH);
   a new email or phone becomes the primary one and the person's others are kept;
2. otherwise the company's persons, read with one paged listing per run (never a search per
   contact): exactly one person with the email (or, without an email, with the name among the
   organization's persons) is adopted; only what the person lacks is added (an empty field, a
   missing email or phone, no organization), nothing renamed; several with the email: the one
   of the organization, else ambiguous (reported, nothing written);
3. otherwise a ``pending`` row is committed, then the person is created.

An empty QuickBooks value never clears anything on a person.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.limits import BudgetReserveReached
from ledgerlink.pipedrive.transport import WriteOutcomeUnknown
from target_pipedrive import contactstore, store, textlimits
from target_pipedrive import values as v
from target_pipedrive.matching import normalize_name
from target_pipedrive.organizations import UNAVAILABLE
from target_pipedrive.store import AuditEntry

log = logging.getLogger(__name__)
STREAM = "contacts"


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None
    phone: str | None
    cut: tuple[str, ...] = ()  # texts cut to fit their Pipedrive field (``textlimits``)

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Contact | None:
        parts = [v.get_path(record, k) for k in ("GivenName", "MiddleName", "FamilyName")]
        name = " ".join(str(p).strip() for p in parts if p and str(p).strip())
        email = v.convert("varchar", v.get_path(record, "PrimaryEmailAddr.Address"))
        phone = v.convert("phone", v.get_path(record, "PrimaryPhone.FreeFormNumber"))
        if not name and not email:
            return None  # nobody to name: the company alone
        cut: list[str] = []
        fitted: dict[str, Any] = {}
        for key, kind, value in (
            ("Name", "varchar", name or str(email)),
            ("Email", "varchar", email),
            ("Phone", "phone", phone),
        ):
            fitted[key], length = textlimits.fit(kind, value)
            if length is not None:
                cut.append(textlimits.describe(key, length, kind))
        return cls(fitted["Name"], fitted["Email"], fitted["Phone"], tuple(cut))

    def desired(self, org_id: int) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "phone": self.phone, "org_id": org_id}


@dataclass
class ContactSummary:
    actions: Counter[str] = field(default_factory=Counter)
    stopped: BudgetReserveReached | None = None
    left: int = 0


def _values(items: Any) -> list[str]:
    return [str(i.get("value")) for i in items or [] if isinstance(i, Mapping) and i.get("value")]


def _merged(new: str, current: Any) -> list[dict[str, Any]]:
    """``new`` as the primary entry, the person's other entries kept behind it."""
    others = [
        {"value": value, "primary": False}
        for value in _values(current)
        if value.casefold() != new.casefold()
    ]
    return [{"value": new, "primary": True, "label": "work"}, *others]


@dataclass
class PersonIndex:
    by_email: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_org_name: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    linked: set[int] = field(default_factory=set)  # persons already some customer's contact

    @classmethod
    def build(cls, persons: Iterable[dict[str, Any]], linked: set[int]) -> PersonIndex:
        index = cls(linked=set(linked))
        for person in persons:
            index.add(person)
        return index

    def add(self, person: dict[str, Any]) -> None:
        for email in _values(person.get("emails")):
            self.by_email.setdefault(email.casefold(), []).append(person)
        if person.get("org_id") is not None:
            key = (int(person["org_id"]), normalize_name(str(person.get("name") or "")))
            self.by_org_name.setdefault(key, []).append(person)

    def find(self, contact: Contact, org_id: int) -> list[dict[str, Any]]:
        if contact.email:
            found = self.by_email.get(contact.email.casefold(), [])
            of_org = [p for p in found if p.get("org_id") == org_id]
            found = of_org if len(found) > 1 and of_org else found
        else:
            found = self.by_org_name.get((org_id, normalize_name(contact.name)), [])
        return [p for p in found if int(p["id"]) not in self.linked]


class ContactSync:
    def __init__(
        self,
        client: PipedriveClient,
        tenant: str,
        *,
        run_id: str,
        dry_run: bool = False,
        database_url: str | None = None,
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.run_id = run_id
        self.dry_run = dry_run
        self.database_url = database_url
        self._index: PersonIndex | None = None
        self._rows: dict[str, contactstore.PersonMapping] = {}

    def index(self) -> PersonIndex:
        if self._index is None:
            linked = {r.person_id for r in self._rows.values() if r.person_id is not None}
            self._index = PersonIndex.build(self.client.persons(), linked)
        return self._index

    def sync(self, records: Iterable[Mapping[str, Any]]) -> ContactSummary:
        summary = ContactSummary()
        work: list[tuple[str, Contact, int]] = []
        with db.connection(self.database_url) as conn:
            orgs = store.load_mappings(conn, self.tenant)
            self._rows = contactstore.load(conn, self.tenant)
        for record in records:
            customer = str(record.get("Id") or "").strip()
            contact = Contact.of(record)
            org = orgs.get(customer)
            if contact is not None and org is not None and org.linked and org.pipedrive_org_id:
                work.append((customer, contact, int(org.pipedrive_org_id)))
        for position, (customer, contact, org_id) in enumerate(work):
            try:
                entry = self._one(customer, contact, org_id)
                if contact.cut:
                    log.warning("Contact of customer %s: %s", customer, "; ".join(contact.cut))
                    entry = replace(
                        entry, changed={**(entry.changed or {}), "truncated": list(contact.cut)}
                    )
            except BudgetReserveReached as stop:
                summary.stopped, summary.left = stop, len(work) - position
                log.warning("%s", stop)
                break
            summary.actions[entry.action] += 1
            with db.connection(self.database_url) as conn:
                store.audit(conn, self.tenant, self.run_id, [entry], dry_run=self.dry_run)
        return summary

    def _one(self, customer: str, contact: Contact, org_id: int) -> AuditEntry:
        try:
            row = self._rows.get(customer)
            if row is not None and row.state == "linked" and row.person_id is not None:
                return self._update(customer, contact.desired(org_id), row)
            return self._match_or_create(customer, contact, org_id)
        except (PipedriveApiError, WriteOutcomeUnknown) as error:
            if isinstance(error, PipedriveApiError) and error.category in UNAVAILABLE:
                raise
            log.error("Contact of customer %s: %s", customer, error)
            return AuditEntry(STREAM, customer, "fail", error=str(error))

    def _update(
        self, customer: str, desired: dict[str, Any], row: contactstore.PersonMapping
    ) -> AuditEntry:
        assert row.person_id is not None
        before = row.last_pushed
        changed = {
            k: val for k, val in desired.items() if not v.is_empty(val) and before.get(k) != val
        }
        audit = {k: {"before": before.get(k), "after": val} for k, val in changed.items()}
        if not changed:
            return AuditEntry(STREAM, customer, "noop", str(row.person_id))
        if self.dry_run:
            return AuditEntry(STREAM, customer, "update", str(row.person_id), audit)
        current: Mapping[str, Any] = {}
        if "email" in changed or "phone" in changed:
            current = self.client.person(row.person_id) or {}
        self.client.patch_person(row.person_id, self._body(changed, current))
        pushed = {**before, **changed}
        with db.connection(self.database_url) as conn:
            contactstore.link(conn, self.tenant, customer, row.person_id, pushed)
        return AuditEntry(STREAM, customer, "update", str(row.person_id), audit)

    def _match_or_create(self, customer: str, contact: Contact, org_id: int) -> AuditEntry:
        desired = contact.desired(org_id)
        found = self.index().find(contact, org_id)
        if len(found) > 1:
            ids = sorted(int(p["id"]) for p in found)
            return AuditEntry(STREAM, customer, "ambiguous", changed={"candidates": ids})
        if found:
            return self._adopt(customer, desired, found[0])
        if self.dry_run:
            audit = {k: {"before": None, "after": val} for k, val in desired.items() if val}
            return AuditEntry(STREAM, customer, "create", changed=audit)
        with db.connection(self.database_url) as conn:  # committed before the POST leaves
            contactstore.mark_pending(conn, self.tenant, customer)
        body = self._body({k: val for k, val in desired.items() if val is not None}, {})
        person = self.client.create_person(body)
        person_id = int(person["id"])
        with db.connection(self.database_url) as conn:
            contactstore.link(conn, self.tenant, customer, person_id, desired)
        self.index().add(person)
        self.index().linked.add(person_id)
        audit = {k: {"before": None, "after": val} for k, val in desired.items() if val}
        return AuditEntry(STREAM, customer, "create", str(person_id), audit)

    def _adopt(
        self, customer: str, desired: dict[str, Any], person: Mapping[str, Any]
    ) -> AuditEntry:
        """A person found by email or name: add only what it lacks."""
        person_id = int(person["id"])
        missing: dict[str, Any] = {}
        if not person.get("org_id"):
            missing["org_id"] = desired["org_id"]
        if v.is_empty(person.get("name")) and desired["name"]:
            missing["name"] = desired["name"]
        for key, plural in (("email", "emails"), ("phone", "phones")):
            value = desired[key]
            known = {x.casefold() for x in _values(person.get(plural))}
            if value and value.casefold() not in known:
                missing[key] = value
        audit = {k: {"before": None, "after": val} for k, val in missing.items()}
        action = "update" if missing else "noop"
        if self.dry_run:
            return AuditEntry(STREAM, customer, action, str(person_id), audit or None)
        if missing:
            body = {k: val for k, val in missing.items() if k not in ("email", "phone")}
            for key, plural in (("email", "emails"), ("phone", "phones")):
                if key in missing:  # added behind the person's own entries, not instead
                    body[plural] = _appended(str(missing[key]), person.get(plural))
            self.client.patch_person(person_id, body)
        with db.connection(self.database_url) as conn:
            contactstore.link(conn, self.tenant, customer, person_id, desired)
        self.index().linked.add(person_id)
        return AuditEntry(STREAM, customer, action, str(person_id), audit or None)

    @staticmethod
    def _body(values: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for key, val in values.items():
            if key == "email":
                body["emails"] = _merged(str(val), current.get("emails"))
            elif key == "phone":
                body["phones"] = _merged(str(val), current.get("phones"))
            else:
                body[key] = val
        return body


def _appended(new: str, current: Any) -> list[dict[str, Any]]:
    """The person's entries as they are, ``new`` last (primary only when it is the first)."""
    kept = [
        {"value": i.get("value"), "primary": bool(i.get("primary")), "label": i.get("label")}
        for i in current or []
        if isinstance(i, Mapping) and i.get("value")
    ]
    return [*kept, {"value": new, "primary": not kept, "label": "work"}]
