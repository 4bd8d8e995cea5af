"""The target's rows: ``qbo_reference`` (items, terms, customers kept between runs),
``invoice_order_map`` (one order per invoice, written ahead of every send) and
``pending_invoices`` (invoices waiting for payment). Parametrized SQL only.

Each function takes an open connection; the caller's ``with db.connection(url)`` block is the
transaction. ``write_ahead`` must be committed before the createorders request it announces:
that is what turns a crash between the request and its answer into a resend under the same
orderKey (an update in ShipStation), never a second order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from ledgerlink import audit
from ledgerlink.audit import jsonb
from target_shipstation.plan import Mapped

Connection = psycopg.Connection[Any]
ENTITIES = ("item", "term", "customer")


# --- reference records --------------------------------------------------------------------------
def save_references(
    conn: Connection, tenant: str, entity: str, records: Iterable[Mapping[str, Any]]
) -> int:
    rows = [
        (tenant, entity, str(r["Id"]), jsonb(dict(r)), r.get("Active") is not False)
        for r in records
        if r.get("Id") is not None
    ]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO qbo_reference (tenant, entity, qbo_id, data, active, updated_at)
                VALUES (%s, %s, %s, %s, %s, now())
                ON CONFLICT (tenant, entity, qbo_id) DO UPDATE
                    SET data = EXCLUDED.data, active = EXCLUDED.active, updated_at = now()
                """,
                rows,
            )
    return len(rows)


def load_references(
    conn: Connection, tenant: str, entity: str, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = conn.execute(
        "SELECT qbo_id, data FROM qbo_reference"
        " WHERE tenant = %s AND entity = %s AND qbo_id = ANY(%s)",
        (tenant, entity, wanted),
    ).fetchall()
    return {row["qbo_id"]: dict(row["data"]) for row in found}


def load_all_references(conn: Connection, tenant: str, entity: str) -> dict[str, dict[str, Any]]:
    """Every kept record of a small entity (items, terms: a company has hundreds, not more)."""
    found = conn.execute(
        "SELECT qbo_id, data FROM qbo_reference WHERE tenant = %s AND entity = %s",
        (tenant, entity),
    ).fetchall()
    return {row["qbo_id"]: dict(row["data"]) for row in found}


# --- the order mapping ----------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderRow:
    qbo_invoice_id: str
    order_key: str
    order_number: str | None
    shipstation_order_id: int | None
    state: str
    order_status: str | None
    payload_digest: str | None
    paid_on: date | None
    attempts: int

    @property
    def mapped(self) -> Mapped:
        return Mapped(self.state, self.order_status, self.payload_digest)


_COLUMNS = (
    "qbo_invoice_id, order_key, order_number, shipstation_order_id, state, order_status,"
    " payload_digest, paid_on, attempts"
)


def load_orders(conn: Connection, tenant: str, invoice_ids: Iterable[str]) -> dict[str, OrderRow]:
    wanted = sorted(set(invoice_ids))
    if not wanted:
        return {}
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM invoice_order_map"  # noqa: S608 - constant column list
        " WHERE tenant = %s AND qbo_invoice_id = ANY(%s)",
        (tenant, wanted),
    ).fetchall()
    return {row["qbo_invoice_id"]: OrderRow(**row) for row in found}


@dataclass(frozen=True)
class Announced:
    """An order about to be sent: what the write-ahead row records."""

    invoice_id: str
    doc_number: str | None
    order_key: str
    order_number: str
    realm_id: str
    items_ordered: int
    # The invoice's customer: the read-back finds the linked deal through it (migration 0006).
    customer_id: str | None = None


def write_ahead(conn: Connection, tenant: str, orders: Iterable[Announced]) -> None:
    """``submitting`` rows for orders about to be sent (a committed or cancelled row keeps its
    state: only rows without a committed order are announced)."""
    rows = [
        (tenant, o.invoice_id, o.doc_number, o.order_key, o.order_number, o.realm_id,
         o.items_ordered, o.customer_id)
        for o in orders
    ]  # fmt: skip
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO invoice_order_map (tenant, qbo_invoice_id, doc_number, order_key,
                    order_number, realm_id, items_ordered, qbo_customer_id, state)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'submitting')
                ON CONFLICT (tenant, qbo_invoice_id) DO UPDATE
                    SET doc_number = EXCLUDED.doc_number, order_number = EXCLUDED.order_number,
                        items_ordered = EXCLUDED.items_ordered, state = 'submitting',
                        qbo_customer_id = COALESCE(EXCLUDED.qbo_customer_id,
                                                   invoice_order_map.qbo_customer_id),
                        updated_at = now()
                """,
                rows,
            )


_SENT = """
    UPDATE invoice_order_map
       SET state = %s, shipstation_order_id = COALESCE(%s, shipstation_order_id),
           order_status = %s, payload_digest = COALESCE(%s, payload_digest),
           paid_on = COALESCE(%s, paid_on), items_ordered = COALESCE(%s, items_ordered),
           order_number = COALESCE(%s, order_number),
           fulfilment = CASE WHEN %s = 'cancelled' THEN 'cancelled' ELSE fulfilment END,
           error = NULL, attempts = 0, updated_at = now()
     WHERE tenant = %s AND qbo_invoice_id = %s
"""


def record_sent(
    conn: Connection,
    tenant: str,
    invoice_id: str,
    *,
    state: str,
    order_id: int | None,
    order_status: str | None,
    digest: str | None,
    paid_on: date | None,
    items_ordered: int | None = None,
    order_number: str | None = None,
) -> None:
    """A send ShipStation accepted (created, updated or cancelled)."""
    conn.execute(
        _SENT,
        (state, order_id, order_status, digest, paid_on, items_ordered, order_number, state,
         tenant, invoice_id),
    )  # fmt: skip


@dataclass(frozen=True)
class Created:
    invoice_id: str
    order_id: int | None
    order_status: str | None
    digest: str | None
    paid_on: date | None


def record_created(conn: Connection, tenant: str, created: Sequence[Created]) -> None:
    """The orders of one createorders batch ShipStation accepted, in one round trip (a run may
    create thousands), and their invoices no longer pending."""
    conn.execute(
        """
        UPDATE invoice_order_map AS m
           SET state = 'created',
               shipstation_order_id = COALESCE(v.order_id, m.shipstation_order_id),
               order_status = v.status, payload_digest = COALESCE(v.digest, m.payload_digest),
               paid_on = COALESCE(v.paid_on, m.paid_on), error = NULL, attempts = 0,
               updated_at = now()
          FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::date[])
               AS v (invoice_id, order_id, status, digest, paid_on)
         WHERE m.tenant = %s AND m.qbo_invoice_id = v.invoice_id
        """,
        ([c.invoice_id for c in created], [c.order_id for c in created],
         [c.order_status for c in created], [c.digest for c in created],
         [c.paid_on for c in created], tenant),
    )  # fmt: skip
    conn.execute(
        "UPDATE pending_invoices SET resolved_at = now()"
        " WHERE tenant = %s AND qbo_invoice_id = ANY(%s) AND resolved_at IS NULL",
        (tenant, [c.invoice_id for c in created]),
    )


def record_failed(conn: Connection, tenant: str, invoice_id: str, reason: str) -> None:
    """A send ShipStation refused: retried on the next run (same orderKey)."""
    conn.execute(
        """
        UPDATE invoice_order_map
           SET state = CASE WHEN state = 'submitting' THEN 'failed' ELSE state END,
               error = %s, attempts = attempts + 1, updated_at = now()
         WHERE tenant = %s AND qbo_invoice_id = %s
        """,
        (reason, tenant, invoice_id),
    )


def record_status(
    conn: Connection, tenant: str, invoice_id: str, order_status: str | None, note: str
) -> None:
    """What ShipStation says of an order we may no longer change (shipped, cancelled there)."""
    conn.execute(
        "UPDATE invoice_order_map SET order_status = COALESCE(%s, order_status), error = %s,"
        " updated_at = now() WHERE tenant = %s AND qbo_invoice_id = %s",
        (order_status, note, tenant, invoice_id),
    )


def invoices_to_retry(conn: Connection, tenant: str, stream: str) -> list[audit.Retry]:
    """Invoices whose last decision was a failure (or a replay a person asked for), as they were
    then: decided again on every run until they go through, even when the tap does not send them
    again (an incremental run carries only changed invoices; the fix may be an item's SKU)."""
    return audit.to_retry(conn, tenant, stream)


def forget_digest(conn: Connection, tenant: str, invoice_id: str) -> None:
    """A replay: the next decision sends the order body even if unchanged."""
    conn.execute(
        "UPDATE invoice_order_map SET payload_digest = NULL, updated_at = now()"
        " WHERE tenant = %s AND qbo_invoice_id = %s",
        (tenant, invoice_id),
    )


# --- pending invoices -----------------------------------------------------------------------------
def wait(
    conn: Connection,
    tenant: str,
    invoice_id: str,
    *,
    doc_number: str | None,
    terms: str | None,
    balance: Any,
    reason: str,
) -> None:
    conn.execute(
        """
        INSERT INTO pending_invoices (tenant, qbo_invoice_id, doc_number, terms, balance, reason)
        VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (tenant, qbo_invoice_id) DO UPDATE
            SET doc_number = EXCLUDED.doc_number, terms = EXCLUDED.terms,
                balance = EXCLUDED.balance, reason = EXCLUDED.reason, resolved_at = NULL
        """,
        (tenant, invoice_id, doc_number, terms, balance, reason),
    )


def resolve(conn: Connection, tenant: str, invoice_id: str) -> None:
    conn.execute(
        "UPDATE pending_invoices SET resolved_at = now()"
        " WHERE tenant = %s AND qbo_invoice_id = %s AND resolved_at IS NULL",
        (tenant, invoice_id),
    )
