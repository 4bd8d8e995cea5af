"""Payment notes: the text of the note a payment puts on a linked deal, and the record that keeps a
note from being sent twice.

A note carries a reference to its payment (``qbo-payment-<Id>``) in its visible text: Pipedrive
has no idempotency key, so after a create whose answer was lost the reference is how the note is
found on the deal again. The dedupe row is committed as ``sending`` before the ``POST`` leaves
and turned ``sent`` with the note's id after; a row still ``sending`` at the next run means
"maybe sent": the deal's notes are read and searched for the reference before any new ``POST``.

Every text from QuickBooks is HTML-escaped: the content is HTML and Pipedrive renders it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import psycopg

from target_pipedrive.money import PaymentRow

Connection = psycopg.Connection[dict[str, Any]]


def reference(payment_id: str) -> str:
    return f"qbo-payment-{payment_id}"


def mentions(content: str, payment_id: str) -> bool:
    """Whether a note's content carries the payment's reference (and not a longer Id's)."""
    pattern = re.escape(html.escape(reference(payment_id))) + r"(?![\w-])"
    return re.search(pattern, content) is not None


def content(payment: PaymentRow, numbers: Mapping[str, str]) -> str:
    """The note of one payment: amount, date, invoices paid (by DocNumber when known)."""
    amount = _amount(payment.amount, payment.currency)
    when = payment.txn_date.isoformat() if payment.txn_date else "an unknown date"
    paid = [numbers.get(i.invoice_id) or i.number or f"Id {i.invoice_id}" for i in payment.invoices]
    lines = [f"<b>Payment received</b>: {html.escape(amount)} on {html.escape(when)}"]
    if paid:
        label = "Invoice paid" if len(paid) == 1 else "Invoices paid"
        lines.append(f"{label}: {', '.join(html.escape(p) for p in paid)}")
    else:
        lines.append("Not applied to an invoice (credit on account)")
    lines.append(
        f"<small>QuickBooks payment {html.escape(payment.payment_id)}, "
        f"ref {html.escape(reference(payment.payment_id))}</small>"
    )
    return "".join(f"<p>{line}</p>" for line in lines)


def _amount(value: Decimal, currency: str | None) -> str:
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


# -- the dedupe rows ---------------------------------------------------------------------------
def states(
    conn: Connection, tenant: str, deal_id: int, payment_ids: Sequence[str]
) -> dict[str, str]:
    """Payment Id → ``sending`` or ``sent`` for the notes of ``deal_id`` the store knows."""
    if not payment_ids:
        return {}
    rows = conn.execute(
        "SELECT qbo_payment_id, state FROM payment_notes WHERE tenant = %s"
        " AND pipedrive_deal_id = %s AND qbo_payment_id = ANY(%s)",
        (tenant, deal_id, list(payment_ids)),
    ).fetchall()
    return {row["qbo_payment_id"]: row["state"] for row in rows}


def mark_sending(conn: Connection, tenant: str, payment_id: str, deal_id: int) -> None:
    """Announce a note; committed before the request leaves."""
    conn.execute(
        """
        INSERT INTO payment_notes (tenant, qbo_payment_id, pipedrive_deal_id, state)
        VALUES (%s, %s, %s, 'sending')
        ON CONFLICT (tenant, qbo_payment_id, pipedrive_deal_id) DO NOTHING
        """,
        (tenant, payment_id, deal_id),
    )


def mark_sent(conn: Connection, tenant: str, payment_id: str, deal_id: int, note_id: int) -> None:
    conn.execute(
        """
        INSERT INTO payment_notes (tenant, qbo_payment_id, pipedrive_deal_id, state, note_id,
                                   sent_at)
        VALUES (%s, %s, %s, 'sent', %s, now())
        ON CONFLICT (tenant, qbo_payment_id, pipedrive_deal_id) DO UPDATE SET
            state = 'sent', note_id = EXCLUDED.note_id, sent_at = now()
        """,
        (tenant, payment_id, deal_id, note_id),
    )


def forget(conn: Connection, tenant: str, payment_id: str, deal_id: int) -> None:
    """Pipedrive refused the note (it surely does not exist): the next run may send it."""
    conn.execute(
        "DELETE FROM payment_notes WHERE tenant = %s AND qbo_payment_id = %s"
        " AND pipedrive_deal_id = %s AND state = 'sending'",
        (tenant, payment_id, deal_id),
    )


def find_sent(existing: Iterable[Mapping[str, Any]], payment_id: str) -> int | None:
    """The id of a note among the deal's ``existing`` notes that carries the payment's reference."""
    for note in existing:
        text = note.get("content")
        if isinstance(text, str) and mentions(text, payment_id) and note.get("id") is not None:
            return int(note["id"])
    return None
