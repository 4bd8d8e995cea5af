"""``customer_person_map``: the Pipedrive person of each customer's primary contact, and what
was last written to it. Parametrized SQL only; ``mark_pending`` is committed before the create it
announces is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from target_pipedrive.store import Connection


@dataclass(frozen=True)
class PersonMapping:
    qbo_customer_id: str
    person_id: int | None
    state: str  # linked | pending
    last_pushed: dict[str, Any]


def load(conn: Connection, tenant: str) -> dict[str, PersonMapping]:
    rows = conn.execute(
        "SELECT qbo_customer_id, pipedrive_person_id, state, last_pushed"
        " FROM customer_person_map WHERE tenant = %s",
        (tenant,),
    ).fetchall()
    return {
        r["qbo_customer_id"]: PersonMapping(
            r["qbo_customer_id"], r["pipedrive_person_id"], r["state"], dict(r["last_pushed"])
        )
        for r in rows
    }


def mark_pending(conn: Connection, tenant: str, customer_id: str) -> None:
    conn.execute(
        """
        INSERT INTO customer_person_map (tenant, qbo_customer_id, state)
        VALUES (%s, %s, 'pending')
        ON CONFLICT (tenant, qbo_customer_id) DO NOTHING
        """,
        (tenant, customer_id),
    )


def link(
    conn: Connection, tenant: str, customer_id: str, person_id: int, pushed: Mapping[str, Any]
) -> None:
    conn.execute(
        """
        INSERT INTO customer_person_map (tenant, qbo_customer_id, pipedrive_person_id, state,
                                         last_pushed)
        VALUES (%s, %s, %s, 'linked', %s)
        ON CONFLICT (tenant, qbo_customer_id) DO UPDATE
            SET pipedrive_person_id = EXCLUDED.pipedrive_person_id, state = 'linked',
                last_pushed = EXCLUDED.last_pushed, updated_at = now()
        """,
        (tenant, customer_id, person_id, Jsonb(dict(pushed))),
    )
