"""``contacts: person`` through the target against the sandbox: the primary contact becomes a
person linked to the organization, matched by email before anything is created, never blanked;
an unchanged rerun costs nothing, a changed phone one PATCH that keeps the person's others."""

from __future__ import annotations

from typing import Any

from ledgerlink import db
from target_pipedrive import contactstore
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, customer, stats
from tests.target_pipedrive.singer_io import TargetRun, customers_input, run_target

PERSON = {"contacts": "person", "backoff_base_seconds": 0.01}


def _contact(
    customer_id: str, name: str, first: str, email: str | None, **more: Any
) -> dict[str, Any]:
    extra: dict[str, Any] = {"GivenName": first, "FamilyName": "Tester", **more}
    if email:
        extra["PrimaryEmailAddr"] = {"Address": email}
    return customer(customer_id, name, **extra)


def _run(*records: dict[str, Any]) -> TargetRun:
    return run_target(customers_input(list(records)), **PERSON)


def _persons(pd: PipedriveSandbox, email: str) -> list[dict[str, Any]]:
    return [
        p
        for p in pd.rows("person")
        if not p["is_deleted"] and any(e["value"] == email for e in p["emails"])
    ]


def _person(pd: PipedriveSandbox, person_id: int) -> dict[str, Any]:
    person = pd.service.state.store.get("person", person_id)
    assert person is not None
    return dict(person)


def _person_rows() -> dict[str, contactstore.PersonMapping]:
    with db.connection() as conn:
        return contactstore.load(conn, TENANT)


def _org_of(customer_id: str) -> int:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT pipedrive_org_id FROM customer_org_map WHERE qbo_customer_id = %s",
            (customer_id,),
        ).fetchone()
    assert row is not None
    return int(row["pipedrive_org_id"])


def test_contacts_become_persons_matched_by_email_and_never_blanked(pd: PipedriveSandbox) -> None:
    known = next(p for p in pd.rows("person") if p["emails"] and not p["phones"])
    known_email = known["emails"][0]["value"]
    new = _contact("9301", "Contact New Ltd", "Ada", "ada@contact-new.example")
    existing = _contact("9302", "Contact Known Ltd", "Somebody", known_email.upper())
    first = _run(new, existing)
    assert first.exit_code == 0
    assert "target-pipedrive: contacts → persons: create 1, noop 1" in first.report
    (created,) = _persons(pd, "ada@contact-new.example")
    assert created["name"] == "Ada Tester" and created["org_id"] == _org_of("9301")
    assert len(_persons(pd, known_email)) == 1  # adopted, not duplicated, not renamed
    assert _person(pd, known["id"])["name"] == known["name"]
    rows = _person_rows()
    assert rows["9301"].person_id == created["id"] and rows["9302"].person_id == known["id"]

    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()
    unchanged = _run(new, existing)
    assert "target-pipedrive: contacts → persons: noop 2" in unchanged.report
    assert stats(pd) == {}

    no_email = _contact("9301", "Contact New Ltd", "Ada", None)  # QuickBooks lost the email
    blank = _run(no_email)
    assert blank.exit_code == 0
    assert stats(pd) == {}  # nothing cleared
    assert _persons(pd, "ada@contact-new.example")

    phoned = {**new, "PrimaryPhone": {"FreeFormNumber": "555-0101"}}
    changed = _run(phoned)
    assert "target-pipedrive: contacts → persons: update 1" in changed.report
    assert stats(pd) == {
        "GET /api/v2/persons/{id}": 1,
        "PATCH /api/v2/persons/{id}": 1,
    }
    person = _person(pd, created["id"])
    assert [p["value"] for p in person["phones"]] == ["555-0101"]
    assert [e["value"] for e in person["emails"]] == ["ada@contact-new.example"]


def test_a_pending_contact_is_found_again_by_email_not_created_twice(
    pd: PipedriveSandbox,
) -> None:
    record = _contact("9401", "Crashy Contacts Ltd", "Bo", "bo@crashy.example")
    assert run_target(customers_input([record]), backoff_base_seconds=0.01).exit_code == 0
    # As after a crash between the create and its row: the person exists, the row is pending.
    landed = pd.create("person", name="Bo Tester", emails=[{"value": "bo@crashy.example"}])
    with db.connection() as conn:
        contactstore.mark_pending(conn, TENANT, "9401")
    again = _run(record)
    assert again.exit_code == 0
    assert [p["id"] for p in _persons(pd, "bo@crashy.example")] == [landed["id"]]
    assert _person_rows()["9401"].person_id == landed["id"]
