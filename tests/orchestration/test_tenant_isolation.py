"""Two tenants on two sandbox companies never touch each other's data.

Tenant `alpha` is connected to one sandbox, tenant `beta-co` to another; both companies come from
the same seed, so their QuickBooks and Pipedrive ids coincide (the hard case: only the tenant
tells the rows apart), and each company gets one customer of its own. For each tenant partition
the customers asset and the raw QuickBooks copy are materialized with real `meltano run`s, in
process. Each tenant's organizations land only in its own Pipedrive company, its mapping rows
carry only its own ids, its Meltano state IDs end in its name, and its raw copy is a schema of
its own (`raw_quickbooks_<tenant>`). The customers asset's metadata is checked on the way.

Slow (four real `meltano run`s: 1-3 minutes on 2 busy cores, over the default run's budget): run
with `--slow`. The default run's end-to-end test materializes every job for one tenant.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from ledgerlink import db, raw_copies
from ledgerlink_orchestration.assets.crm import customers_to_pipedrive
from ledgerlink_orchestration.assets.quickbooks import raw_quickbooks
from ledgerlink_orchestration.meltano import MeltanoResource
from ledgerlink_sandbox.pipedrive.service import PipedriveService
from ledgerlink_sandbox.quickbooks.store import RealmStore
from ledgerlink_sandbox.sandbox import Sandbox
from tests import leakcheck
from tests.orchestration.conftest import Box

pytestmark = pytest.mark.root_project  # runs `meltano` in the repository's project

# Each company's customer of its own (a name the other company does not have).
OWN_CUSTOMER = {"alpha": "Alpha Kiln Supplies", "beta-co": "Beta Loom Works"}


@pytest.fixture
def second_box(box: Box) -> Iterator[Box]:
    """Another sandbox: a second QuickBooks, Pipedrive and ShipStation company."""
    with Sandbox(seed="demo").start() as sandbox:
        other = Box(sandbox)
        yield other
        leakcheck.add_issued(other.issued())


def _add_customer(box: Box, name: str) -> str:
    """The company's bookkeeper adds a customer; its Id. The clock then moves past the tap's
    settle time, as it would before the next scheduled run."""
    store = box.sandbox.qbo.store
    assert isinstance(store, RealmStore)
    body = {"DisplayName": name, "CompanyName": name}
    with box.sandbox.qbo.lock:
        created = store.write("Customer", body, operation=None, include=set(), request_id=None)
    box.sandbox.clock.advance(61)
    return str(created["Id"])


def _customers(box: Box) -> dict[str, dict[str, Any]]:
    store = box.sandbox.qbo.store
    assert isinstance(store, RealmStore)
    with box.sandbox.qbo.lock:
        return {i: dict(row) for i, row in store.books.table("Customer").rows.items()}


def _organizations(box: Box) -> dict[int, str]:
    service = box.sandbox.services["pipedrive"]
    assert isinstance(service, PipedriveService)
    rows = service.state.store.rows("organization")
    return {int(r["id"]): str(r["name"]) for r in rows if not r["is_deleted"]}


def _materialize(
    assets: list[dg.AssetsDefinition], tenant: str, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        assets,
        partition_key=tenant,
        instance=instance,
        resources={"meltano": MeltanoResource()},
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def _mapping(tenant: str) -> list[dict[str, Any]]:
    with db.connection() as conn:
        return conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state, match_method FROM customer_org_map"
            " WHERE tenant = %s",
            (tenant,),
        ).fetchall()


def _raw_customers(url: str, schema: str) -> dict[str, str]:
    query = sql.SQL('SELECT "Id", "DisplayName" FROM {}.customers').format(sql.Identifier(schema))
    with psycopg.connect(url) as conn:
        return {str(i): str(name) for i, name in conn.execute(query)}


def _raw_schemas(database_url: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        found = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname ~ '^raw_'")
        return {r[0] for r in found}


@pytest.mark.slow
def test_two_tenants_on_two_companies_never_touch_each_others_data(
    box: Box,
    second_box: Box,
    clean_db: str,
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    boxes = {"alpha": box, "beta-co": second_box}
    for tenant, company in boxes.items():
        company.connect_quickbooks(tenant)
        company.connect_pipedrive(tenant)
    for name, value in box.sandbox.env().items():  # the app's settings: the same in both
        monkeypatch.setenv(name, value)
    meltano_db = tmp_path / "meltano.db"  # fresh: no bookmarks, each run a full sync
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{meltano_db}")
    instance.add_dynamic_partitions("tenants", list(boxes))
    own_ids = {tenant: _add_customer(boxes[tenant], OWN_CUSTOMER[tenant]) for tenant in boxes}
    seeded = {tenant: _organizations(company) for tenant, company in boxes.items()}
    earlier = _raw_schemas(clean_db)  # other tests' tenants, in the session's database

    results = {
        tenant: _materialize([customers_to_pipedrive, raw_quickbooks], tenant, instance)
        for tenant in boxes
    }
    leakcheck.record_output(caplog.text)

    for tenant, company in boxes.items():
        other = next(t for t in boxes if t != tenant)
        customers = _customers(company)
        organizations = _organizations(company)
        rows = _mapping(tenant)
        # The customers asset reports the run: every customer read, the requests it made.
        metadata = {
            m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
            for m in results[tenant].asset_materializations_for_node("customers_to_pipedrive")
        }
        assert metadata["crm/organizations"]["records_extracted"] == len(customers)
        assert metadata["crm/organizations"]["api_requests"] not in (None, 0)
        assert metadata["ledgerlink/customer_org_map"]["customer_org_map.rows"] == len(rows)

        # Organizations: its own customer's in its own company, never the other's.
        names = set(organizations.values())
        assert OWN_CUSTOMER[tenant] in names
        assert OWN_CUSTOMER[other] not in names
        created = [r for r in rows if r["state"] == "linked" and r["match_method"] == "created"]
        assert created
        assert len(organizations) == len(seeded[tenant]) + len(created)
        # Mapping rows: only its own ids, each naming a customer and an organization of its
        # own company, under the same name.
        linked = [r for r in rows if r["state"] == "linked"]
        for row in linked:
            customer = customers[str(row["qbo_customer_id"])]
            assert organizations[int(row["pipedrive_org_id"])] == customer["DisplayName"]
        mine = {str(r["qbo_customer_id"]): r for r in rows}
        own_org = int(mine[own_ids[tenant]]["pipedrive_org_id"])
        assert organizations[own_org] == OWN_CUSTOMER[tenant]
        assert {str(r["qbo_customer_id"]) for r in rows} <= customers.keys()

        # The raw copy: the tenant's own schema, holding exactly its company's customers.
        raw = _raw_customers(clean_db, raw_copies.schema("raw_quickbooks", tenant))
        assert raw == {i: str(c["DisplayName"]) for i, c in customers.items()}
        assert OWN_CUSTOMER[other] not in raw.values()

    assert _raw_schemas(clean_db) - earlier == {"raw_quickbooks_alpha", "raw_quickbooks_beta-co"}
    # Meltano's state: one state ID per tenant and job, nothing shared.
    with sqlite3.connect(meltano_db) as meltano:
        state_ids = sorted(r[0] for r in meltano.execute("SELECT state_id FROM state"))
    assert state_ids == sorted(
        f"sandbox:{tap}-to-{target}:{tenant}"
        for tenant in boxes
        for tap, target in (
            ("tap-quickbooks--customers", "target-pipedrive"),
            ("tap-quickbooks", "target-postgres"),
        )
    )
