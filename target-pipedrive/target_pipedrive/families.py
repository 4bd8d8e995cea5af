"""Whose organization a customer's money lands on: sub-customers (jobs) roll up to their parent
when ``jobs: parent``, merged customers to their survivor (migration 0009).

``save_parents`` keeps what the customers stream says about jobs (``Job``, ``ParentRef``);
``accounts`` groups the customers due for a money push by the customer whose organization holds
their figures (the *account*), and names every customer whose rows count for each account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from target_pipedrive import ledger
from target_pipedrive.store import Connection


def parent_of(record: Mapping[str, Any]) -> str | None:
    """A sub-customer's direct parent (``None``: a top-level customer)."""
    if not record.get("Job"):
        return None
    parent = str((record.get("ParentRef") or {}).get("value") or "").strip()
    return parent or None


def save_parents(conn: Connection, tenant: str, records: Iterable[Mapping[str, Any]]) -> None:
    """Store each customer's parent; a customer whose family changed (a new job, a job moved or
    made top-level) marks its old and new account due for a money push."""
    said = {str(r["Id"]): parent_of(r) for r in records if r.get("Id") and not _tombstone(r)}
    if not said:
        return
    rows = conn.execute(
        "SELECT qbo_customer_id, parent_id FROM customer_parents"
        " WHERE tenant = %s AND qbo_customer_id = ANY(%s)",
        (tenant, list(said)),
    ).fetchall()
    known = {row["qbo_customer_id"]: row["parent_id"] for row in rows}
    changed = {c for c, parent in said.items() if known.get(c) != parent and c != parent}
    with conn.cursor() as cursor:
        cursor.executemany(
            """
            INSERT INTO customer_parents (tenant, qbo_customer_id, parent_id) VALUES (%s, %s, %s)
            ON CONFLICT (tenant, qbo_customer_id) DO UPDATE
                SET parent_id = EXCLUDED.parent_id, updated_at = now()
            """,
            [(tenant, c, said[c]) for c in sorted(changed) if said[c]],
        )
        gone = [c for c in sorted(changed) if not said[c] and c in known]
        if gone:
            cursor.execute(
                "DELETE FROM customer_parents WHERE tenant = %s AND qbo_customer_id = ANY(%s)",
                (tenant, gone),
            )
    # The job itself (its account is computed at push time) and its former parent.
    due = changed | {known[c] for c in changed if c in known}
    if due:
        ledger.mark_dirty(conn, tenant, due)


def _tombstone(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "Deleted" or bool(record.get("_sdc_deleted_at"))


@dataclass(frozen=True)
class Accounts:
    """Due customers grouped by account, and the customers whose rows each account counts."""

    due: dict[str, list[str]]  # account → the due customers it covers
    members: dict[str, list[str]]  # account → every customer whose money it shows

    @property
    def all_members(self) -> list[str]:
        return sorted({c for group in self.members.values() for c in group})


def accounts(conn: Connection, tenant: str, due: list[str], *, roll_up_jobs: bool) -> Accounts:
    """Each due customer's account: its survivor if it was merged, then (``roll_up_jobs``) its
    top-level ancestor."""
    up = _edges(conn, tenant, roll_up_jobs)
    if not up:
        return Accounts({c: [c] for c in due}, {c: [c] for c in due})

    def account(customer: str) -> str:
        seen = {customer}
        while customer in up and up[customer] not in seen:  # a cycle stops where it closes
            customer = up[customer]
            seen.add(customer)
        return customer

    grouped: dict[str, list[str]] = {}
    for customer in due:
        grouped.setdefault(account(customer), []).append(customer)
    members: dict[str, list[str]] = {a: [a] for a in grouped}
    for customer in up:
        top = account(customer)
        if top in members and customer != top:
            members[top].append(customer)
    return Accounts(grouped, {a: sorted(m) for a, m in members.items()})


def _edges(conn: Connection, tenant: str, roll_up_jobs: bool) -> dict[str, str]:
    """Customer → the customer its money goes to one step up."""
    up: dict[str, str] = {}
    if roll_up_jobs:
        for row in conn.execute(
            "SELECT qbo_customer_id, parent_id FROM customer_parents WHERE tenant = %s", (tenant,)
        ).fetchall():
            up[row["qbo_customer_id"]] = row["parent_id"]
    for row in conn.execute(
        "SELECT qbo_customer_id, merged_into FROM customer_org_map"
        " WHERE tenant = %s AND state = 'merged'",
        (tenant,),
    ).fetchall():
        up[row["qbo_customer_id"]] = row["merged_into"]
    return up


def combined(rows: Mapping[str, ledger.CustomerMoney], members: list[str]) -> ledger.CustomerMoney:
    """The invoices and payments of every member, as one customer's."""
    invoices = tuple(i for m in members if m in rows for i in rows[m].invoices)
    payments = tuple(p for m in members if m in rows for p in rows[m].payments)
    return ledger.CustomerMoney(invoices, payments)
