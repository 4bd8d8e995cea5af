"""Bad input through the Target against the sandbox: names longer than Pipedrive holds are cut
and audited, markup in QuickBooks text is stored as the text it is, and one record Pipedrive
refuses is named in the audit and the report while every other record lands."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import PipedriveApiError
from tests.target_pipedrive.conftest import PipedriveSandbox, customer, stats
from tests.target_pipedrive.singer_io import customers_input, run_target

FAST = {"backoff_base_seconds": 0.01}


def _audit(stream: str, source_key: str) -> list[dict[str, Any]]:
    with db.connection() as conn:
        return conn.execute(
            "SELECT action, target_key, changed, error FROM sync_audit"
            " WHERE stream = %s AND source_key = %s ORDER BY id",
            (stream, source_key),
        ).fetchall()


def _org(pd: PipedriveSandbox, org_id: str | None) -> dict[str, Any]:
    assert org_id is not None
    (org,) = [o for o in pd.rows("organization") if o["id"] == int(org_id)]
    return org


def test_the_sandbox_refuses_a_name_longer_than_a_varchar_field_holds(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    with pytest.raises(PipedriveApiError) as refused:
        client.create_organization({"name": "N" * 256})
    assert refused.value.status == 400 and "255 characters" in refused.value.message
    assert client.create_organization({"name": "N" * 255})["name"] == "N" * 255
    pd.settings(varchar_too_long="truncate")  # the other reading of the undocumented case
    assert client.create_organization({"name": "T" * 300})["name"] == "T" * 255


def test_a_long_name_is_cut_to_fit_and_audited_and_a_rerun_writes_nothing(
    pd: PipedriveSandbox,
) -> None:
    long_name = ("Very Long Holdings " * 20).strip()  # 379 characters
    contact = {"GivenName": "Jo" * 150, "PrimaryEmailAddr": {"Address": "jo@long.example"}}
    records = [customer("9401", long_name, **contact)]
    first = run_target(customers_input(records), contacts="person", **FAST)
    assert first.exit_code == 0, first.report
    (entry,) = _audit("customers", "9401")
    org = _org(pd, entry["target_key"])
    assert len(org["name"]) == 255 and org["name"].endswith("…")
    assert long_name.startswith(org["name"][:-1])
    assert entry["action"] == "create"
    assert entry["changed"]["truncated"] == [
        "Name was 379 characters; Pipedrive's varchar fields hold 255: cut to fit"
    ]
    (person_entry,) = _audit("contacts", "9401")
    assert person_entry["action"] == "create"
    assert person_entry["changed"]["truncated"][0].startswith("Name was 300 characters")
    (person,) = [p for p in pd.rows("person") if p.get("org_id") == org["id"]]
    assert len(person["name"]) == 255
    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()
    again = run_target(customers_input(records, bookmark="b2"), contacts="person", **FAST)
    assert again.exit_code == 0
    assert again.report[0] == "target-pipedrive: customers → organizations: noop 1"
    assert stats(pd) == {}  # the cut name is what was written: nothing to send again


def test_markup_in_quickbooks_text_is_stored_as_plain_text_not_markup(
    pd: PipedriveSandbox,
) -> None:
    # Organization fields are plain text in Pipedrive (only notes are HTML, reference §1.10):
    # escaping here would show "&amp;" to the user; notes escape (test_money_sink).
    name = "<script>alert('x')</script> Tom & Jerry's <b>Bakery</b>"
    done = run_target(customers_input([customer("9402", name)]), **FAST)
    assert done.exit_code == 0
    (entry,) = _audit("customers", "9402")
    assert _org(pd, entry["target_key"])["name"] == name


def test_one_record_pipedrive_refuses_is_named_and_every_other_record_lands(
    pd: PipedriveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    refuse_second = {
        "kind": "status",
        "status": 400,
        "method": "POST",
        "path": "/api/v2/organizations",
        "skip": 1,
        "count": 1,
        "body": '{"success":false,"error":"Validation failed: name: refused",'
        '"code":"ERR_SCHEMA_VALIDATION_FAILED"}',
    }
    # The field set-up creates custom fields first (POST /api/v2/organizationFields): the
    # rule's glob matches only the organizations route itself.
    answer = httpx.post(f"{pd.url}/_sandbox/faults", json=refuse_second, timeout=10)
    answer.raise_for_status()
    records = [customer(str(9410 + n), f"Refusal Test {n}") for n in range(3)]
    done = run_target(customers_input(records), **FAST)
    assert done.exit_code == 0
    assert done.report[0] == "target-pipedrive: customers → organizations: create 2, fail 1"
    # Concurrent writers: which customer's create is the refused second one varies.
    actions = {r["Id"]: [e["action"] for e in _audit("customers", r["Id"])] for r in records}
    (refused,) = [qbo_id for qbo_id, done_ in actions.items() if done_ == ["fail"]]
    assert sorted(actions.values()) == [["create"], ["create"], ["fail"]]
    (failed,) = _audit("customers", refused)
    assert "HTTP 400" in failed["error"] and "Validation failed: name: refused" in failed["error"]
    assert any(
        line.startswith(
            f"target-pipedrive: customer {refused}: failed: Pipedrive answered HTTP 400"
        )
        for line in done.report
    )
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any(f"Customer {refused}" in message for message in errors)
