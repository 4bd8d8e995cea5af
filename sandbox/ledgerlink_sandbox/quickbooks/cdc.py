"""Change Data Capture (reference §1.5).

Per entity: rows whose LastUpdatedTime >= changedSince, ordered by that time, then the
tombstones of rows deleted since then. The object cap (1000) applies to the whole request
(documented) or to each entity (singer-io's assumption); truncation keeps the earliest
changes and drops deletes first, because QBO lists them after the active objects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from heapq import merge
from itertools import islice
from typing import Any

from . import faults
from .books import Books
from .entities import CDC_UNSUPPORTED, lookup
from .settings import QboStoreSettings
from .table import Row
from .timefmt import parse_instant

# Real QBO entities this emulator does not hold: they are valid in CDC but never change.
KNOWN_EMPTY = frozenset(
    {
        "account",
        "bill",
        "billpayment",
        "budget",
        "class",
        "creditmemo",
        "department",
        "deposit",
        "estimate",
        "journalentry",
        "paymentmethod",
        "purchase",
        "purchaseorder",
        "refundreceipt",
        "salesreceipt",
        "transfer",
        "vendorcredit",
        "attachable",
        "customertype",
        "exchangerate",
    }
)


def tombstone(id_: str, stamp: str) -> Row:
    return {"domain": "QBO", "status": "Deleted", "Id": id_, "MetaData": {"LastUpdatedTime": stamp}}


def _entities(names: list[str]) -> list[str]:
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        key = name.lower()
        spec = lookup(name)
        if key in CDC_UNSUPPORTED or (spec is None and key not in KNOWN_EMPTY):
            raise faults.QboFault(
                "4001",
                "Invalid query",
                f"QueryValidationError: Entity {name} is not supported for change data capture",
                element="entities",
            )
        canonical = spec.name if spec is not None else name
        if spec is not None and spec.kind != "singleton" and canonical not in out:
            out.append(canonical)
    if not names:
        raise faults.required_missing("entities")
    return out


def change_data_capture(
    books: Books,
    entities: list[str],
    changed_since: str,
    now: datetime,
    settings: QboStoreSettings,
    render: Callable[[str, Row], Row],
) -> list[Any]:
    since = parse_instant(changed_since)
    if since is None:
        raise faults.QboFault(
            "2010",
            "Request has invalid or unsupported property",
            f"Invalid changedSince value {changed_since}",
            element="changedSince",
        )
    if since < now - timedelta(days=settings.cdc_lookback_days):
        shown = changed_since if settings.cdc_fill_date_in_error else "{date}"
        raise faults.cdc_too_old(shown)
    names = _entities(entities)
    floor = since.timestamp()
    # (epoch, Id, entity, row, is_delete) per entity, actives before deletes.
    actives: dict[str, list[tuple[int, int, Row]]] = {}
    deletes: dict[str, list[tuple[int, int, Row]]] = {}
    for name in names:
        table = books.table(name)
        # No truncation mode can keep more than ``cap`` objects of one entity.
        actives[name] = [
            (table.lut_epoch(r["Id"]), int(r["Id"]), render(name, r))
            for r in islice(table.by_lut(floor, True, None, True, False), settings.cdc_cap)
        ]
        gone = sorted(
            (epoch, int(id_), stamp)
            for id_, (epoch, stamp) in books.tombstones.get(name, {}).items()
            if epoch >= floor
        )[: settings.cdc_cap]
        deletes[name] = [(e, i, tombstone(str(i), stamp)) for e, i, stamp in gone]
    cap = settings.cdc_cap
    if settings.cdc_cap_mode == "per_entity":
        for name in names:
            actives[name] = actives[name][:cap]
            deletes[name] = deletes[name][: max(0, cap - len(actives[name]))]
    else:
        _cap_request(names, actives, deletes, cap)
    groups = []
    for name in names:
        objects = [t[2] for t in actives[name]] + [t[2] for t in deletes[name]]
        if objects:
            groups.append({name: objects, "startPosition": 1, "maxResults": len(objects)})
    return [{"QueryResponse": groups or [{}]}]


def _cap_request(
    names: list[str],
    actives: dict[str, list[tuple[int, int, Row]]],
    deletes: dict[str, list[tuple[int, int, Row]]],
    cap: int,
) -> None:
    """Keep the earliest ``cap`` objects of the whole request, actives before any delete."""
    for pool in (actives, deletes):
        tagged = [[(t[0], t[1], name) for t in pool[name]] for name in names]
        kept: dict[str, int] = dict.fromkeys(names, 0)
        for _, _, name in merge(*tagged):
            if cap <= 0:
                break
            kept[name] += 1
            cap -= 1
        for name in names:
            pool[name] = pool[name][: kept[name]]
