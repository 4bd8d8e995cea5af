"""The core Pipedrive client against the sandbox: what it costs, and what it writes."""

from __future__ import annotations

import math
from typing import Any

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from target_pipedrive.fieldsetup import FieldSetup
from target_pipedrive.mapping import MappingConfig
from target_pipedrive.organizations import OrganizationSync
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, customer, stats


def test_tokens_and_requests_counted_match_the_sandbox(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    before = pd.tokens()["spent_total"]
    orgs = list(client.organizations())
    created = client.create_organization({"name": "Counted Ltd"})
    client.patch_organization(created["id"], {"website": "https://counted.example"})
    client.create_note("<b>hello</b>", org_id=created["id"])
    person = client.create_person({"name": "Ada Count", "org_id": created["id"]})
    client.patch_person(person["id"], {"name": "Ada Counted"})
    usage = client.usage()
    assert usage.tokens == pd.tokens()["spent_total"] - before
    assert usage.requests == sum(stats(pd).values())
    pages = math.ceil(len(orgs) / 500)
    assert usage.by_operation["GET /api/v2/organizations"] == (pages, 10 * pages)
    assert usage.by_operation["POST /api/v1/notes"] == (1, 10)
    assert usage.by_operation["PATCH /api/v2/organizations/{id}"] == (1, 5)


def test_listing_n_organizations_costs_one_page_per_500(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    live = pd.expected_ids("organization")
    # Fill up to just past a page boundary, so the last page holds one organization.
    for n in range(501 - len(live) % 500):
        pd.create("organization", name=f"Filler {n}")
    total = len(pd.expected_ids("organization"))
    assert total % 500 == 1
    ids = [org["id"] for org in client.organizations()]
    assert sorted(ids) == sorted(pd.expected_ids("organization"))
    assert stats(pd)["GET /api/v2/organizations"] == math.ceil(total / 500)
    assert pd.tokens()["by_operation"]["GET /api/v2/organizations"] == 10 * math.ceil(total / 500)


def test_a_missing_custom_field_is_created_then_resolved_from_the_store(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    config = MappingConfig.parse(
        {
            "organization_fields": [
                {
                    "field": "Loyalty Level",
                    "source": "Notes",
                    "type": "enum",
                    "values": {"a": "Gold", "b": "Silver"},
                },
                {"field": "Tax Number", "source": "PrimaryTaxIdentifier"},
            ]
        }
    )
    fields = FieldSetup(client, TENANT, config).fields()
    definitions = {d["field_name"]: d for d in client.organization_fields()}
    for name, kind in (
        ("Loyalty Level", "enum"),
        ("Tax Number", "varchar"),
        ("Shipping Address", "address"),
        ("QuickBooks Balance", "monetary"),
    ):
        assert definitions[name]["field_type"] == kind
        assert definitions[name]["field_code"] in fields.custom_codes
    labels = {o["label"] for o in definitions["Loyalty Level"]["options"]}
    assert labels == {"Gold", "Silver"}
    # The sandbox company already has the external-id field: adopted, not created again.
    assert fields.external_id_code == pd.field_code("organization", "QuickBooks Customer ID")
    assert [d["field_name"] for d in client.organization_fields()].count(
        "QuickBooks Customer ID"
    ) == 1
    # The next run resolves the same keys from the stored definitions, without a request.
    before = sum(stats(pd).values())
    again = FieldSetup(client, TENANT, config).fields()
    assert again == fields
    assert sum(stats(pd).values()) == before
    gold = fields.desired(customer("9", "Nine", Notes="A"))
    loyalty = definitions["Loyalty Level"]["field_code"]
    gold_id = next(o["id"] for o in definitions["Loyalty Level"]["options"] if o["label"] == "Gold")
    assert gold[loyalty] == gold_id


def test_a_patch_carries_only_the_changed_fields(
    pd: PipedriveSandbox, client: PipedriveClient
) -> None:
    tier = pd.field_code("organization", "Customer Tier")
    credit = pd.field_code("organization", "Credit Limit")
    org = pd.create(
        "organization",
        name="Patchable Inc",
        custom_fields={credit: {"value": 5000, "currency": "USD"}},
    )
    record = customer(
        "5001",
        "Patchable Inc",
        BillAddr={"Line1": "1 Elm St", "City": "Austin", "CountrySubDivisionCode": "TX"},
        PrimaryPhone={"FreeFormNumber": "555-0100"},
    )
    sync = OrganizationSync(client, TENANT, MappingConfig.parse(), run_id="r1")
    first = sync.sync([record])
    assert first.actions == {"update": 1}  # linked by name, the missing values filled in
    # Someone sets a tier in Pipedrive; QuickBooks changes the phone number only.
    gold = _option(client, tier, "Gold")
    pd.change("organization", org["id"], custom_fields={tier: gold})
    before = {k: v for k, v in _read(client, org["id"]).items() if k != "update_time"}
    changed = {**record, "PrimaryPhone": {"FreeFormNumber": "555-0199"}}
    patches = stats(pd).get("PATCH /api/v2/organizations/{id}", 0)
    second = OrganizationSync(client, TENANT, MappingConfig.parse(), run_id="r2").sync([changed])
    assert second.actions == {"update": 1}
    assert stats(pd)["PATCH /api/v2/organizations/{id}"] == patches + 1
    after = {k: v for k, v in _read(client, org["id"]).items() if k != "update_time"}
    phone = next(f.code for f in sync.fields.fields if f.mapping.field == "Phone")
    assert after["custom_fields"].pop(phone) == "555-0199"
    assert before["custom_fields"].pop(phone) == "555-0100"
    assert after == before  # tier, credit limit, address, name: untouched
    with db.connection() as conn:
        row = conn.execute(
            "SELECT changed - 'record' AS changed FROM sync_audit"
            " WHERE run_id = 'r2' AND source_key = '5001'"
        ).fetchone()
    assert row is not None
    assert row["changed"] == {"Phone": {"before": "555-0100", "after": "555-0199"}}


def test_a_person_is_found_by_email(pd: PipedriveSandbox, client: PipedriveClient) -> None:
    person = next(p for p in pd.rows("person") if not p["is_deleted"] and p["emails"])
    email = person["emails"][0]["value"]
    found = client.search_persons_by_email(email.upper())
    assert [p["id"] for p in found] == [person["id"]]
    assert client.search_persons_by_email("nobody@nowhere.example") == []
    listed = {p["id"] for p in client.persons(org_id=person["org_id"])}
    assert person["id"] in listed


def _option(client: PipedriveClient, code: str, label: str) -> int:
    field = next(f for f in client.organization_fields() if f["field_code"] == code)
    return int(next(o["id"] for o in field["options"] if o["label"] == label))


def _read(client: PipedriveClient, org_id: int) -> dict[str, Any]:
    org = client.organization(org_id)
    assert org is not None
    return org
