"""Store records in the v1 shape that ``/v1/recents`` returns (deals, persons, organizations,
pipelines, stages, notes), keys and types as the v1 document lists
them for each ``item``. Counts come from ``includes`` so v1 and v2 agree.
"""

from __future__ import annotations

from typing import Any

from ledgerlink_sandbox.pipedrive.includes import DEAL_COUNTS, included_value
from ledgerlink_sandbox.pipedrive.render import render_note, v1_time
from ledgerlink_sandbox.pipedrive.store import Record, Store

_COUNTS = (
    "email_messages_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
)
_ADDRESS_PARTS = (
    "subpremise",
    "street_number",
    "route",
    "sublocality",
    "locality",
    "admin_area_level_1",
    "admin_area_level_2",
    "country",
    "postal_code",
)


def _user_name(store: Store, user_id: int | None) -> str:
    for user in store.company.users:
        if user.get("id") == user_id:
            return str(user.get("name", ""))
    return store.company.user_name


def _name(store: Store, entity: str, record_id: int | None, key: str = "name") -> str | None:
    found = store.get(entity, record_id) if record_id is not None else None
    return None if found is None else str(found[key])


def _counts(store: Store, entity: str, record: Record, keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: included_value(store, entity, record, key) for key in keys}


def _activity_keys() -> dict[str, Any]:
    return {"next_activity_id": None, "last_activity_id": None, "last_activity_date": None}


def v1_deal(store: Store, deal: Record) -> Record:
    currency = deal.get("currency") or store.company.currency
    value = deal.get("value")
    probability = deal.get("probability")
    weighted = (value or 0) * (probability if probability is not None else 100) / 100
    out: Record = {
        "id": deal["id"],
        "creator_user_id": deal.get("creator_user_id") or store.company.user_id,
        "user_id": deal["owner_id"],
        "person_id": deal.get("person_id"),
        "org_id": deal.get("org_id"),
        "stage_id": deal["stage_id"],
        "pipeline_id": deal["pipeline_id"],
        "title": deal["title"],
        "value": value,
        "currency": currency,
        "add_time": v1_time(deal["add_time"]),
        "update_time": v1_time(deal["update_time"]),
        "stage_change_time": v1_time(deal.get("stage_change_time")),
        "active": deal["status"] == "open" and not deal["is_deleted"],
        "deleted": bool(deal["is_deleted"]),
        "is_archived": bool(deal.get("is_archived")),
        "status": "deleted" if deal["is_deleted"] else deal["status"],
        "probability": probability,
        "lost_reason": deal.get("lost_reason"),
        "visible_to": str(deal.get("visible_to", 3)),
        "close_time": v1_time(deal.get("close_time")),
        "won_time": v1_time(deal.get("won_time")),
        "lost_time": v1_time(deal.get("lost_time")),
        "expected_close_date": deal.get("expected_close_date"),
        "label": ",".join(str(i) for i in deal.get("label_ids") or []) or None,
        "person_name": _name(store, "person", deal.get("person_id")) or "",
        "org_name": _name(store, "organization", deal.get("org_id")) or "",
        "owner_name": _user_name(store, deal["owner_id"]),
        "formatted_value": f"{value or 0:,.2f} {currency}",
        "weighted_value": weighted,
        "formatted_weighted_value": f"{weighted:,.2f} {currency}",
        "weighted_value_currency": currency,
        "cc_email": included_value(store, "deal", deal, "smart_bcc_email"),
        "origin": deal.get("origin"),
        "origin_id": deal.get("origin_id"),
        "channel": deal.get("channel"),
        "channel_id": deal.get("channel_id"),
        "arr": deal.get("arr"),
        "mrr": deal.get("mrr"),
        "acv": deal.get("acv"),
        **_activity_keys(),
        **_counts(store, "deal", deal, (*_COUNTS, "products_count", "participants_count")),
    }
    first_won = deal.get("won_time") if deal["status"] == "won" else None
    if first_won is not None:  # the document types it as a string, never null
        out["first_won_time"] = v1_time(first_won)
    return out


def v1_person(store: Store, person: Record) -> Record:
    name = str(person["name"])
    return {
        "id": person["id"],
        "company_id": store.company.id,
        "owner_id": person["owner_id"],
        "owner_name": _user_name(store, person["owner_id"]),
        "org_id": person.get("org_id"),
        "org_name": _name(store, "organization", person.get("org_id")),
        "name": name,
        "first_name": person.get("first_name"),
        "last_name": person.get("last_name"),
        "first_char": name[:1].lower(),
        "email": list(person.get("emails") or []),
        "phone": list(person.get("phones") or []),
        "active_flag": not person["is_deleted"],
        "add_time": v1_time(person["add_time"]),
        "update_time": v1_time(person["update_time"]),
        "visible_to": str(person.get("visible_to", 3)),
        "label_ids": list(person.get("label_ids") or []),
        "cc_email": included_value(store, "person", person, "smart_bcc_email"),
        **_activity_keys(),
        **_counts(
            store,
            "person",
            person,
            (
                *_COUNTS,
                *DEAL_COUNTS,
                "participant_open_deals_count",
                "participant_closed_deals_count",
            ),
        ),
    }


def v1_organization(store: Store, org: Record) -> Record:
    name = str(org["name"])
    owner = org["owner_id"]
    raw_address = org.get("address")
    address: dict[str, Any] = raw_address if isinstance(raw_address, dict) else {}
    out: Record = {
        "id": org["id"],
        "company_id": store.company.id,
        "owner_id": {
            "id": owner,
            "name": _user_name(store, owner),
            "active_flag": True,
            "value": owner,
        },
        "owner_name": _user_name(store, owner),
        "name": name,
        "first_char": name[:1].lower(),
        "active_flag": not org["is_deleted"],
        "add_time": v1_time(org["add_time"]),
        "update_time": v1_time(org["update_time"]),
        "visible_to": str(org.get("visible_to", 3)),
        "label_ids": list(org.get("label_ids") or []),
        "cc_email": included_value(store, "organization", org, "smart_bcc_email"),
        "address": address.get("value"),
        **_activity_keys(),
        **_counts(store, "organization", org, (*_COUNTS, *DEAL_COUNTS, "people_count")),
    }
    for part in (*_ADDRESS_PARTS, "formatted_address"):
        value = address.get(part)
        if value is not None:  # the document types the parts as strings, never null
            out[f"address_{part}"] = value
    return out


def v1_pipeline(store: Store, pipeline: Record) -> Record:
    return {
        "id": pipeline["id"],
        "name": pipeline["name"],
        "url_title": str(pipeline["name"]).lower().replace(" ", "-"),
        "order_nr": pipeline["order_nr"],
        "active": not pipeline["is_deleted"],
        "deal_probability": bool(pipeline.get("is_deal_probability_enabled")),
        "add_time": v1_time(pipeline["add_time"]),
        "update_time": v1_time(pipeline["update_time"]),
    }


def v1_stage(store: Store, stage: Record) -> Record:
    return {
        "id": stage["id"],
        "order_nr": stage["order_nr"],
        "name": stage["name"],
        "active_flag": not stage["is_deleted"],
        "deal_probability": int(stage.get("deal_probability") or 0),
        "pipeline_id": stage["pipeline_id"],
        "rotten_flag": bool(stage.get("is_deal_rot_enabled")),
        "rotten_days": int(stage.get("days_to_rotten") or 0),
        "add_time": v1_time(stage["add_time"]),
        "update_time": v1_time(stage["update_time"]),
    }


def v1_recent_note(store: Store, note: Record) -> Record:
    """A note as ``/notes`` renders it, less ``pinned_to_lead_flag``, which the document's
    recents ``note`` item does not list."""
    out = render_note(store, note)
    del out["pinned_to_lead_flag"]
    return out


RENDERERS = {
    "deal": v1_deal,
    "person": v1_person,
    "organization": v1_organization,
    "pipeline": v1_pipeline,
    "stage": v1_stage,
    "note": v1_recent_note,
}
