"""Materializing the customers asset for a tenant partition runs a real
`meltano run customers-to-pipedrive`: organizations in the Pipedrive sandbox, the mapping rows,
and the run's numbers as metadata.

Needs the job from the target-pipedrive work (meltano.yml `customers-to-pipedrive`). Slow (a real
Meltano run of a tap and a target, one to two minutes on a small machine): run with `--slow`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pytest

from ledgerlink import db
from ledgerlink.tokens import TokenStore
from ledgerlink_orchestration.assets.crm import customers_to_pipedrive
from ledgerlink_orchestration.meltano import MeltanoResource
from ledgerlink_sandbox.pipedrive.service import PipedriveService
from ledgerlink_sandbox.quickbooks.store import RealmStore
from tests import leakcheck
from tests.orchestration.conftest import Box


def _connect_pipedrive(box: Box, tenant: str) -> None:
    url = box.sandbox.url("pipedrive")
    creds = httpx.get(f"{url}/_sandbox/credentials", timeout=30).json()
    leakcheck.add_issued({creds["api_token"]})
    TokenStore().save(
        tenant,
        "pipedrive",
        auth_kind="api_token",
        api_url=url,
        account_id=creds["company_domain"],
        secrets={"api_token": creds["api_token"]},
    )


def _customers(box: Box) -> dict[str, dict[str, Any]]:
    store = box.sandbox.qbo.store
    assert isinstance(store, RealmStore)
    with box.sandbox.qbo.lock:
        return dict(store.books.table("Customer").rows)


def _organizations(box: Box) -> set[int]:
    service = box.sandbox.services["pipedrive"]
    assert isinstance(service, PipedriveService)
    return {int(r["id"]) for r in service.state.store.rows("organization") if not r["is_deleted"]}


@pytest.mark.slow
def test_the_customers_partition_creates_the_organizations_and_reports_the_run(
    box: Box,
    clean_db: str,
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    box.connect_quickbooks("acme")
    _connect_pipedrive(box, "acme")
    for name, value in box.sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{tmp_path / 'meltano.db'}")
    instance.add_dynamic_partitions("tenants", ["acme"])
    customers = _customers(box)

    result = dg.materialize(
        [customers_to_pipedrive],
        partition_key="acme",
        instance=instance,
        resources={"meltano": MeltanoResource()},
        raise_on_error=False,
    )
    leakcheck.record_output(caplog.text)

    assert result.success, [e.message for e in result.all_events if e.is_failure]
    metadata = {
        m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("customers_to_pipedrive")
    }
    assert metadata["crm/organizations"]["records_extracted"] == len(customers)
    assert metadata["crm/organizations"]["api_requests"] not in (None, 0)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state FROM customer_org_map"
            " WHERE tenant = 'acme'"
        ).fetchall()
    mapped = {r["qbo_customer_id"]: r for r in rows}
    active = {i for i, c in customers.items() if c.get("Active", True)}
    assert active <= mapped.keys()
    linked = {r["pipedrive_org_id"] for r in rows if r["state"] == "linked"}
    assert linked and linked <= _organizations(box)
    table = metadata["ledgerlink/customer_org_map"]
    assert table["customer_org_map.rows"] == len(rows)
    assert table["customer_org_map.linked"] == len(linked)
    [check] = result.get_asset_check_evaluations()
    assert check.passed  # the demo company's budget is far from the reserve
