"""Field definitions in the v1 shape (``GET /v1/<entity>Fields``), as other tools still read them.

Deals, organizations and persons list the same definitions as their v2 ``...Fields`` endpoints
(built-in and custom, so a custom field created through v2 shows up here too); products, notes
and activities, which the sandbox holds no records of, list the built-in fields of the official
v1 document's entities. The shape follows the document and the recorded ``v1_get_dealFields``
example (whose keys it has, one for one: no ``subfields``, options without colours): ``key`` is
the field code (a 40-hex hash for custom fields), ``id`` a stable integer, times in v1 format.

The v1 document's ``field_type`` enum lacks three built-in v2 types: ``int`` is served as
``double`` and ``stage``/``status`` as ``enum`` (with their options).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from ledgerlink_sandbox.pipedrive.store import FieldDef, Record, Store

V1_ENTITIES = ("deal", "organization", "person", "product", "note", "activity")
_V1_TYPE = {"int": "double", "stage": "enum", "status": "enum"}
_SINCE = "2024-01-02 09:00:00"  # built-in fields exist since the sandbox company was created
_MANDATORY = {"title", "name", "subject", "content"}
_SEARCHABLE = {"title", "name", "emails", "phones", "code", "subject"}
_YES_NO = [{"id": 0, "label": "No"}, {"id": 1, "label": "Yes"}]
# (key, name, field_type, options) of the entities the sandbox has no records of.
_STATIC: dict[str, tuple[tuple[str, str, str, list[dict[str, Any]] | None], ...]] = {
    "product": (
        ("name", "Name", "varchar", None),
        ("code", "Product code", "varchar", None),
        ("description", "Description", "text", None),
        ("unit", "Unit", "varchar", None),
        ("tax", "Tax", "double", None),
        ("category", "Category", "enum", [{"id": 1, "label": "Services"}]),
        ("owner_id", "Owner", "user", None),
        ("prices", "Unit prices", "monetary", None),
        ("add_time", "Created", "date", None),
        ("update_time", "Update time", "date", None),
    ),
    "note": (
        ("content", "Content", "text", None),
        ("deal_id", "Deal", "double", None),
        ("person_id", "Person", "people", None),
        ("org_id", "Organization", "org", None),
        ("user_id", "User", "user", None),
        ("add_time", "Add time", "date", None),
        ("update_time", "Update time", "date", None),
        ("pinned_to_deal_flag", "Pinned to deal", "enum", _YES_NO),
        ("pinned_to_organization_flag", "Pinned to organization", "enum", _YES_NO),
        ("pinned_to_person_flag", "Pinned to person", "enum", _YES_NO),
    ),
    "activity": (
        ("subject", "Subject", "varchar", None),
        ("type", "Type", "enum", [{"id": 1, "label": "Call"}, {"id": 2, "label": "Meeting"}]),
        ("done", "Done", "enum", _YES_NO),
        ("due_date", "Due date", "date", None),
        ("due_time", "Due time", "time", None),
        ("duration", "Duration", "time", None),
        ("user_id", "Assigned to user", "user", None),
        ("deal_id", "Deal", "double", None),
        ("person_id", "Contact person", "people", None),
        ("org_id", "Organization", "org", None),
        ("note", "Note", "text", None),
        ("location", "Location", "address", None),
        ("public_description", "Public description", "text", None),
        ("add_time", "Add time", "date", None),
        ("update_time", "Update time", "date", None),
    ),
}


def _v1_time(value: datetime | None) -> str:
    return _SINCE if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _field_id(entity: str, key: str) -> int:
    """A stable integer id per (entity, field), like Pipedrive's per-company field ids."""
    digest = hashlib.sha1(f"{entity}:{key}".encode()).hexdigest()  # noqa: S324 - not security
    return int(digest[:5], 16) + 1


def _options(fdef: FieldDef) -> list[dict[str, Any]] | None:
    """Options as the recorded example shows them: ``{"id", "label"}`` (no v2 colour)."""
    if fdef.options is None:
        return None
    return [{"id": option["id"], "label": option["label"]} for option in fdef.options]


def _full(entity: str, order: int, fdef: FieldDef, user_id: int) -> Record:
    field_type = _V1_TYPE.get(fdef.type, fdef.type)
    visibility = fdef.extras.get("ui_visibility", {})
    out: Record = {
        "id": _field_id(entity, fdef.code),
        "key": fdef.code,
        "name": fdef.name,
        "order_nr": order,
        "field_type": field_type,
        "add_time": _v1_time(fdef.add_time),
        "update_time": _v1_time(fdef.add_time),
        "last_updated_by_user_id": user_id,
        "created_by_user_id": user_id,
        "active_flag": True,
        "edit_flag": fdef.is_custom,
        "index_visible_flag": True,
        "details_visible_flag": bool(visibility.get("details_visible_flag", True)),
        "add_visible_flag": bool(visibility.get("add_visible_flag", True)),
        "important_flag": bool(fdef.extras.get("important_fields", {}).get("enabled", False)),
        "bulk_edit_allowed": fdef.code != "id",
        "searchable_flag": fdef.code in _SEARCHABLE or (fdef.is_custom and field_type == "varchar"),
        "filtering_allowed": True,
        "sortable_flag": True,
        "options": _options(fdef),
        "mandatory_flag": fdef.code in _MANDATORY,
    }
    if entity == "product":  # the document types product options as an array
        out["options"] = out["options"] or []
    return out


def _note_field(fdef: FieldDef) -> Record:
    """Note fields carry only the keys the v1 document lists for them."""
    return {
        "id": _field_id("note", fdef.code),
        "key": fdef.code,
        "name": fdef.name,
        "field_type": fdef.type,
        "active_flag": True,
        "edit_flag": False,
        "bulk_edit_allowed": fdef.code != "content",
        "mandatory_flag": fdef.code in _MANDATORY,
        "options": _options(fdef) or [],
    }


def definitions(store: Store, entity: str) -> list[FieldDef]:
    """The fields of ``entity``: the store's (deal, organization, person) or the built-in list."""
    if entity in store.fields:
        return list(store.fields[entity].values())
    return [
        FieldDef(key, name, kind, False, options) for key, name, kind, options in _STATIC[entity]
    ]


def v1_fields(store: Store, entity: str) -> list[Record]:
    """Every field of ``entity`` in the v1 shape, in display order."""
    defs = definitions(store, entity)
    if entity == "note":
        return [_note_field(fdef) for fdef in defs]
    user_id = store.company.user_id
    return [_full(entity, order, fdef, user_id) for order, fdef in enumerate(defs, 1)]
