"""Store records → API JSON (v2 entities, v1 notes), following the spec's recorded examples."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledgerlink_sandbox.pipedrive.fields import option_label
from ledgerlink_sandbox.pipedrive.includes import INCLUDABLE, included_value
from ledgerlink_sandbox.pipedrive.store import FieldDef, Record, Store

KEYS: dict[str, tuple[str, ...]] = {
    "organization": (
        "id",
        "name",
        "owner_id",
        "add_time",
        "update_time",
        "address",
        "is_deleted",
        "visible_to",
        "label_ids",
        "website",
        "linkedin",
        "industry",
        "annual_revenue",
        "employee_count",
    ),
    "person": (
        "id",
        "name",
        "first_name",
        "last_name",
        "owner_id",
        "org_id",
        "add_time",
        "update_time",
        "emails",
        "phones",
        "is_deleted",
        "visible_to",
        "label_ids",
        "picture_id",
    ),
    "deal": (
        "id",
        "title",
        "creator_user_id",
        "owner_id",
        "value",
        "person_id",
        "org_id",
        "stage_id",
        "pipeline_id",
        "currency",
        "archive_time",
        "add_time",
        "update_time",
        "stage_change_time",
        "status",
        "is_archived",
        "is_deleted",
        "probability",
        "lost_reason",
        "visible_to",
        "close_time",
        "won_time",
        "lost_time",
        "local_won_date",
        "local_lost_date",
        "local_close_date",
        "expected_close_date",
        "label_ids",
        "origin",
        "origin_id",
        "channel",
        "channel_id",
        "acv",
        "arr",
        "mrr",
    ),
    "pipeline": (
        "id",
        "name",
        "order_nr",
        "is_deleted",
        "is_deal_probability_enabled",
        "add_time",
        "update_time",
    ),
    "stage": (
        "id",
        "order_nr",
        "name",
        "is_deleted",
        "deal_probability",
        "pipeline_id",
        "is_deal_rot_enabled",
        "days_to_rotten",
        "add_time",
        "update_time",
    ),
}


def iso(value: datetime | None) -> str | None:
    """v2 time format: ``2021-01-01T00:00:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_time(value: datetime | None) -> str | None:
    """v1 time format: ``2019-12-09 13:59:21`` (UTC)."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class RenderOptions:
    custom_keys: tuple[str, ...] | None = None  # the custom_fields= filter
    option_labels: bool = False
    emit_nulls: bool = True
    include: tuple[str, ...] = ()


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def _custom(
    defs: dict[str, FieldDef], values: dict[str, Any], opts: RenderOptions
) -> dict[str, Any]:
    customs = [d for d in defs.values() if d.is_custom]
    if opts.custom_keys is not None:
        customs = [d for d in customs if d.code in opts.custom_keys]
    out: dict[str, Any] = {}
    for fdef in customs:
        value = values.get(fdef.code)
        if value is None:
            if opts.emit_nulls or opts.custom_keys is not None:
                out[fdef.code] = None
            continue
        if opts.option_labels and fdef.type == "enum":
            value = option_label(fdef, value)
        elif opts.option_labels and fdef.type == "set":
            value = [option_label(fdef, v) for v in value]
        out[fdef.code] = value
    return out


def render(store: Store, entity: str, record: Record, opts: RenderOptions | None = None) -> Record:
    opts = opts or RenderOptions()
    out = {key: _plain(record.get(key)) for key in KEYS[entity]}
    if entity == "organization" and isinstance(out["address"], dict):
        # The schema types every address subfield as a string: unset subfields are left out.
        out["address"] = {k: v for k, v in out["address"].items() if v is not None}
    if entity == "person":  # optional person keys appear once set
        for key in ("postal_address", "notes", "im", "birthday", "job_title"):
            if record.get(key) is not None:
                out[key] = record[key]
    for key in opts.include:
        if key in INCLUDABLE.get(entity, ()):
            out[key] = included_value(store, entity, record, key)
    if entity in store.fields:
        out["custom_fields"] = _custom(store.fields[entity], record.get("custom_fields", {}), opts)
    return out


FIELD_NAMESPACES = ("ui_visibility", "important_fields", "required_fields")


def _field_namespace(entity: str, namespace: str) -> dict[str, Any]:
    """Default values of the optional field namespaces, shaped like the spec examples."""
    if namespace == "important_fields":
        return {"enabled": False, "stage_ids": []}
    if namespace == "required_fields":
        return (
            {"enabled": False, "stage_ids": [], "statuses": {}}
            if entity == "deal"
            else {"enabled": False}
        )
    if entity == "deal":
        return {
            "add_visible_flag": True,
            "details_visible_flag": True,
            "projects_detail_visible_flag": False,
            "show_in_pipelines": {"show_in_all": True, "pipeline_ids": []},
        }
    if entity == "person":
        return {
            "add_visible_flag": True,
            "details_visible_flag": True,
            "show_in_add_deal_dialog": {"show": False, "order": None},
        }
    return {
        "add_visible_flag": True,
        "details_visible_flag": True,
        "org_detail_visible_flag": True,
        "person_detail_visible_flag": False,
        "deal_detail_visible_flag": False,
        "show_in_add_deal_dialog": {"show": False, "order": None},
        "show_in_add_person_dialog": {"show": False, "order": None},
    }


def render_field(entity: str, fdef: FieldDef, namespaces: tuple[str, ...] = ()) -> Record:
    out: Record = {"field_name": fdef.name, "field_code": fdef.code}
    if entity == "deal":
        out["description"] = fdef.description
    options = fdef.options
    if options is not None:
        # As recorded: deal field options carry "color", organization/person ones do not.
        options = [
            {
                "id": o["id"],
                "label": o["label"],
                **({"color": o.get("color")} if entity == "deal" else {}),
            }
            for o in options
        ]
    out.update(
        {
            "field_type": fdef.type,
            "options": options,
            "subfields": fdef.subfields,
            "is_custom_field": fdef.is_custom,
            "is_optional_response_field": False,
        }
    )
    for namespace in namespaces:
        out[namespace] = {**_field_namespace(entity, namespace), **fdef.extras.get(namespace, {})}
    return out


def render_note(store: Store, note: Record) -> Record:
    """A v1 note with its related-object names, as in the spec example."""
    deal = store.get("deal", note["deal_id"]) if note.get("deal_id") else None
    org = store.get("organization", note["org_id"]) if note.get("org_id") else None
    person = store.get("person", note["person_id"]) if note.get("person_id") else None
    company = store.company
    return {
        "id": note["id"],
        "active_flag": note["active_flag"],
        "add_time": v1_time(note["add_time"]),
        "content": note["content"],
        "deal": {"title": deal["title"]} if deal else None,
        "lead_id": note.get("lead_id"),
        "deal_id": note.get("deal_id"),
        "last_update_user_id": note["user_id"],
        "org_id": note.get("org_id"),
        "organization": {"name": org["name"]} if org else None,
        "person": {"name": person["name"]} if person else None,
        "person_id": note.get("person_id"),
        "project_id": None,
        "project": None,
        "pinned_to_lead_flag": False,
        "pinned_to_deal_flag": note.get("pinned_to_deal_flag", False),
        "pinned_to_organization_flag": note.get("pinned_to_organization_flag", False),
        "pinned_to_person_flag": note.get("pinned_to_person_flag", False),
        "pinned_to_project_flag": False,
        "update_time": v1_time(note["update_time"]),
        "user": {
            "email": company.user_email,
            "icon_url": None,
            "is_you": True,
            "name": company.user_name,
        },
        "user_id": note["user_id"],
    }
