"""Money on the CRM, the store side (migration 0005): the invoices and payments each customer has,
which customers still need a push, what was last pushed, and the payment notes sent.

Each function takes an open connection; the caller's ``with db.connection(url)`` block is the
transaction. Ingesting a batch returns the customers whose figures it may have changed: the
customer a transaction belongs to now *and* the one it belonged to before (an invoice moved to
another customer, or deleted, changes the old customer's figures too). Those customers are
marked ``dirty`` in the same transaction, so a run killed before its push leaves them for the
next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from target_pipedrive import money
from target_pipedrive.money import InvoiceRow, PaidInvoice, PaymentRow

Connection = psycopg.Connection[dict[str, Any]]


# -- ingesting records ---------------------------------------------------------------------------
def ingest_invoices(
    conn: Connection, tenant: str, records: Iterable[Mapping[str, Any]]
) -> set[str]:
    """Store a batch of invoice records (the last record of an Id wins); return the customers
    whose figures may have changed, now marked dirty."""
    latest = _latest(records)
    old = _owners(conn, "money_invoices", "qbo_invoice_id", tenant, list(latest))
    rows = {key: money.invoice_row(record) for key, record in latest.items()}
    live = [r for r in rows.values() if r is not None]
    gone = [key for key, row in rows.items() if row is None]
    with conn.cursor() as cursor:
        if live:
            cursor.executemany(
                """
                INSERT INTO money_invoices (tenant, qbo_invoice_id, qbo_customer_id, doc_number,
                    total, balance, currency, txn_date, due_date, invoice_link, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
                ON CONFLICT (tenant, qbo_invoice_id) DO UPDATE SET
                    qbo_customer_id = EXCLUDED.qbo_customer_id, doc_number = EXCLUDED.doc_number,
                    total = EXCLUDED.total, balance = EXCLUDED.balance,
                    currency = EXCLUDED.currency, txn_date = EXCLUDED.txn_date,
                    due_date = EXCLUDED.due_date, invoice_link = EXCLUDED.invoice_link,
                    updated_at = now()
                """,
                [
                    (
                        tenant,
                        r.invoice_id,
                        r.customer_id,
                        r.doc_number,
                        r.total,
                        r.balance,
                        r.currency,
                        r.txn_date,
                        r.due_date,
                        r.link,
                    )
                    for r in live
                ],
            )
        if gone:
            cursor.execute(
                "DELETE FROM money_invoices WHERE tenant = %s AND qbo_invoice_id = ANY(%s)",
                (tenant, gone),
            )
    touched = set(old.values()) | {r.customer_id for r in live}
    mark_dirty(conn, tenant, touched)
    return touched


def ingest_payments(
    conn: Connection, tenant: str, records: Iterable[Mapping[str, Any]]
) -> set[str]:
    """Store a batch of payment records; return the customers touched, now marked dirty."""
    latest = _latest(records)
    old = _owners(conn, "money_payments", "qbo_payment_id", tenant, list(latest))
    rows = {key: money.payment_row(record) for key, record in latest.items()}
    live = [r for r in rows.values() if r is not None]
    gone = [key for key, row in rows.items() if row is None]
    with conn.cursor() as cursor:
        if live:
            cursor.executemany(
                """
                INSERT INTO money_payments (tenant, qbo_payment_id, qbo_customer_id, amount,
                    currency, txn_date, invoices, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, now())
                ON CONFLICT (tenant, qbo_payment_id) DO UPDATE SET
                    qbo_customer_id = EXCLUDED.qbo_customer_id, amount = EXCLUDED.amount,
                    currency = EXCLUDED.currency, txn_date = EXCLUDED.txn_date,
                    invoices = EXCLUDED.invoices, updated_at = now()
                """,
                [
                    (
                        tenant,
                        r.payment_id,
                        r.customer_id,
                        r.amount,
                        r.currency,
                        r.txn_date,
                        Jsonb([{"id": i.invoice_id, "number": i.number} for i in r.invoices]),
                    )
                    for r in live
                ],
            )
        if gone:
            cursor.execute(
                "DELETE FROM money_payments WHERE tenant = %s AND qbo_payment_id = ANY(%s)",
                (tenant, gone),
            )
    touched = set(old.values()) | {r.customer_id for r in live}
    mark_dirty(conn, tenant, touched)
    return touched


def _latest(records: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    latest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        key = money.record_id(record)
        if not key:
            raise ValueError("a record without an Id")
        latest.pop(key, None)  # keep the stream's order: the last version of an Id wins
        latest[key] = record
    return latest


def _owners(
    conn: Connection, table: str, id_column: str, tenant: str, ids: Sequence[str]
) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT {id_column} AS id, qbo_customer_id FROM {table}"  # noqa: S608 - constants
        f" WHERE tenant = %s AND {id_column} = ANY(%s)",
        (tenant, list(ids)),
    ).fetchall()
    return {row["id"]: row["qbo_customer_id"] for row in rows}


# -- which customers to push ---------------------------------------------------------------------
def mark_dirty(conn: Connection, tenant: str, customers: Iterable[str]) -> None:
    rows = [(tenant, c) for c in sorted(set(customers))]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO money_customers (tenant, qbo_customer_id, dirty) VALUES (%s, %s, true)
                ON CONFLICT (tenant, qbo_customer_id) DO UPDATE SET dirty = true, updated_at = now()
                """,
                rows,
            )


def due_customers(conn: Connection, tenant: str, today: date) -> list[str]:
    """The customers whose figures may differ from what Pipedrive holds: marked dirty, with an
    open invoice that fell due since their figures were computed, or with a linked deal that
    never received them."""
    rows = conn.execute(
        """
        SELECT c.qbo_customer_id FROM money_customers c
        WHERE c.tenant = %(tenant)s AND (
            c.dirty
            OR EXISTS (
                SELECT 1 FROM money_invoices i
                WHERE i.tenant = c.tenant AND i.qbo_customer_id = c.qbo_customer_id
                  AND i.balance > 0 AND i.due_date < %(today)s
                  AND i.due_date >= coalesce(c.as_of, '-infinity'::date))
            OR EXISTS (
                SELECT 1 FROM deal_map d
                WHERE d.tenant = c.tenant AND d.qbo_customer_id = c.qbo_customer_id
                  AND d.unlinked_at IS NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM money_pushed p
                      WHERE p.tenant = d.tenant AND p.entity = 'deal'
                        AND p.pipedrive_id = d.pipedrive_deal_id
                        AND p.qbo_customer_id = d.qbo_customer_id)))
        ORDER BY c.qbo_customer_id
        """,
        {"tenant": tenant, "today": today},
    ).fetchall()
    return [row["qbo_customer_id"] for row in rows]


def mark_done(conn: Connection, tenant: str, customer: str, as_of: date) -> None:
    """Pipedrive holds the customer's figures as of ``as_of``."""
    conn.execute(
        "UPDATE money_customers SET dirty = false, as_of = %s, updated_at = now()"
        " WHERE tenant = %s AND qbo_customer_id = %s",
        (as_of, tenant, customer),
    )


@dataclass(frozen=True)
class CustomerMoney:
    invoices: tuple[InvoiceRow, ...]
    payments: tuple[PaymentRow, ...]


def customer_money(
    conn: Connection, tenant: str, customers: Sequence[str]
) -> dict[str, CustomerMoney]:
    """Every stored invoice and payment of ``customers``."""
    invoices: dict[str, list[InvoiceRow]] = {c: [] for c in customers}
    payments: dict[str, list[PaymentRow]] = {c: [] for c in customers}
    for row in conn.execute(
        "SELECT * FROM money_invoices WHERE tenant = %s AND qbo_customer_id = ANY(%s)",
        (tenant, list(customers)),
    ).fetchall():
        invoices[row["qbo_customer_id"]].append(
            InvoiceRow(
                invoice_id=row["qbo_invoice_id"],
                customer_id=row["qbo_customer_id"],
                doc_number=row["doc_number"],
                total=row["total"],
                balance=row["balance"],
                currency=row["currency"],
                txn_date=row["txn_date"],
                due_date=row["due_date"],
                link=row["invoice_link"],
            )
        )
    for row in conn.execute(
        "SELECT * FROM money_payments WHERE tenant = %s AND qbo_customer_id = ANY(%s)",
        (tenant, list(customers)),
    ).fetchall():
        payments[row["qbo_customer_id"]].append(
            PaymentRow(
                payment_id=row["qbo_payment_id"],
                customer_id=row["qbo_customer_id"],
                amount=row["amount"],
                currency=row["currency"],
                txn_date=row["txn_date"],
                invoices=tuple(PaidInvoice(i["id"], i.get("number")) for i in row["invoices"]),
            )
        )
    return {c: CustomerMoney(tuple(invoices[c]), tuple(payments[c])) for c in customers}


def doc_numbers(conn: Connection, tenant: str, invoice_ids: Sequence[str]) -> dict[str, str]:
    """Invoice Id → DocNumber, for the invoices the store knows."""
    if not invoice_ids:
        return {}
    rows = conn.execute(
        "SELECT qbo_invoice_id, doc_number FROM money_invoices"
        " WHERE tenant = %s AND qbo_invoice_id = ANY(%s) AND doc_number IS NOT NULL",
        (tenant, list(invoice_ids)),
    ).fetchall()
    return {row["qbo_invoice_id"]: row["doc_number"] for row in rows}


# -- where the figures go --------------------------------------------------------------------------
def organizations(conn: Connection, tenant: str, customers: Sequence[str]) -> dict[str, int]:
    """Customer → its linked, active organization (customers without one are left out)."""
    rows = conn.execute(
        "SELECT qbo_customer_id, pipedrive_org_id FROM customer_org_map"
        " WHERE tenant = %s AND qbo_customer_id = ANY(%s) AND state = 'linked' AND active"
        " AND pipedrive_org_id IS NOT NULL",
        (tenant, list(customers)),
    ).fetchall()
    return {row["qbo_customer_id"]: int(row["pipedrive_org_id"]) for row in rows}


def deals(conn: Connection, tenant: str, customers: Sequence[str]) -> dict[str, list[int]]:
    """Customer → the deals ``deal_map`` links to it now."""
    rows = conn.execute(
        "SELECT qbo_customer_id, pipedrive_deal_id FROM deal_map WHERE tenant = %s"
        " AND qbo_customer_id = ANY(%s) AND unlinked_at IS NULL ORDER BY pipedrive_deal_id",
        (tenant, list(customers)),
    ).fetchall()
    out: dict[str, list[int]] = {}
    for row in rows:
        out.setdefault(row["qbo_customer_id"], []).append(int(row["pipedrive_deal_id"]))
    return out


def pushed(conn: Connection, tenant: str, entity: str, pipedrive_id: int) -> dict[str, Any] | None:
    """What was last written to the money fields of this organization or deal (``None``: never)."""
    row = conn.execute(
        "SELECT pushed FROM money_pushed WHERE tenant = %s AND entity = %s AND pipedrive_id = %s",
        (tenant, entity, pipedrive_id),
    ).fetchone()
    return None if row is None else dict(row["pushed"])


def save_pushed(
    conn: Connection,
    tenant: str,
    entity: str,
    pipedrive_id: int,
    customer: str,
    values: Mapping[str, Any],
) -> None:
    conn.execute(
        """
        INSERT INTO money_pushed (tenant, entity, pipedrive_id, qbo_customer_id, pushed)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (tenant, entity, pipedrive_id) DO UPDATE SET
            qbo_customer_id = EXCLUDED.qbo_customer_id, pushed = EXCLUDED.pushed,
            updated_at = now()
        """,
        (tenant, entity, pipedrive_id, customer, Jsonb(dict(values))),
    )


def forget_pushed(conn: Connection, tenant: str, entity: str, pipedrive_id: int) -> None:
    conn.execute(
        "DELETE FROM money_pushed WHERE tenant = %s AND entity = %s AND pipedrive_id = %s",
        (tenant, entity, pipedrive_id),
    )


def connected_on(conn: Connection, tenant: str) -> date | None:
    """The day the tenant connected Pipedrive (the default cutoff of payment notes)."""
    row = conn.execute(
        "SELECT created_at FROM connections WHERE tenant = %s AND provider = 'pipedrive'",
        (tenant,),
    ).fetchone()
    return None if row is None else row["created_at"].astimezone(UTC).date()
