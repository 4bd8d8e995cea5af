"""OrganizationSync's safety nets against the sandbox: unknown create outcomes, the budget
reserve, dry runs, refused records."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.limits import Reserve
from ledgerlink.retry import Backoff
from target_pipedrive.fieldsetup import FieldSetup
from target_pipedrive.mapping import MappingConfig
from target_pipedrive.organizations import OrganizationSync, RunSummary
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, customer, stats


def _sync(
    client: PipedriveClient, run_id: str, *records: dict[str, object], dry: bool = False
) -> RunSummary:
    return OrganizationSync(client, TENANT, MappingConfig.parse(), run_id=run_id, dry_run=dry).sync(
        list(records)
    )


def _named(pd: PipedriveSandbox, name: str) -> list[dict[str, Any]]:
    return [o for o in pd.rows("organization") if o["name"] == name and not o["is_deleted"]]


def _audit(run_id: str) -> list[dict[str, Any]]:
    with db.connection() as conn:
        return conn.execute(
            "SELECT source_key, target_key, action, error, dry_run, changed FROM sync_audit"
            " WHERE run_id = %s ORDER BY id",
            (run_id,),
        ).fetchall()


def test_a_create_with_an_unknown_outcome_is_found_again_not_repeated(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    record = customer("7001", "Slow Answer Ltd")
    nothing = _sync(client, "empty")
    assert not nothing.actions and sum(stats(pd).values()) == 0  # empty input: no request
    impatient = PipedriveClient.for_tenant(TENANT, timeout=0.5, backoff=Backoff(base=0.01))
    pd.admin.post(
        "/_sandbox/faults",
        json={
            "kind": "delay",
            "delay_seconds": 1.5,
            "method": "POST",
            "path": "/api/v2/organizations",
            "count": 1,
        },
    ).raise_for_status()
    first = _sync(impatient, "timeout", record)
    impatient.close()
    assert first.actions == {"fail": 1}
    assert "outcome is unknown" in first.failures["7001"]
    assert stats(pd)["POST /api/v2/organizations"] == 1  # never sent twice blindly
    with db.connection() as conn:
        state = conn.execute(
            "SELECT state FROM customer_org_map WHERE qbo_customer_id = '7001'"
        ).fetchone()
    assert state == {"state": "pending"}
    # Say the create did land (the answer was lost): the rerun finds it by the external id.
    external = pd.field_code("organization", "QuickBooks Customer ID")
    landed = pd.create("organization", name="Slow Answer Ltd", custom_fields={external: "7001"})
    again = _sync(client, "rerun", record)
    assert again.actions == {"update": 1}
    assert stats(pd)["POST /api/v2/organizations"] == 1
    assert len(_named(pd, "Slow Answer Ltd")) == 1
    assert _audit("rerun")[0]["target_key"] == str(landed["id"])


def test_the_budget_reserve_stops_the_run_cleanly(pd: PipedriveSandbox) -> None:
    records = [customer(str(8000 + n), f"Budget Customer {n}") for n in range(6)]
    client = PipedriveClient.for_tenant(TENANT, reserve=Reserve(tokens=1000))
    # Field definitions + listing + creates: leave room for only a few creates.
    pd.set_remaining(1000 + 10 + 10 * 2 + 5 * 2 + 40)
    summary = _sync(client, "budget", *records)
    assert summary.stopped is not None
    assert 0 < summary.actions["create"] < len(records)
    assert summary.left == len(records) - summary.actions["create"]
    assert pd.tokens()["remaining"] >= 1000
    assert any("budget" in line for line in summary.lines())
    assert summary.usage is not None
    assert f"{summary.usage.tokens} tokens" in summary.lines()[-1]


def test_a_dry_run_writes_nothing_and_audits_the_plan(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    existing = pd.rows("organization")[0]
    records = [customer("9001", "Dry Run Newco"), customer("9002", str(existing["name"]))]
    _sync(client, "fields")  # nothing: no request
    FieldSetup(client, TENANT, MappingConfig.parse()).fields()
    writes = {k: n for k, n in stats(pd).items() if not k.startswith("GET")}
    summary = _sync(client, "dry", *records, dry=True)
    assert summary.actions["create"] == 1
    assert {k: n for k, n in stats(pd).items() if not k.startswith("GET")} == writes
    rows = _audit("dry")
    assert all(r["dry_run"] for r in rows)
    planned = next(r for r in rows if r["source_key"] == "9001")
    assert planned["action"] == "create"
    assert planned["changed"]["Name"] == {"before": None, "after": "Dry Run Newco"}
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM customer_org_map").fetchone() == {"n": 0}


def test_a_refused_record_is_audited_and_the_others_land(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    records = [
        customer("9101", "Fine One"),
        customer("9102", "Refused"),
        customer("9103", "Fine Two"),
    ]
    _sync(client, "fields")
    FieldSetup(client, TENANT, MappingConfig.parse()).fields()
    pd.admin.post(
        "/_sandbox/faults",
        json={
            "kind": "status",
            "status": 400,
            "method": "POST",
            "path": "/api/v2/organizations",
            "count": 1,
            "skip": 1,
        },
    ).raise_for_status()
    summary = _sync(client, "refusal", *records, {"DisplayName": "no id"})
    assert summary.actions == {"create": 2, "fail": 2}
    assert set(summary.failures) == {"9102", "?"}
    assert "HTTP 400" in summary.failures["9102"]
    assert _named(pd, "Fine Two") and not _named(pd, "Refused")


def test_a_customer_seen_twice_in_a_batch_ends_as_its_last_record(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    first = customer("9201", "Twice Ltd", PrimaryPhone={"FreeFormNumber": "555-0001"})
    _sync(client, "one", first)
    changed = {**first, "PrimaryPhone": {"FreeFormNumber": "555-0002"}}
    summary = _sync(client, "two", changed, first)  # changed, then changed back
    assert summary.actions == {"update": 2}
    org = _named(pd, "Twice Ltd")[0]
    phone = next(
        f["field_code"] for f in client.organization_fields() if f["field_name"] == "Phone"
    )
    assert org["custom_fields"][phone] == "555-0001"
    assert _sync(client, "three", first).actions == {"noop": 1}


def test_a_custom_field_deleted_in_pipedrive_is_read_again_and_recreated(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    record = customer("9301", "Field Gone Inc", PrimaryPhone={"FreeFormNumber": "555-0100"})
    _sync(client, "before", record)
    phone = next(
        f["field_code"] for f in client.organization_fields() if f["field_name"] == "Phone"
    )
    client.http.request("DELETE", f"/api/v2/organizationFields/{phone}")
    changed = {**record, "PrimaryPhone": {"FreeFormNumber": "555-0199"}}
    summary = _sync(client, "after", changed)
    assert summary.actions == {"update": 1}
    recreated = next(
        f["field_code"] for f in client.organization_fields() if f["field_name"] == "Phone"
    )
    assert recreated != phone
    assert _named(pd, "Field Gone Inc")[0]["custom_fields"][recreated] == "555-0199"


@pytest.mark.parametrize("deleted_patch", ["404", "200"])
def test_a_deleted_organization_is_replaced_not_patched_blindly(
    pd: PipedriveSandbox, client: PipedriveClient, deleted_patch: str
) -> None:
    pd.settings(deleted_patch=deleted_patch)  # Pipedrive's answer is unverified: both ways
    record = customer("9401", "Deleted Later Co", PrimaryPhone={"FreeFormNumber": "555-0100"})
    _sync(client, "linked", record)
    gone = _named(pd, "Deleted Later Co")[0]["id"]
    pd.delete("organization", gone)
    changed = {**record, "PrimaryPhone": {"FreeFormNumber": "555-0199"}}
    summary = _sync(client, "relinked", changed)
    assert summary.actions == {"create": 1}
    [replacement] = _named(pd, "Deleted Later Co")
    assert replacement["id"] != gone
    with db.connection() as conn:
        row = conn.execute(
            "SELECT pipedrive_org_id, match_method FROM customer_org_map"
            " WHERE qbo_customer_id = '9401'"
        ).fetchone()
    assert row == {"pipedrive_org_id": replacement["id"], "match_method": "created"}
