"""Deterministic Pipedrive company consistent with the QuickBooks side of the same seed.

For the QBO customers of ``names.customer_names(seed, size)``:
- about half have an organization: mostly the exact name, some differing in case or punctuation,
  a few as two same-named organizations (ambiguous), some carrying the QBO id in the
  external-id custom field;
- unrelated organizations (about a fifth of the customer count) exist too;
- persons belong to organizations; deals spread over two pipelines and their stages, with add
  times up to ~14 months back, some won/lost, some archived, some deleted within the last 30 days.
All times are offsets from the sandbox clock's reading at build time (``anchor``).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ledgerlink_sandbox.pipedrive.fields import builtin_fields, field_code, subfields_for
from ledgerlink_sandbox.pipedrive.names import customer_names
from ledgerlink_sandbox.pipedrive.store import Company, FieldDef, Store

USERS = (
    (1, "Sandbox Admin", "admin@ledgerlink.test"),
    (2, "Riley Sales", "riley@ledgerlink.test"),
    (3, "Morgan Ops", "morgan@ledgerlink.test"),
)
PIPELINES = (
    ("Sales", ("Qualified", "Contact Made", "Proposal Made", "Negotiations Started")),
    ("Renewals", ("Up for renewal", "Quoted", "Committed")),
)
_COLORS = ("green", "blue", "yellow", "red")
CURRENCIES = ("USD", "USD", "USD", "EUR", "CAD")
_UNRELATED = (
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Gringotts",
)
_UNRELATED_KIND = ("Trading", "Industries", "Holdings", "Partners", "Imports", "Systems")
_FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Iris",
    "Jack",
    "Kara",
    "Leo",
    "Mia",
    "Noah",
    "Olive",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tess",
)
_LAST = (
    "Smith",
    "Jones",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Lopez",
    "Wilson",
    "Moore",
    "Clark",
    "Lewis",
    "Young",
    "Hall",
    "Allen",
    "King",
)


@dataclass(frozen=True)
class CustomFieldSpec:
    entity: str
    name: str
    type: str
    options: tuple[str, ...] = ()


CUSTOM_FIELDS = (
    CustomFieldSpec("organization", "QuickBooks Customer ID", "varchar"),
    CustomFieldSpec("organization", "Credit Limit", "monetary"),
    CustomFieldSpec("organization", "Open Balance", "monetary"),
    CustomFieldSpec("organization", "Customer Tier", "enum", ("Bronze", "Silver", "Gold")),
    CustomFieldSpec("deal", "QuickBooks Invoice ID", "varchar"),
    CustomFieldSpec("deal", "Invoice Total", "monetary"),
    CustomFieldSpec(
        "deal", "Invoice Status", "enum", ("Not invoiced", "Invoiced", "Paid", "Overdue")
    ),
    CustomFieldSpec("person", "Preferred Contact", "enum", ("Email", "Phone")),
)


@dataclass
class Generated:
    """What the generator produced, so tests can find the interesting cases."""

    customer_names: list[str]
    external_id_field: str = ""
    field_codes: dict[str, str] = field(default_factory=dict)  # "<entity>:<name>" -> code
    exact: list[int] = field(default_factory=list)  # customer indexes with an exact-name org
    variant: list[int] = field(default_factory=list)  # case/punctuation variant names
    ambiguous: list[int] = field(default_factory=list)  # two orgs with the customer's name


def company_for(seed: str) -> Company:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    users = [{"id": i, "name": n, "email": e} for i, n, e in USERS]
    return Company(
        id=int(digest[:7], 16),
        name="Ledgerlink Sandbox",
        domain=f"ledgerlink-{digest[:6]}",
        user_id=1,
        user_name=USERS[0][1],
        user_email=USERS[0][2],
        users=users,
    )


def _variant(name: str, rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return name.lower()
    stripped = name.replace(",", "").replace(".", "").replace("&", "and")
    return stripped if stripped != name else name.swapcase()


def _define_fields(store: Store, seed: str, anchor: datetime, out: Generated) -> None:
    for entity in store.fields:
        for fdef in builtin_fields(entity):
            store.fields[entity][fdef.code] = fdef
    for spec in CUSTOM_FIELDS:
        code = field_code(seed, spec.entity, spec.name)
        options = [
            {"id": store.next_option_id(), "label": label, "color": color}
            for label, color in zip(spec.options, _COLORS, strict=False)
        ] or None
        store.fields[spec.entity][code] = FieldDef(
            code,
            spec.name,
            spec.type,
            True,
            options,
            subfields_for(spec.type, spec.name),
            anchor - timedelta(days=400),
        )
        out.field_codes[f"{spec.entity}:{spec.name}"] = code
    out.external_id_field = out.field_codes["organization:QuickBooks Customer ID"]


def generate(store: Store, seed: str, size: str, anchor: datetime) -> Generated:
    rng = random.Random(f"{seed}:pipedrive")
    names = customer_names(seed, size)
    out = Generated(customer_names=names)
    _define_fields(store, seed, anchor, out)
    stage_ids = _pipelines(store, anchor)
    tier = store.fields["organization"][out.field_codes["organization:Customer Tier"]]
    org_names: list[tuple[str, int | None]] = []
    for index, name in enumerate(names):
        roll = rng.random()
        if index % 25 == 7:  # every size gets a few ambiguous names (demo: 2)
            roll = 0.49
        if roll < 0.38:
            org_names.append((name, index))
            out.exact.append(index)
        elif roll < 0.48:
            org_names.append((_variant(name, rng), index))
            out.variant.append(index)
        elif roll < 0.5:
            org_names += [(name, index), (name, None)]
            out.ambiguous.append(index)
    org_names += [
        (f"{rng.choice(_UNRELATED)} {rng.choice(_UNRELATED_KIND)} {n + 1}", None)
        for n in range(max(3, len(names) // 5))
    ]
    rng.shuffle(org_names)
    for org_name, customer in org_names:
        added = anchor - timedelta(days=rng.randrange(1, 420), seconds=rng.randrange(86_400))
        custom: dict[str, Any] = {}
        if customer is not None and rng.random() < 0.3:
            custom[out.external_id_field] = str(customer + 1)
        if rng.random() < 0.4:
            custom[out.field_codes["organization:Credit Limit"]] = {
                "value": rng.randrange(1, 50) * 1000,
                "currency": "USD",
            }
        if rng.random() < 0.5 and tier.options:
            custom[tier.code] = rng.choice(tier.options)["id"]
        org_id = store.next_id("organization")
        store.load("organization", _org(org_id, org_name, added, anchor, rng, custom))
        if rng.random() < 0.6:
            _person(store, org_id, added, anchor, rng)
        for _ in range(rng.choice((0, 1, 1, 2))):
            _deal(store, org_id, stage_ids, added, anchor, rng)
    return out


def _between(start: datetime, end: datetime, rng: random.Random) -> datetime:
    span = max(int((end - start).total_seconds()), 1)
    return start + timedelta(seconds=rng.randrange(span))


def _org(
    org_id: int,
    name: str,
    added: datetime,
    anchor: datetime,
    rng: random.Random,
    custom: dict[str, Any],
) -> dict[str, Any]:
    city = rng.choice(("Springfield", "Portland", "Austin", "Denver", "Madison"))
    return {
        "id": org_id,
        "name": name,
        "owner_id": rng.choice(USERS)[0],
        "add_time": added,
        "update_time": _between(added, anchor, rng),
        "is_deleted": False,
        "visible_to": 3,
        "label_ids": [],
        "address": {
            "value": f"{rng.randrange(1, 999)} Main St, {city}",
            "locality": city,
            "country": "United States",
        },
        "website": None,
        "linkedin": None,
        "industry": None,
        "annual_revenue": None,
        "employee_count": None,
        "custom_fields": custom,
    }


def _person(
    store: Store, org_id: int, added: datetime, anchor: datetime, rng: random.Random
) -> None:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    person_id = store.next_id("person")
    store.load(
        "person",
        {
            "id": person_id,
            "name": f"{first} {last}",
            "first_name": first,
            "last_name": last,
            "owner_id": 1,
            "org_id": org_id,
            "add_time": added,
            "update_time": _between(added, anchor, rng),
            "emails": [
                {
                    "value": f"{first}.{last}{person_id}@example.com".lower(),
                    "primary": True,
                    "label": "work",
                }
            ],
            "phones": [],
            "is_deleted": False,
            "visible_to": 3,
            "label_ids": [],
            "picture_id": None,
            "custom_fields": {},
        },
    )


def _pipelines(store: Store, anchor: datetime) -> list[tuple[int, int]]:
    """Create pipelines and stages; returns (pipeline_id, stage_id) pairs."""
    created = anchor - timedelta(days=500)
    pairs = []
    for order, (name, stages) in enumerate(PIPELINES, 1):
        pipeline_id = store.next_id("pipeline")
        store.load(
            "pipeline",
            {
                "id": pipeline_id,
                "name": name,
                "order_nr": order,
                "is_deleted": False,
                "is_deal_probability_enabled": False,
                "add_time": created,
                "update_time": created,
            },
        )
        for stage_order, stage in enumerate(stages, 1):
            stage_id = store.next_id("stage")
            store.load(
                "stage",
                {
                    "id": stage_id,
                    "order_nr": stage_order,
                    "name": stage,
                    "is_deleted": False,
                    "deal_probability": 100,
                    "pipeline_id": pipeline_id,
                    "is_deal_rot_enabled": False,
                    "days_to_rotten": None,
                    "add_time": created,
                    "update_time": created,
                },
            )
            pairs.append((pipeline_id, stage_id))
    return pairs


def _deal(
    store: Store,
    org_id: int,
    stages: list[tuple[int, int]],
    org_added: datetime,
    anchor: datetime,
    rng: random.Random,
) -> None:
    pipeline_id, stage_id = rng.choice(stages)
    added = _between(org_added, anchor, rng)
    updated = _between(added, anchor, rng)
    status = rng.choices(("open", "won", "lost"), (6, 3, 1))[0]
    closed = updated if status != "open" else None
    deal = {
        "id": store.next_id("deal"),
        "title": f"Deal {org_id}-{rng.randrange(100, 999)}",
        "creator_user_id": 1,
        "owner_id": rng.choice(USERS)[0],
        "value": float(rng.randrange(5, 500) * 100),
        "person_id": None,
        "org_id": org_id,
        "stage_id": stage_id,
        "pipeline_id": pipeline_id,
        "currency": rng.choice(CURRENCIES),
        "archive_time": None,
        "add_time": added,
        "update_time": updated,
        "stage_change_time": added,
        "status": status,
        "is_archived": False,
        "is_deleted": False,
        "probability": None,
        "lost_reason": "Price" if status == "lost" else None,
        "visible_to": 3,
        "close_time": closed,
        "won_time": closed if status == "won" else None,
        "lost_time": closed if status == "lost" else None,
        "local_won_date": closed.date().isoformat() if closed and status == "won" else None,
        "local_lost_date": closed.date().isoformat() if closed and status == "lost" else None,
        "local_close_date": closed.date().isoformat() if closed else None,
        "expected_close_date": None,
        "label_ids": [],
        "origin": "ManuallyCreated",
        "origin_id": None,
        "channel": None,
        "channel_id": None,
        "source_lead_id": None,
        "acv": None,
        "arr": None,
        "mrr": None,
        "custom_fields": {},
    }
    roll = rng.random()
    if roll < 0.04:  # deleted within the retention window: visible through status=deleted
        when = anchor - timedelta(days=rng.randrange(0, 29), seconds=rng.randrange(3600))
        deal.update(is_deleted=True, update_time=max(when, added), _delete_time=max(when, added))
    elif roll < 0.06 and status != "open":
        deal.update(is_archived=True, archive_time=updated)
    store.load("deal", deal)
