"""``meltano run customers-to-pipedrive`` end to end: the installed plugins of the session's
project copy (``tests/plugins/conftest.world``), real processes, the sandbox's ``small`` seed
(1,000 QuickBooks customers; a Pipedrive company already holding organizations named like about
half of them, some ambiguous, some carrying the QuickBooks Id).

One tenant walks through what a company sees: the first run links or creates one organization
per customer without blanking anything and reports the ambiguous names; a full rerun with
nothing changed makes no Pipedrive request; 1 % of the customers changed in QuickBooks means
exactly one PATCH for each of their organizations, carrying only the changed field. The same
meltano invocation then runs ``deals-to-links``, which links the company's deals to the
customers of their organizations, writing nothing to Pipedrive (one start-up fewer).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ledgerlink import db
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.pipedrive.service import PipedriveService
from target_pipedrive.values import is_empty
from tests import leakcheck
from tests.plugins.conftest import Invoked, World, env_name, world
from tests.tap_quickbooks.conftest import small_server
from tests.tap_quickbooks.helpers import Qbo

__all__ = ["small_server", "world"]
TENANT = "smallco"
JOB = "customers-to-pipedrive"
# The sandbox environment of meltano.yml pins LEDGERLINK_TENANT; a setting's own variable wins.
TENANT_ENV = {
    env_name(plugin, "tenant"): TENANT
    for plugin in (
        "tap-quickbooks",
        "tap-quickbooks--customers",
        "tap-pipedrive",
        "tap-pipedrive--deals",
        "target-pipedrive",
    )
}


@dataclass
class Company:
    """The small seed's sandbox, connected as tenant ``smallco``."""

    world: World
    qbo: Qbo
    pipedrive: httpx.Client

    @property
    def service(self) -> PipedriveService:
        service = self.qbo.sandbox.services["pipedrive"]
        assert isinstance(service, PipedriveService)
        return service

    def organizations(self) -> dict[int, dict[str, Any]]:
        rows = self.service.state.store.rows("organization")
        return {int(r["id"]): r for r in rows if not r["is_deleted"]}

    def requests(self) -> dict[str, int]:
        routes = self.pipedrive.get("/_sandbox/stats").json()["routes"]
        return {k: n for k, n in routes.items() if " /_sandbox" not in k}

    def generated(self) -> dict[str, Any]:
        return dict(self.pipedrive.get("/_sandbox/generated").json())

    def run(self, *args: str, jobs: tuple[str, ...] = (JOB,)) -> Invoked:
        project = self.world.project
        done = subprocess.run(
            project.meltano("run", "--state-id-suffix", TENANT, *args, *jobs),
            cwd=project.root,
            env=project.env | TENANT_ENV,
            capture_output=True,
            text=True,
            timeout=900,
        )
        leakcheck.record_output(done.stdout + done.stderr)
        return Invoked(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def company(world: World, small_server: Qbo) -> Iterator[Company]:
    qbo = small_server
    qbo.sandbox.clock.reset()
    qbo.reset_data()
    pipedrive = httpx.Client(base_url=qbo.sandbox.url("pipedrive"), timeout=60)
    body = {"data": True, "settings": True, "tokens": True}
    pipedrive.post("/_sandbox/reset", json=body).raise_for_status()
    store = TokenStore()
    qbo.connect(store, TENANT)
    creds = pipedrive.get("/_sandbox/credentials").json()
    leakcheck.add_issued({creds["api_token"]})
    store.save(
        TENANT,
        "pipedrive",
        auth_kind="api_token",
        api_url=qbo.sandbox.url("pipedrive"),
        account_id=creds["company_domain"],
        secrets={"api_token": creds["api_token"]},
    )
    yield Company(world, qbo, pipedrive)
    pipedrive.close()


def _filled(org: dict[str, Any]) -> set[str]:
    top = {k for k, v in org.items() if k != "custom_fields" and not is_empty(v)}
    custom = {f"custom:{k}" for k, v in (org.get("custom_fields") or {}).items() if not is_empty(v)}
    return top | custom


def _mapping() -> dict[str, dict[str, Any]]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state, match_method, candidates"
            " FROM customer_org_map WHERE tenant = %s",
            (TENANT,),
        ).fetchall()
    return {r["qbo_customer_id"]: r for r in rows}


def _report(done: Invoked) -> list[str]:
    return [line for line in done.plugin_lines() if line.startswith("target-pipedrive: ")]


@pytest.mark.timeout(1800)
def test_customers_to_pipedrive_links_creates_reports_and_then_writes_only_changes(
    company: Company,
) -> None:
    customers = {c["Id"]: c for c in company.qbo.rows("Customer").values()}
    own = {i for i, c in customers.items() if not c.get("Job")}  # jobs: parent (default)
    before = company.organizations()

    first = company.run()
    assert first.returncode == 0, first.stderr[-3000:]
    report = _report(first)
    after = company.organizations()
    mapping = _mapping()
    assert set(mapping) == own  # every customer of its own, active or not, is decided
    generated = company.generated()
    external = generated["external_id_field"]
    carriers = Counter(
        str(o["custom_fields"].get(external))
        for o in after.values()
        if o["custom_fields"].get(external)
    )
    ambiguous = {k for k, r in mapping.items() if r["state"] == "ambiguous"}
    assert ambiguous
    for customer_id, row in mapping.items():
        if row["state"] == "linked":  # exactly one organization carries its Id: its own
            assert carriers[customer_id] == 1, customer_id
            assert after[row["pipedrive_org_id"]]["custom_fields"][external] == customer_id
        else:
            assert row["state"] == "ambiguous" and len(row["candidates"]) > 1
            line = f"target-pipedrive: customer {customer_id}: ambiguous, organizations "
            assert any(r.startswith(line) for r in report), customer_id
    active = {i for i in own if customers[i].get("Active", True)}
    assert active - ambiguous <= {k for k, r in mapping.items() if r["state"] == "linked"}
    # Pre-existing organizations were linked, not duplicated; nothing filled was blanked.
    exact = [mapping[str(i + 1)] for i in generated["exact"] if str(i + 1) in own]
    assert exact
    assert all(row["match_method"] != "created" for row in exact)
    created = sum(1 for r in mapping.values() if r["match_method"] == "created")
    assert len(after) - len(before) == created
    for org_id, org in before.items():
        assert _filled(org) <= _filled(after[org_id]), org_id
    counts = next(r for r in report if "customers → organizations:" in r)
    assert f"ambiguous {len(ambiguous)}" in counts and f"create {created}" in counts

    company.pipedrive.post("/_sandbox/reset", json={}).raise_for_status()  # stats from zero
    again = company.run("--full-refresh")
    assert again.returncode == 0, again.stderr[-3000:]
    assert company.requests() == {}
    assert any(f"noop {len(own) - len(ambiguous)}" in r for r in _report(again))

    # 1 % of the customers change in QuickBooks; the incremental run PATCHes exactly their
    # organizations, once each, with only the changed field.
    linked = sorted(k for k, r in mapping.items() if r["state"] == "linked")
    changed = set(linked[:: len(linked) // 10][:10])
    for customer_id in changed:
        row = customers[customer_id]
        company.qbo.write(
            "Customer",
            {
                "Id": customer_id,
                "SyncToken": company.qbo.rows("Customer")[customer_id]["SyncToken"],
                "sparse": True,
                "PrimaryPhone": {"FreeFormNumber": f"555-0199 ext {row['Id']}"},
            },
        )
    company.qbo.advance(120)  # past the tap's settle_seconds
    company.pipedrive.post("/_sandbox/reset", json={}).raise_for_status()
    # One meltano start-up for two jobs: the incremental customers run, then deals-to-links
    # (tap-pipedrive's deals → deal_map through the organizations just linked).
    mapping = _mapping()
    third = company.run(jobs=(JOB, "deals-to-links"))
    assert third.returncode == 0, third.stderr[-3000:]
    requests = company.requests()
    # customers-to-pipedrive: the PATCHes and nothing else, as the sandbox counted them and as
    # the target's own count says (tap-pipedrive's discovery also reads the field
    # definitions, once; deals-to-links writes nothing).
    n = len(changed)
    assert {k: v for k, v in requests.items() if not k.startswith("GET ")} == {
        "PATCH /api/v2/organizations/{id}": n
    }
    assert "GET /api/v2/organizations" not in requests  # no listing
    assert requests.get("GET /api/v2/organizationFields", 0) <= 1
    assert (
        f"target-pipedrive: {n} Pipedrive requests, {5 * n} tokens "
        f"[PATCH /api/v2/organizations/{{id}}: {n} ({5 * n} tokens)]"
    ) in _report(third)
    with db.connection() as conn:
        audited = conn.execute(
            "SELECT source_key, target_key, changed - 'record' AS changed FROM sync_audit"
            " WHERE tenant = %s AND action = 'update' AND at > now() - interval '10 minutes'"
            " AND stream = 'customers' ORDER BY id DESC LIMIT %s",
            (TENANT, len(changed)),
        ).fetchall()
    assert {r["source_key"] for r in audited} == changed
    assert all(set(r["changed"]) == {"Phone"} for r in audited)
    for r in audited:
        org = company.organizations()[int(r["target_key"])]
        code = next(k for k, v in org["custom_fields"].items() if v and "555-0199" in str(v))
        assert code  # the new phone landed in the mapped field

    by_org = {r["pipedrive_org_id"]: k for k, r in mapping.items() if r["state"] == "linked"}
    live = [d for d in company.service.state.store.rows("deal") if not d["is_deleted"]]
    expected = {int(d["id"]): by_org[d["org_id"]] for d in live if d["org_id"] in by_org}
    assert expected
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT pipedrive_deal_id, qbo_customer_id FROM deal_map"
            " WHERE tenant = %s AND unlinked_at IS NULL",
            (TENANT,),
        ).fetchall()
    linked_deals = {int(r["pipedrive_deal_id"]): r["qbo_customer_id"] for r in rows}
    archived = {int(d["id"]) for d in live if d.get("is_archived")}  # not read by default
    assert linked_deals == {k: c for k, c in expected.items() if k not in archived}
