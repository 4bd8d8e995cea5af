"""The read-back's rows: ``invoice_order_map`` (what is read, what was found, what the deal was
told) and ``deal_map`` (which deal, and the status label it shows). Parametrized SQL only.

Each function takes an open connection; the caller's ``with db.connection()`` block is the
transaction. ``begin_note`` must be committed before the note it announces is sent: a rerun that
finds the key still in ``noting_shipments`` looks the note up on the deal instead of sending it
twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ledgerlink import db
from ledgerlink.errors import LedgerlinkError
from ledgerlink.fulfilment.state import Fulfilment

Connection = psycopg.Connection[dict[str, Any]]


class ReadBackRunning(LedgerlinkError):
    """Another process is reading the tenant's fulfilment back right now."""


@contextmanager
def exclusive_run(tenant: str) -> Iterator[None]:
    """One read-back per tenant at a time (the CLI and a schedule may overlap): two runs could
    both find a shipment not yet noted and both send its note. A session-level advisory lock on
    a dedicated connection, so the server releases it if the process dies."""
    db.pool()  # the schema first
    key = f"ledgerlink.fulfilment:{tenant}"
    with psycopg.connect(db.dsn(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)
        ).fetchone()
        if not row or not row[0]:
            raise ReadBackRunning(
                f"a fulfilment read-back of tenant '{tenant}' is already running in another"
                " process; this one changed nothing (run it again once that one has finished)"
            )
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))


@dataclass(frozen=True)
class MappedOrder:
    """One invoice's order as the read-back sees it."""

    qbo_invoice_id: str
    doc_number: str | None
    order_number: str
    items_ordered: int
    fulfilment: str
    label: str | None
    qbo_customer_id: str | None
    noted: frozenset[str]
    noting: frozenset[str]
    readback: Mapping[str, Any] | None  # what the last read-back knew (``known.Known``)


def _mapped(row: Mapping[str, Any]) -> MappedOrder:
    return MappedOrder(
        qbo_invoice_id=row["qbo_invoice_id"],
        doc_number=row["doc_number"],
        order_number=row["order_number"],
        items_ordered=row["items_ordered"],
        fulfilment=row["fulfilment"],
        label=row["fulfilment_label"],
        qbo_customer_id=row["qbo_customer_id"],
        noted=frozenset(row["noted_shipments"] or ()),
        noting=frozenset(row["noting_shipments"] or ()),
        readback=row["readback"],
    )


_COLUMNS = (
    "qbo_invoice_id, doc_number, order_number, items_ordered, fulfilment, fulfilment_label,"
    " qbo_customer_id, noted_shipments, noting_shipments, readback"
)


def orders_to_read(conn: Connection, tenant: str, watch_days: int) -> list[MappedOrder]:
    """Orders ShipStation holds for the tenant that are not delivered yet: awaiting and partly
    shipped ones always; shipped ones until ``watch_days`` after their row last changed (V1
    labels may never report a delivery, so they cannot be read for ever)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM invoice_order_map"  # noqa: S608 - constant column list
        " WHERE tenant = %(tenant)s AND state IN ('created', 'updated')"
        " AND order_number IS NOT NULL"
        " AND (fulfilment IN ('awaiting', 'partial')"
        "      OR (fulfilment = 'shipped'"
        "          AND updated_at >= now() - make_interval(days => %(days)s)))"
        " ORDER BY created_at, qbo_invoice_id",
        {"tenant": tenant, "days": watch_days},
    ).fetchall()
    return [_mapped(r) for r in rows]


def save_fulfilment(
    conn: Connection,
    tenant: str,
    invoice_id: str,
    found: Fulfilment,
    order_status: str,
    known: Mapping[str, Any],
) -> None:
    """The state read back and what it was read from, on the invoice's mapping (``updated_at``
    moves only when the state or the shipments change)."""
    conn.execute(
        "UPDATE invoice_order_map SET fulfilment = %(state)s, fulfilment_label = %(label)s,"
        " items_shipped = %(shipped)s, items_ordered = %(ordered)s, shipments = %(shipments)s,"
        " order_status = %(status)s, readback = %(known)s, fulfilment_checked_at = now(),"
        " updated_at = CASE WHEN (fulfilment, fulfilment_label, shipments)"
        "   IS DISTINCT FROM (%(state)s, %(label)s, %(shipments)s) THEN now() ELSE updated_at END"
        " WHERE tenant = %(tenant)s AND qbo_invoice_id = %(invoice)s",
        {
            "state": found.state.value,
            "label": found.label,
            "shipped": found.shipped,
            "ordered": found.ordered,
            "shipments": Jsonb(found.shipments_json()),
            "status": order_status,
            "known": Jsonb(dict(known)),
            "tenant": tenant,
            "invoice": invoice_id,
        },
    )


def mark_checked(conn: Connection, tenant: str, invoice_ids: Sequence[str]) -> None:
    """Read back with nothing new: only ``fulfilment_checked_at`` moves."""
    conn.execute(
        "UPDATE invoice_order_map SET fulfilment_checked_at = now()"
        " WHERE tenant = %s AND qbo_invoice_id = ANY(%s)",
        (tenant, list(invoice_ids)),
    )


@dataclass(frozen=True)
class Watermark:
    """How far the tenant's last read-back listed (ShipStation's clock, Pacific wall time)."""

    seen_until: datetime | None = None
    labels_list_delivery: bool | None = None  # None: no label seen yet


def watermark(conn: Connection, tenant: str) -> Watermark:
    row = conn.execute(
        "SELECT seen_until, labels_list_delivery FROM shipstation_readback WHERE tenant = %s",
        (tenant,),
    ).fetchone()
    return Watermark() if row is None else Watermark(row["seen_until"], row["labels_list_delivery"])


def save_watermark(conn: Connection, tenant: str, mark: Watermark) -> None:
    conn.execute(
        "INSERT INTO shipstation_readback (tenant, seen_until, labels_list_delivery)"
        " VALUES (%s, %s, %s) ON CONFLICT (tenant) DO UPDATE SET"
        " seen_until = EXCLUDED.seen_until,"
        " labels_list_delivery = EXCLUDED.labels_list_delivery, updated_at = now()",
        (tenant, mark.seen_until, mark.labels_list_delivery),
    )


@dataclass(frozen=True)
class LinkedDeal:
    deal_id: int
    label: str | None  # the status last written to the deal


def linked_deal(conn: Connection, tenant: str, customer_id: str | None) -> LinkedDeal | None:
    """The customer's deal (``deal_map``): the most recently linked one still linked."""
    if customer_id is None:
        return None
    row = conn.execute(
        "SELECT pipedrive_deal_id, fulfilment_label FROM deal_map"
        " WHERE tenant = %s AND qbo_customer_id = %s AND unlinked_at IS NULL"
        " ORDER BY linked_at DESC, pipedrive_deal_id DESC LIMIT 1",
        (tenant, customer_id),
    ).fetchone()
    return None if row is None else LinkedDeal(row["pipedrive_deal_id"], row["fulfilment_label"])


def deal_status(conn: Connection, tenant: str, customer_id: str) -> str | None:
    """The label a deal shows: that of the customer's newest order read back."""
    row = conn.execute(
        "SELECT fulfilment_label FROM invoice_order_map"
        " WHERE tenant = %s AND qbo_customer_id = %s AND fulfilment_label IS NOT NULL"
        " AND state IN ('created', 'updated')"
        " ORDER BY created_at DESC, qbo_invoice_id DESC LIMIT 1",
        (tenant, customer_id),
    ).fetchone()
    return None if row is None else str(row["fulfilment_label"])


def save_deal_label(conn: Connection, tenant: str, deal_id: int, label: str) -> None:
    conn.execute(
        "UPDATE deal_map SET fulfilment_label = %s, fulfilment_pushed_at = now()"
        " WHERE tenant = %s AND pipedrive_deal_id = %s",
        (label, tenant, deal_id),
    )


def begin_note(conn: Connection, tenant: str, invoice_id: str, key: str) -> None:
    """Announces a note about to be sent (commit before sending)."""
    conn.execute(
        "UPDATE invoice_order_map SET noting_shipments = array_append(noting_shipments, %s)"
        " WHERE tenant = %s AND qbo_invoice_id = %s AND NOT (%s = ANY(noting_shipments))",
        (key, tenant, invoice_id, key),
    )


def end_note(conn: Connection, tenant: str, invoice_id: str, key: str, *, sent: bool) -> None:
    """The note's outcome: ``sent`` records it as noted for good; otherwise it is forgotten and
    the next run sends it (Pipedrive refused it, so it does not exist)."""
    conn.execute(
        "UPDATE invoice_order_map SET noting_shipments = array_remove(noting_shipments, %s),"
        " noted_shipments = CASE WHEN %s AND NOT (%s = ANY(noted_shipments))"
        "   THEN array_append(noted_shipments, %s) ELSE noted_shipments END"
        " WHERE tenant = %s AND qbo_invoice_id = %s",
        (key, sent, key, key, tenant, invoice_id),
    )


def audit(
    conn: Connection,
    tenant: str,
    run_id: str,
    stream: str,
    source_key: str,
    target_key: str | None,
    action: str,
    changed: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """One decision of the read-back in ``sync_audit`` (streams ``fulfilment``, ``deal_notes``,
    ``deal_status``), for support questions: what changed, which note went to which deal."""
    conn.execute(
        "INSERT INTO sync_audit (run_id, tenant, stream, source_key, target_key, action, changed,"
        " error) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            run_id,
            tenant,
            stream,
            source_key,
            target_key,
            action,
            None if changed is None else Jsonb(dict(changed)),
            error,
        ),
    )


def change(before: Any, after: Any) -> dict[str, Any]:
    return {"before": before, "after": after}


def tenants_with_shipstation(conn: Connection) -> Sequence[str]:
    rows = conn.execute(
        "SELECT tenant FROM connections WHERE provider = 'shipstation' AND status = 'active'"
        " ORDER BY tenant"
    ).fetchall()
    return [r["tenant"] for r in rows]
