"""The extra fields v2 list endpoints return on request (``include_fields``), per stream.

The names are the official v2 document's ``include_fields`` enums for ``GET /api/v2/deals``,
``/organizations`` and ``/persons`` (``pipedrive-v2-openapi``; a test holds this table against
it). The document leaves most of them untyped: ``*_id`` are ids, ``*_count`` counts,
``*_time`` timestamps, the rest text (``source_lead_id`` is a UUID there).
"""

from __future__ import annotations

from typing import Any

_ID: dict[str, Any] = {"type": ["integer", "null"]}
_COUNT: dict[str, Any] = {"type": ["integer", "null"]}
_TIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
_TEXT: dict[str, Any] = {"type": ["string", "null"]}


def _types(names: str) -> dict[str, dict[str, Any]]:
    out = {}
    for name in names.split():
        if name == "source_lead_id":
            out[name] = _TEXT  # a lead's id is a UUID (the document's only typed one)
        elif name.endswith("_id"):
            out[name] = _ID
        elif name.endswith("_count"):
            out[name] = _COUNT
        elif name.endswith("_time"):
            out[name] = _TIME
        else:
            out[name] = _TEXT
    return out


INCLUDE_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "deals": _types(
        "next_activity_id last_activity_id first_won_time products_count files_count "
        "notes_count followers_count email_messages_count activities_count "
        "done_activities_count undone_activities_count participants_count "
        "last_incoming_mail_time last_outgoing_mail_time smart_bcc_email source_lead_id"
    ),
    "organizations": _types(
        "next_activity_id last_activity_id open_deals_count related_open_deals_count "
        "closed_deals_count related_closed_deals_count email_messages_count people_count "
        "activities_count done_activities_count undone_activities_count files_count "
        "notes_count followers_count won_deals_count related_won_deals_count lost_deals_count "
        "related_lost_deals_count smart_bcc_email"
    ),
    "persons": _types(
        "next_activity_id last_activity_id open_deals_count related_open_deals_count "
        "closed_deals_count related_closed_deals_count participant_open_deals_count "
        "participant_closed_deals_count email_messages_count activities_count "
        "done_activities_count undone_activities_count files_count notes_count "
        "followers_count won_deals_count related_won_deals_count lost_deals_count "
        "related_lost_deals_count last_incoming_mail_time last_outgoing_mail_time "
        "marketing_status doi_status smart_bcc_email"
    ),
}
