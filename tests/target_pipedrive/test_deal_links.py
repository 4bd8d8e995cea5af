"""tap-pipedrive ``deals`` → ``deal_map`` through the target: deal → organization → QuickBooks
customer, relinked when the organization changes, unlinked when the deal is deleted or its
organization belongs to no customer; no Pipedrive request."""

from __future__ import annotations

from typing import Any

from ledgerlink import db
from target_pipedrive import store
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, stats
from tests.target_pipedrive.singer_io import TargetRun, record, run_target, schema, state

DEAL: dict[str, Any] = {"id": {}, "org_id": {}, "status": {}, "is_deleted": {}, "title": {}}


def _deals(*deals: dict[str, Any]) -> TargetRun:
    messages = [
        schema("deals", DEAL),
        *(record("deals", {"title": "a deal", "status": "open", **d}) for d in deals),
        state({"bookmarks": {"deals": {"replication_key_value": "x"}}}),
    ]
    return run_target(messages)


def _links() -> dict[int, dict[str, Any]]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT pipedrive_deal_id, pipedrive_org_id, qbo_customer_id, unlinked_at"
            " FROM deal_map WHERE tenant = %s",
            (TENANT,),
        ).fetchall()
    return {r["pipedrive_deal_id"]: r for r in rows}


def _open(deal_id: int) -> tuple[int | None, str | None, bool]:
    row = _links()[deal_id]
    return row["pipedrive_org_id"], row["qbo_customer_id"], row["unlinked_at"] is None


def test_deals_follow_their_organization_to_the_customer(pd: PipedriveSandbox) -> None:
    with db.connection() as conn:
        store.link(conn, TENANT, "C1", 101, "manual", {})
        store.link(conn, TENANT, "C2", 102, "manual", {})

    first = _deals({"id": 1, "org_id": 101}, {"id": 2, "org_id": 101}, {"id": 3, "org_id": None})
    assert first.exit_code == 0
    assert "target-pipedrive: deals → deal_map: linked 2, no customer 1" in first.report
    assert _open(1) == (101, "C1", True)
    assert _open(2) == (101, "C1", True)
    assert _open(3) == (None, None, False)

    unchanged = _deals({"id": 1, "org_id": 101})
    assert "target-pipedrive: deals → deal_map: unchanged 1" in unchanged.report

    moved = _deals({"id": 1, "org_id": 102}, {"id": 2, "is_deleted": True, "org_id": 101})
    assert "target-pipedrive: deals → deal_map: relinked 1, unlinked 1" in moved.report
    assert _open(1) == (102, "C2", True)
    assert _open(2) == (101, None, False)

    orphaned = _deals({"id": 1, "org_id": 999})  # an organization no customer maps to
    assert "target-pipedrive: deals → deal_map: unlinked 1" in orphaned.report
    assert _open(1) == (999, None, False)

    with db.connection() as conn:  # a customer is linked to that organization later
        store.link(conn, TENANT, "C3", 999, "manual", {})
    again = _deals({"id": 1, "org_id": 999})
    assert "target-pipedrive: deals → deal_map: linked 1" in again.report
    assert _open(1) == (999, "C3", True)

    with db.connection() as conn:
        actions = conn.execute(
            "SELECT action, count(*) AS n FROM sync_audit WHERE stream = 'deals'"
            " GROUP BY action ORDER BY action"
        ).fetchall()
    assert {r["action"]: r["n"] for r in actions} == {
        "create": 3,
        "noop": 1,
        "skip": 1,
        "update": 3,
    }
    assert stats(pd) == {}
