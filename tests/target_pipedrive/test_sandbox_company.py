"""Every QuickBooks customer of the sandbox company (``small`` seed) through matching and the
policies: no duplicate organization, nothing blanked, and a second pass makes no request.

The QuickBooks customers are what tap-quickbooks emits from the QBO emulator; the Pipedrive
company of the same seed already holds organizations named like about half of them (exact,
case/punctuation variants, a few ambiguous pairs, some carrying the QuickBooks Id).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.tokens import TokenStore
from target_pipedrive.mapping import MappingConfig
from target_pipedrive.organizations import OrganizationSync
from target_pipedrive.values import is_empty
from tests import leakcheck
from tests.tap_quickbooks.conftest import small, small_server
from tests.tap_quickbooks.helpers import TENANT, Qbo

__all__ = ["small", "small_server"]


class Company:
    """The Pipedrive emulator of the sandbox, through its HTTP API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = httpx.Client(base_url=url, timeout=60)

    def reset(self) -> None:
        body = {"data": True, "settings": True, "tokens": True}
        self.admin.post("/_sandbox/reset", json=body).raise_for_status()
        unlimited = {plan: [10**6, 10**6] for plan in ("lite", "growth", "premium", "ultimate")}
        self.admin.patch(
            "/_sandbox/settings", json={"enforce_burst_limit": False, "burst_limits": unlimited}
        ).raise_for_status()

    def connect(self) -> None:
        creds = self.admin.get("/_sandbox/credentials").json()
        leakcheck.add_issued({creds["api_token"]})
        TokenStore().save(
            TENANT,
            "pipedrive",
            auth_kind="api_token",
            api_url=self.url,
            account_id=creds["company_domain"],
            secrets={"api_token": creds["api_token"]},
        )

    def requests(self) -> int:
        routes = self.admin.get("/_sandbox/stats").json()["routes"]
        return sum(n for k, n in routes.items() if " /_sandbox" not in k)

    def generated(self) -> dict[str, Any]:
        return dict(self.admin.get("/_sandbox/generated").json())


@pytest.fixture
def company(small: Qbo) -> Iterator[Company]:
    pipedrive = Company(small.sandbox.url("pipedrive"))
    pipedrive.reset()
    pipedrive.connect()
    yield pipedrive
    pipedrive.admin.close()


def _sync(records: list[dict[str, Any]], run_id: str) -> tuple[Any, PipedriveClient]:
    client = PipedriveClient.for_tenant(TENANT)
    summary = OrganizationSync(client, TENANT, MappingConfig.parse(), run_id=run_id).sync(records)
    client.close()
    return summary, client


def _filled(org: dict[str, Any]) -> set[str]:
    top = {k for k, v in org.items() if k != "custom_fields" and not is_empty(v)}
    custom = {f"custom:{k}" for k, v in (org.get("custom_fields") or {}).items() if not is_empty(v)}
    return top | custom


def test_every_customer_maps_to_one_organization_and_a_rerun_is_free(
    small: Qbo, company: Company
) -> None:
    customers = small.run(select=["customers"]).records["customers"]
    assert len(customers) >= 1000
    lister = PipedriveClient.for_tenant(TENANT)
    before = {org["id"]: org for org in lister.organizations()}

    first, _ = _sync(customers, "first")
    assert not first.failures
    assert sum(first.actions.values()) == len(customers)

    after = {org["id"]: org for org in lister.organizations()}
    lister.close()
    # Only creates added organizations, and no QuickBooks Id is carried twice.
    assert len(after) - len(before) == first.actions["create"]
    generated = company.generated()
    external = generated["external_id_field"]
    carried = Counter(
        str(org["custom_fields"].get(external))
        for org in after.values()
        if org["custom_fields"].get(external)
    )
    assert carried and max(carried.values()) == 1
    # Nothing that had a value in Pipedrive lost it.
    for org_id, org in before.items():
        assert _filled(org) <= _filled(after[org_id]), org_id

    with db.connection() as conn:
        rows = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state, match_method, candidates"
            " FROM customer_org_map WHERE tenant = %s",
            (TENANT,),
        ).fetchall()
    mapping = {r["qbo_customer_id"]: r for r in rows}
    assert set(mapping) == {c["Id"] for c in customers}
    for row in mapping.values():
        if row["state"] == "linked":  # its organization carries its Id
            org = after[row["pipedrive_org_id"]]
            assert org["custom_fields"][external] == row["qbo_customer_id"]
        else:
            assert row["state"] == "ambiguous" and len(row["candidates"]) > 1
    # Pre-existing organizations were linked, not duplicated; ambiguous names never guessed.
    for index in generated["exact"]:
        assert mapping[str(index + 1)]["match_method"] != "created"
    for index in generated["ambiguous"]:
        row = mapping[str(index + 1)]
        assert row["state"] == "ambiguous" or row["match_method"] == "external_id"
    assert set(first.ambiguous) == {k for k, r in mapping.items() if r["state"] == "ambiguous"}
    assert first.ambiguous

    requests = company.requests()
    second, client = _sync(customers, "second")
    assert company.requests() == requests
    assert client.usage().requests == 0
    assert second.actions == Counter(
        {"noop": len(customers) - len(first.ambiguous), "ambiguous": len(first.ambiguous)}
    )
    # 1 % of the customers change in QuickBooks: exactly their organizations get one PATCH each,
    # carrying only the changed field.
    linked = sorted((c for c in customers if c["Id"] not in first.ambiguous), key=lambda c: c["Id"])
    changed_ids = {c["Id"] for c in linked[:: len(linked) // 10][:10]}
    edited = [
        {**c, "PrimaryPhone": {"FreeFormNumber": f"555-0199 ext {c['Id']}"}}
        if c["Id"] in changed_ids
        else c
        for c in customers
    ]
    third, client = _sync(edited, "third")
    assert company.requests() == requests + len(changed_ids)
    assert client.usage().by_operation == {
        "PATCH /api/v2/organizations/{id}": (len(changed_ids), 5 * len(changed_ids))
    }
    assert third.actions["update"] == len(changed_ids)
    with db.connection() as conn:
        audited = conn.execute(
            "SELECT source_key, changed - 'record' AS changed FROM sync_audit"
            " WHERE run_id = 'third' AND action = 'update'",
        ).fetchall()
    assert {r["source_key"] for r in audited} == changed_ids
    assert all(set(r["changed"]) == {"Phone"} for r in audited)
