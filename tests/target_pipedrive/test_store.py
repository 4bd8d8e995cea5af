"""customer_org_map states and sync_audit rows, on a fresh database."""

from __future__ import annotations

import psycopg
import pytest

from ledgerlink import db
from target_pipedrive import store
from target_pipedrive.store import AuditEntry

T = "acme"


def test_a_mapping_goes_pending_then_linked_and_a_link_is_never_undone_by_a_retry(
    clean_db: str,
) -> None:
    with db.connection() as conn:
        store.mark_pending(conn, T, "1")
    with db.connection() as conn:
        pending = store.get_mapping(conn, T, "1")
        assert pending is not None and pending.state == "pending" and not pending.linked
        store.link(conn, T, "1", 501, "created", {"name": "Acme"})
        store.mark_pending(conn, T, "1")  # a late retry of the same create changes nothing
        store.record_ambiguous(conn, T, "1", [7, 8])  # nor does a later ambiguity
    with db.connection() as conn:
        linked = store.load_mappings(conn, T)["1"]
    assert (linked.state, linked.pipedrive_org_id, linked.match_method) == (
        "linked",
        501,
        "created",
    )
    assert linked.last_pushed == {"name": "Acme"}


def test_an_ambiguous_customer_keeps_its_candidates_until_linked(clean_db: str) -> None:
    with db.connection() as conn:
        store.record_ambiguous(conn, T, "2", [11, 12])
        ambiguous = store.get_mapping(conn, T, "2")
        assert ambiguous is not None and ambiguous.candidates == (11, 12)
        store.link(conn, T, "2", 12, "manual", {})
        linked = store.get_mapping(conn, T, "2")
    assert linked is not None and linked.linked and linked.candidates == ()


def test_one_organization_serves_one_customer(clean_db: str) -> None:
    with db.connection() as conn:
        store.link(conn, T, "3", 900, "name", {})
    with pytest.raises(psycopg.errors.UniqueViolation), db.connection() as conn:
        store.link(conn, T, "4", 900, "name", {})


def test_an_ambiguous_row_without_candidates_is_refused(clean_db: str) -> None:
    with pytest.raises(psycopg.errors.CheckViolation), db.connection() as conn:
        conn.execute(
            "INSERT INTO customer_org_map (tenant, qbo_customer_id, state) VALUES (%s, %s, %s)",
            (T, "5", "ambiguous"),
        )


def test_decisions_are_audited(clean_db: str) -> None:
    entries = [
        AuditEntry("customers", "1", "update", "501", {"Phone": {"before": "1", "after": "2"}}),
        AuditEntry("customers", "2", "ambiguous", changed={"candidates": [11, 12]}),
        AuditEntry("customers", "?", "fail", error="a customer record without an Id"),
    ]
    with db.connection() as conn:
        assert store.audit(conn, T, "run-1", entries, dry_run=True) == 3
        rows = conn.execute(
            "SELECT source_key, target_key, action, changed, error, dry_run FROM sync_audit"
            " WHERE run_id = %s ORDER BY id",
            ("run-1",),
        ).fetchall()
    assert [r["action"] for r in rows] == ["update", "ambiguous", "fail"]
    assert rows[0]["changed"] == {"Phone": {"before": "1", "after": "2"}}
    assert all(r["dry_run"] for r in rows)
