"""The CRM multi-assets: metadata from the run and the mapping tables, the budget stop as WARN.

A stand-in `meltano` replays recorded output; the real `meltano run customers-to-pipedrive` is in
test_tenant_isolation.py (two tenants).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg

from ledgerlink_orchestration.assets.crm import customers_to_pipedrive
from ledgerlink_orchestration.definitions import defs
from tests.orchestration.fake_meltano import FakeMeltano

ORGS = dg.AssetKey(["crm", "organizations"])
MAP = dg.AssetKey(["ledgerlink", "customer_org_map"])


def _materialize(instance: dg.DagsterInstance, fake: FakeMeltano) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions("tenants", ["acme"])
    return dg.materialize(
        [customers_to_pipedrive],
        partition_key="acme",
        instance=instance,
        resources={"meltano": fake.resource()},
        raise_on_error=False,
    )


def _mappings(database_url: str) -> None:
    """acme: two linked customers, one ambiguous, one deactivated; globex: one linked."""
    rows = [
        ("acme", "1", 101, "created", "linked", None, True),
        ("acme", "2", 102, "name", "linked", None, True),
        ("acme", "3", None, None, "ambiguous", [201, 202], True),
        ("acme", "4", 104, "external_id", "linked", None, False),
        ("globex", "1", 101, "created", "linked", None, True),
    ]
    with psycopg.connect(database_url) as conn:
        conn.cursor().executemany(
            "INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id,"
            " match_method, state, candidates, active) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def test_a_budget_stop_succeeds_with_a_warning_and_the_tenants_mapping_counts(
    instance: dg.DagsterInstance, tmp_path: Path, clean_db: str
) -> None:
    _mappings(clean_db)
    fake = FakeMeltano(tmp_path, "budget-stop")
    result = _materialize(instance, fake)
    assert result.success
    [call] = fake.calls()
    assert call["args"][-2:] == ["--state-id-suffix=acme", "customers-to-pipedrive"]

    by_key = {
        m.asset_key: m.metadata
        for m in result.asset_materializations_for_node("customers_to_pipedrive")
    }
    assert by_key[ORGS]["records_extracted"] == dg.IntMetadataValue(40)
    assert by_key[ORGS]["records_loaded"] == dg.IntMetadataValue(40)
    assert by_key[ORGS]["api_requests"] == dg.IntMetadataValue(1)
    assert by_key[ORGS]["run_pipedrive_tokens"] == dg.IntMetadataValue(140)
    counts = {k: v.value for k, v in by_key[MAP].items() if k.startswith("customer_org_map.")}
    assert counts == {
        "customer_org_map.rows": 4,
        "customer_org_map.linked": 3,
        "customer_org_map.ambiguous": 1,
        "customer_org_map.pending": 0,
        "customer_org_map.inactive_customers": 1,
    }

    [check] = result.get_asset_check_evaluations()
    assert check.asset_key == ORGS
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    stopped = check.metadata["stopped"].value
    assert isinstance(stopped, str)
    # target-pipedrive's last line, exit status 75: a clean stop, not a failed run.
    assert stopped == "target-pipedrive: stopped at the daily token reserve: 12 customers left"


def test_a_run_that_wrote_everything_passes_the_budget_check(
    instance: dg.DagsterInstance, tmp_path: Path, clean_db: str
) -> None:
    result = _materialize(instance, FakeMeltano(tmp_path, "success"))
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.passed
    assert check.metadata["stopped"].value == "no"


def test_the_customers_job_runs_the_mapping_checks_after_the_sync(
    instance: dg.DagsterInstance, tmp_path: Path, clean_db: str
) -> None:
    _mappings(clean_db)
    instance.add_dynamic_partitions("tenants", ["acme"])
    job = defs.resolve_job_def("customers_sync")
    result = job.execute_in_process(
        partition_key="acme",
        instance=instance,
        resources={"meltano": FakeMeltano(tmp_path, "success").resource()},
        raise_on_error=False,
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "pipedrive_budget_not_reached": True,
        "one_organization_per_customer": True,
        "every_active_customer_mapped": False,  # acme's customer 3 is ambiguous
    }
