"""Pipedrive deals → ``deal_map``: which QuickBooks customer a deal belongs to, through its
organization's row in ``customer_org_map``. No Pipedrive request: tap-pipedrive's records say
everything needed.

Per deal (one tap-pipedrive ``deals`` record):

- deleted (``is_deleted``, ``status: deleted`` or ``_sdc_deleted_at``): the link is closed
  (``unlinked_at``), the row kept;
- its organization is linked to a customer: linked, or relinked when the organization or the
  customer changed (``linked_at`` renewed, ``unlinked_at`` cleared);
- otherwise (no organization, or one no customer maps to): an open link is closed, and the row
  keeps the organization so the deal is found again when its record next arrives.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from target_pipedrive.store import AuditEntry, Connection

STREAM = "deals"


class Link(enum.StrEnum):
    LINKED = "linked"
    RELINKED = "relinked"
    UNLINKED = "unlinked"
    UNCHANGED = "unchanged"
    NO_CUSTOMER = "no customer"

    @property
    def audit_action(self) -> str:
        """sync_audit's vocabulary: a first link creates, a change updates."""
        return {
            Link.LINKED: "create",
            Link.RELINKED: "update",
            Link.UNLINKED: "update",
            Link.UNCHANGED: "noop",
            Link.NO_CUSTOMER: "skip",
        }[self]


@dataclass(frozen=True)
class DealRecord:
    deal_id: int
    org_id: int | None
    deleted: bool

    @classmethod
    def parse(cls, record: Mapping[str, Any]) -> DealRecord:
        org = record.get("org_id")
        if isinstance(org, Mapping):  # v1 shape: {"value": id, "name": ...}
            org = org.get("value")
        deleted = bool(
            record.get("is_deleted")
            or record.get("status") == "deleted"
            or record.get("_sdc_deleted_at")
        )
        return cls(int(record["id"]), int(org) if org is not None else None, deleted)


def link(conn: Connection, tenant: str, deal: DealRecord) -> tuple[Link, AuditEntry]:
    """Bring the deal's row up to date; what changed, and the audit entry saying it."""
    row = conn.execute(
        "SELECT pipedrive_org_id, qbo_customer_id, unlinked_at FROM deal_map"
        " WHERE tenant = %s AND pipedrive_deal_id = %s",
        (tenant, deal.deal_id),
    ).fetchone()
    was = row["qbo_customer_id"] if row is not None and row["unlinked_at"] is None else None
    customer = None if deal.deleted else _customer_of(conn, tenant, deal.org_id)
    if customer is None:
        outcome = Link.UNLINKED if was is not None else Link.NO_CUSTOMER
        if row is None:
            if not deal.deleted:
                conn.execute(
                    "INSERT INTO deal_map (tenant, pipedrive_deal_id, pipedrive_org_id,"
                    " qbo_customer_id, unlinked_at) VALUES (%s, %s, %s, NULL, now())",
                    (tenant, deal.deal_id, deal.org_id),
                )
        else:
            org = row["pipedrive_org_id"] if deal.deleted else deal.org_id
            conn.execute(
                "UPDATE deal_map SET pipedrive_org_id = %s, qbo_customer_id = NULL,"
                " unlinked_at = coalesce(unlinked_at, now())"
                " WHERE tenant = %s AND pipedrive_deal_id = %s",
                (org, tenant, deal.deal_id),
            )
    elif row is not None and was == customer and row["pipedrive_org_id"] == deal.org_id:
        outcome = Link.UNCHANGED
    else:
        outcome = Link.RELINKED if row is not None and was is not None else Link.LINKED
        conn.execute(
            """
            INSERT INTO deal_map (tenant, pipedrive_deal_id, pipedrive_org_id, qbo_customer_id)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (tenant, pipedrive_deal_id) DO UPDATE
                SET pipedrive_org_id = EXCLUDED.pipedrive_org_id,
                    qbo_customer_id = EXCLUDED.qbo_customer_id,
                    linked_at = now(), unlinked_at = NULL
            """,
            (tenant, deal.deal_id, deal.org_id, customer),
        )
    changed = None
    if was != customer:
        changed = {"customer": {"before": was, "after": customer}}
    entry = AuditEntry(STREAM, str(deal.deal_id), outcome.audit_action, customer, changed)
    return outcome, entry


def _customer_of(conn: Connection, tenant: str, org_id: int | None) -> str | None:
    if org_id is None:
        return None
    row = conn.execute(
        "SELECT qbo_customer_id FROM customer_org_map WHERE tenant = %s"
        " AND pipedrive_org_id = %s AND state = 'linked' AND active",
        (tenant, org_id),
    ).fetchone()
    return None if row is None else str(row["qbo_customer_id"])
