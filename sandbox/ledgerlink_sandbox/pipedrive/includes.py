"""The optional keys ``include_fields`` adds to v2 deals, organizations and persons.

The names are the official v2 document's ``include_fields`` enums (16 for deals, 19 for
organizations, 24 for persons). Values are derived from the sandbox's own data:

- deal, note and person counts from its records (``*_deals_count`` of an organization or person
  count its non-deleted deals by status; ``related_*`` count the deals of its persons, or of the
  persons' organization, that are linked to another organization/person; ``participant_*`` count
  deals where the person is the contact person);
- ``first_won_time`` is the won time of a won deal (the sandbox keeps no status history);
- the sandbox holds no activities, files, products, e-mails or followers other than the owner:
  their counts are 0 (followers 1: Pipedrive makes the owner a follower), the activity ids and
  mail times ``null``;
- ``smart_bcc_email`` is the company's Smart BCC address (``<domain>+<entity><id>@
  pipedrivemail.com``), ``marketing_status`` ``no_consent`` and ``doi_status`` ``null``
  (the sandbox company has no Campaigns add-on).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ledgerlink_sandbox.pipedrive.store import Record, Store

_SHARED = (
    "next_activity_id",
    "last_activity_id",
    "email_messages_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
    "smart_bcc_email",
)
DEAL_COUNTS = (
    "open_deals_count",
    "related_open_deals_count",
    "closed_deals_count",
    "related_closed_deals_count",
    "won_deals_count",
    "related_won_deals_count",
    "lost_deals_count",
    "related_lost_deals_count",
)
INCLUDABLE: dict[str, frozenset[str]] = {
    "deal": frozenset(
        {
            *_SHARED,
            "first_won_time",
            "products_count",
            "participants_count",
            "last_incoming_mail_time",
            "last_outgoing_mail_time",
            "source_lead_id",
        }
    ),
    "organization": frozenset({*_SHARED, *DEAL_COUNTS, "people_count"}),
    "person": frozenset(
        {
            *_SHARED,
            *DEAL_COUNTS,
            "participant_open_deals_count",
            "participant_closed_deals_count",
            "last_incoming_mail_time",
            "last_outgoing_mail_time",
            "marketing_status",
            "doi_status",
        }
    ),
}
_STATUSES = {
    "open": ("open",),
    "closed": ("won", "lost"),
    "won": ("won",),
    "lost": ("lost",),
}
_REF = {"organization": "org_id", "person": "person_id", "deal": "deal_id"}
# Nothing the sandbox holds: activities, files, products, e-mails, extra followers.
_NONE_HELD: dict[str, Any] = {
    "next_activity_id": None,
    "last_activity_id": None,
    "email_messages_count": 0,
    "activities_count": 0,
    "done_activities_count": 0,
    "undone_activities_count": 0,
    "files_count": 0,
    "products_count": 0,
    "followers_count": 1,
    "last_incoming_mail_time": None,
    "last_outgoing_mail_time": None,
    "marketing_status": "no_consent",
    "doi_status": None,
}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _live_deals(store: Store) -> list[Record]:
    return [d for d in store.rows("deal") if not d["is_deleted"]]


def _deal_count(store: Store, entity: str, record: Record, key: str) -> int:
    """``[related_|participant_]<status>_deals_count`` of an organization or a person."""
    related = key.startswith("related_")
    status = _STATUSES[key.removeprefix("related_").removeprefix("participant_").split("_")[0]]
    deals = [d for d in _live_deals(store) if d["status"] in status]
    if entity == "person" and key.startswith("participant_"):
        return sum(1 for d in deals if d.get("person_id") == record["id"])
    if not related:
        return sum(1 for d in deals if d.get(_REF[entity]) == record["id"])
    if entity == "organization":  # deals of the organization's persons, filed elsewhere
        people = {
            p["id"]
            for p in store.rows("person")
            if p.get("org_id") == record["id"] and not p["is_deleted"]
        }
        return sum(
            1 for d in deals if d.get("person_id") in people and d.get("org_id") != record["id"]
        )
    # a person's related deals: those of the person's organization with another contact person
    org = record.get("org_id")
    return sum(
        1
        for d in deals
        if org is not None and d.get("org_id") == org and d.get("person_id") != record["id"]
    )


def _notes_count(store: Store, entity: str, record: Record) -> int:
    ref = _REF[entity]
    return sum(1 for n in store.rows("note") if n.get(ref) == record["id"] and n["active_flag"])


def _people_count(store: Store, record: Record) -> int:
    return sum(
        1 for p in store.rows("person") if p.get("org_id") == record["id"] and not p["is_deleted"]
    )


def _first_won_time(record: Record) -> str | None:
    won = record.get("won_time") if record.get("status") == "won" else None
    return _iso(won or record.get("first_won_time"))


def _smart_bcc(store: Store, entity: str, record: Record) -> str:
    return f"{store.company.domain}+{entity}{record['id']}@pipedrivemail.com"


def included_value(store: Store, entity: str, record: Record, key: str) -> Any:
    """The value of one ``include_fields`` key for ``record`` (a key of ``INCLUDABLE[entity]``)."""
    special: dict[str, Callable[[], Any]] = {
        "notes_count": lambda: _notes_count(store, entity, record),
        "people_count": lambda: _people_count(store, record),
        "first_won_time": lambda: _first_won_time(record),
        "participants_count": lambda: 1 if record.get("person_id") is not None else 0,
        "source_lead_id": lambda: record.get("source_lead_id"),
        "smart_bcc_email": lambda: _smart_bcc(store, entity, record),
    }
    if key in special:
        return special[key]()
    if key.endswith("_deals_count"):
        return _deal_count(store, entity, record, key)
    return _NONE_HELD[key]
