"""Merged and deleted QuickBooks customers through the Target in this process: the loser's
mapping is marked inactive and points at the survivor (whose organization the view
``customer_organization`` then names); nothing is deleted or renamed in Pipedrive."""

from __future__ import annotations

from typing import Any

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, customer, stats
from tests.target_pipedrive.singer_io import customers_input, run_target

FAST = {"backoff_base_seconds": 0.01}


def _rows(table: str) -> dict[str, dict[str, Any]]:
    with db.connection() as conn:
        found = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - test constant
    return {r["qbo_customer_id"]: r for r in found}


def test_a_merged_customer_points_at_the_survivor_and_nothing_is_deleted(
    pd: PipedriveSandbox,
) -> None:
    survivor = customer("9601", "Merge Survivor Co")
    loser = customer("9602", "Merge Loser Inc")
    assert run_target(customers_input([survivor, loser]), **FAST).exit_code == 0
    before = _rows("customer_org_map")
    loser_org = before["9602"]["pipedrive_org_id"]
    # QuickBooks: 9602 renamed to the survivor's name and merged: deactivated, "(deleted)".
    merged = customer("9602", "Merge Survivor Co (deleted)", Active=False)
    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()
    done = run_target(customers_input([merged], bookmark="b2"), **FAST)
    assert done.exit_code == 0, done.report
    assert "target-pipedrive: customers skipped: 1 merged into another customer" in done.report
    assert stats(pd) == {}  # no request: the loser's organization is left as it is
    row = _rows("customer_org_map")["9602"]
    assert (row["state"], row["active"], row["merged_into"]) == ("merged", False, "9601")
    view = _rows("customer_organization")
    assert view["9602"]["pipedrive_org_id"] == before["9601"]["pipedrive_org_id"]
    orgs = {o["id"]: o for o in pd.rows("organization")}
    assert orgs[loser_org]["name"] == "Merge Loser Inc" and not orgs[loser_org]["is_deleted"]
    with db.connection() as conn:
        (audited,) = conn.execute(
            "SELECT action, changed - 'record' AS changed FROM sync_audit"
            " WHERE source_key = '9602' AND action = 'update'"
        ).fetchall()
    assert audited["changed"] == {
        "merged_into": "9601",
        "organization": {"before": loser_org, "after": before["9601"]["pipedrive_org_id"]},
    }
    again = run_target(customers_input([merged], bookmark="b3"), **FAST)
    assert again.exit_code == 0 and stats(pd) == {}  # merged once: skipped from now on
    with db.connection() as conn:
        latest = conn.execute(
            "SELECT action, changed FROM latest_decisions WHERE source_key = '9602'"
        ).fetchone()
    assert latest is not None and latest["action"] == "skip"
    assert latest["changed"] == {"reason": "merged into customer 9601 in QuickBooks"}


def test_a_deactivated_customer_without_a_survivor_is_marked_not_merged(
    pd: PipedriveSandbox,
) -> None:
    record = customer("9611", "Lonely Ltd")
    assert run_target(customers_input([record]), **FAST).exit_code == 0
    gone = customer("9611", "Lonely Ltd (deleted)", Active=False)
    done = run_target(customers_input([gone], bookmark="b2"), **FAST)
    assert done.exit_code == 0
    row = _rows("customer_org_map")["9611"]
    assert row["state"] == "linked" and row["merged_into"] is None
    (org,) = [o for o in pd.rows("organization") if o["id"] == row["pipedrive_org_id"]]
    client = PipedriveClient.for_tenant(TENANT)
    try:
        (status,) = [
            f for f in client.organization_fields() if f["field_name"] == "QuickBooks Status"
        ]
    finally:
        client.close()
    inactive = next(o["id"] for o in status["options"] if o["label"] == "Inactive")
    assert org["custom_fields"][status["field_code"]] == inactive  # marked, nothing deleted
    assert not org["is_deleted"]
