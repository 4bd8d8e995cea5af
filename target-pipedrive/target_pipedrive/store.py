"""The target's rows: ``customer_org_map`` (one organization per customer, and its match state)
and ``sync_audit`` (every decision). Parametrized SQL only.

Each function takes an open connection; the caller's ``with db.connection(url)`` block is the
transaction. ``mark_pending`` must be committed before the create it announces is sent: that is
what lets a rerun after a crash look the organization up instead of creating it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ledgerlink import audit as shared_audit
from ledgerlink.audit import AuditEntry as AuditEntry  # the targets' one audit row

Connection = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class OrgMapping:
    qbo_customer_id: str
    pipedrive_org_id: int | None
    state: str  # linked | pending | ambiguous
    match_method: str | None
    last_pushed: dict[str, Any]
    active: bool
    candidates: tuple[int, ...]
    merged_into: str | None = None  # state 'merged': the surviving customer (migration 0009)

    @property
    def linked(self) -> bool:
        return self.state == "linked" and self.pipedrive_org_id is not None


def _mapping(row: Mapping[str, Any]) -> OrgMapping:
    return OrgMapping(
        qbo_customer_id=row["qbo_customer_id"],
        pipedrive_org_id=row["pipedrive_org_id"],
        state=row["state"],
        match_method=row["match_method"],
        last_pushed=dict(row["last_pushed"] or {}),
        active=row["active"],
        candidates=tuple(row["candidates"] or ()),
        merged_into=row["merged_into"],
    )


_COLUMNS = (
    "qbo_customer_id, pipedrive_org_id, state, match_method, last_pushed, active, candidates,"
    " merged_into"
)


def load_mappings(conn: Connection, tenant: str) -> dict[str, OrgMapping]:
    """Every mapping of the tenant, by QuickBooks customer Id (one query per run)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM customer_org_map WHERE tenant = %s",  # noqa: S608 - constant
        (tenant,),
    ).fetchall()
    return {row["qbo_customer_id"]: _mapping(row) for row in rows}


def get_mapping(conn: Connection, tenant: str, customer_id: str) -> OrgMapping | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM customer_org_map"  # noqa: S608 - constant
        " WHERE tenant = %s AND qbo_customer_id = %s",
        (tenant, customer_id),
    ).fetchone()
    return None if row is None else _mapping(row)


def mark_pending(conn: Connection, tenant: str, customer_id: str) -> None:
    """Announce a create. A linked row is left alone (the caller already knows better)."""
    conn.execute(
        """
        INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id, state,
                                      match_method, candidates)
        VALUES (%s, %s, NULL, 'pending', 'created', NULL)
        ON CONFLICT (tenant, qbo_customer_id) DO UPDATE
            SET state = 'pending', pipedrive_org_id = NULL, match_method = 'created',
                candidates = NULL, updated_at = now()
            WHERE customer_org_map.state <> 'linked'
        """,
        (tenant, customer_id),
    )


def link(
    conn: Connection,
    tenant: str,
    customer_id: str,
    org_id: int,
    method: str,
    last_pushed: Mapping[str, Any],
) -> None:
    """The customer's organization is ``org_id`` (found by ``method``), holding ``last_pushed``."""
    conn.execute(
        """
        INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id, state,
                                      match_method, last_pushed, active, candidates)
        VALUES (%s, %s, %s, 'linked', %s, %s, true, NULL)
        ON CONFLICT (tenant, qbo_customer_id) DO UPDATE
            SET pipedrive_org_id = EXCLUDED.pipedrive_org_id, state = 'linked',
                match_method = EXCLUDED.match_method, last_pushed = EXCLUDED.last_pushed,
                active = true, candidates = NULL, updated_at = now()
        """,
        (tenant, customer_id, org_id, method, Jsonb(dict(last_pushed))),
    )


def record_ambiguous(
    conn: Connection, tenant: str, customer_id: str, candidates: Sequence[int]
) -> None:
    """Several organizations could be the customer's: keep the candidates, link nothing."""
    conn.execute(
        """
        INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id, state,
                                      match_method, candidates)
        VALUES (%s, %s, NULL, 'ambiguous', NULL, %s)
        ON CONFLICT (tenant, qbo_customer_id) DO UPDATE
            SET state = 'ambiguous', pipedrive_org_id = NULL, match_method = NULL,
                candidates = EXCLUDED.candidates, updated_at = now()
            WHERE customer_org_map.state <> 'linked'
        """,
        (tenant, customer_id, list(candidates)),
    )


def save_last_pushed(
    conn: Connection, tenant: str, customer_id: str, last_pushed: Mapping[str, Any]
) -> None:
    conn.execute(
        "UPDATE customer_org_map SET last_pushed = %s, updated_at = now()"
        " WHERE tenant = %s AND qbo_customer_id = %s",
        (Jsonb(dict(last_pushed)), tenant, customer_id),
    )


def set_active(conn: Connection, tenant: str, customer_id: str, active: bool) -> None:
    """Deleted or merged customers: the mapping is kept, marked inactive; nothing is deleted."""
    conn.execute(
        "UPDATE customer_org_map SET active = %s, updated_at = now()"
        " WHERE tenant = %s AND qbo_customer_id = %s",
        (active, tenant, customer_id),
    )


def forget_org(conn: Connection, tenant: str, customer_id: str) -> None:
    """The linked organization is gone from Pipedrive: the customer is matched again."""
    conn.execute(
        "DELETE FROM customer_org_map WHERE tenant = %s AND qbo_customer_id = %s",
        (tenant, customer_id),
    )


def audit(
    conn: Connection,
    tenant: str,
    run_id: str,
    entries: Iterable[AuditEntry],
    *,
    dry_run: bool = False,
) -> int:
    """Append decisions to ``sync_audit`` (``ledgerlink.audit``, shared with the other target);
    returns how many rows were written."""
    return shared_audit.write(conn, tenant, run_id, entries, dry_run=dry_run)


def cached_fields(
    conn: Connection, tenant: str, entity: str, max_age_seconds: float
) -> list[dict[str, Any]] | None:
    """The field definitions stored for the company, unless older than ``max_age_seconds``."""
    row = conn.execute(
        "SELECT definitions FROM pipedrive_fields WHERE tenant = %s AND entity = %s"
        " AND fetched_at > now() - make_interval(secs => %s)",
        (tenant, entity, max_age_seconds),
    ).fetchone()
    return None if row is None else list(row["definitions"])


def save_fields(
    conn: Connection, tenant: str, entity: str, definitions: Sequence[Mapping[str, Any]]
) -> None:
    conn.execute(
        """
        INSERT INTO pipedrive_fields (tenant, entity, definitions, fetched_at)
        VALUES (%s, %s, %s, now())
        ON CONFLICT (tenant, entity) DO UPDATE
            SET definitions = EXCLUDED.definitions, fetched_at = now()
        """,
        (tenant, entity, Jsonb([dict(d) for d in definitions])),
    )
