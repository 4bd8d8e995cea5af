"""Backfills: a range of tenants and days runs as one `meltano run` per tenant, from the
range's first day, on a state ID of its own that it never writes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg

from ledgerlink_orchestration.assets.backfills import (
    TENANT_DAYS,
    backfill_env,
    quickbooks_taps,
    ranges,
)
from ledgerlink_orchestration.definitions import defs
from ledgerlink_orchestration.meltano import setting_variable
from tests.orchestration.fake_meltano import FakeMeltano

KEY = dg.AssetKey(["backfill", "invoices_to_shipstation"])


def test_a_partition_range_is_one_run_per_tenant_carrying_the_range(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    instance.add_dynamic_partitions("tenants", ["acme", "globex"])
    fake = FakeMeltano(tmp_path, "success")
    asset = defs.get_assets_def(KEY)
    keys = [
        f"{day}|{tenant}"
        for tenant in ("acme", "globex")
        for day in ("2026-11-01", "2026-11-02", "2026-11-03")
    ]
    result = dg.materialize(
        [asset],
        instance=instance,
        resources={"meltano": fake.resource()},
        tags={
            "dagster/asset_partition_range_start": "2026-11-01|acme",
            "dagster/asset_partition_range_end": "2026-11-03|globex",
        },
    )
    assert result.success
    calls = fake.calls()
    assert len(calls) == 2  # one per tenant, whatever the number of days
    for call, tenant in zip(calls, ("acme", "globex"), strict=True):
        assert call["args"] == [
            "--log-format=json",
            "run",
            f"--state-id-suffix={tenant}-backfill-20261101-20261103",
            "--full-refresh",
            "--no-state-update",
            "invoices-to-shipstation",
        ]
        env = call["env"]
        assert env["LEDGERLINK_TENANT"] == tenant
        # The job's QuickBooks tap, or the plugin meltano.yml derives from it for the job.
        for tap in quickbooks_taps(fake.resource(), "invoices-to-shipstation"):
            assert env[setting_variable(tap, "start_date")] == "2026-11-01T00:00:00Z"
            maps = json.loads(env[setting_variable(tap, "stream_maps")])
            assert maps["invoices"] == {"__filter__": "updated_at < '2026-11-04'"}
    materializations = result.asset_materializations_for_node("backfill__invoices_to_shipstation")
    assert {m.partition for m in materializations} == set(keys)
    ranges_seen = materializations[0].metadata["ranges"].value
    assert isinstance(ranges_seen, dict)
    assert ranges_seen["acme"]["first_day"] == "2026-11-01"
    assert ranges_seen["globex"]["last_day"] == "2026-11-03"


def test_ranges_group_days_by_tenant() -> None:
    keys = ["2026-03-04|acme", "2026-03-01|acme", "2026-03-02|globex"]
    assert ranges(keys) == {
        "acme": (date(2026, 3, 1), date(2026, 3, 4)),
        "globex": (date(2026, 3, 2), date(2026, 3, 2)),
    }
    assert TENANT_DAYS.partition_dimension_names == ["day", "tenant"]


def test_a_plugin_inheriting_from_the_tap_gets_the_range_under_its_own_name() -> None:
    env = backfill_env(date(2026, 3, 1), date(2026, 3, 31), ["tap-quickbooks--customers"])
    assert env["TAP_QUICKBOOKS__CUSTOMERS_START_DATE"] == "2026-03-01T00:00:00Z"
    maps = json.loads(env["TAP_QUICKBOOKS__CUSTOMERS_STREAM_MAPS"])
    assert maps["customers"] == {"__filter__": "updated_at < '2026-04-01'"}


def test_every_backfill_runs_as_one_run_per_range() -> None:
    graph = defs.resolve_asset_graph()
    backfills = [n for n in graph.asset_nodes if n.key.path[0] == "backfill"]
    assert {n.key.path[1] for n in backfills} == {
        "customers_to_pipedrive",
        "money_to_pipedrive",
        "invoices_to_shipstation",
        "raw_quickbooks",
    }
    for node in backfills:
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert node.partitions_def == TENANT_DAYS


def test_a_backfill_does_not_start_beside_a_live_run_of_the_same_job_and_tenant(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    instance.add_dynamic_partitions("tenants", ["acme"])
    live = instance.create_run_for_job(
        dg.Definitions(jobs=[_noop_job]).resolve_job_def("noop"),
        tags={"meltano/invoices-to-shipstation": "acme"},
        status=dg.DagsterRunStatus.STARTED,
    )
    fake = FakeMeltano(tmp_path, "success")
    result = dg.materialize(
        [defs.get_assets_def(KEY)],
        instance=instance,
        resources={"meltano": fake.resource()},
        partition_key="2026-11-01|acme",
        raise_on_error=False,
    )
    assert not result.success
    assert fake.calls() == []
    [event] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    data = event.step_failure_data
    assert data is not None and data.user_failure_data is not None
    assert data.user_failure_data.description == (
        f"Meltano job invoices-to-shipstation of tenant 'acme' is running in Dagster run "
        f"{live.run_id}: launch this run again once it is done"
    )


@dg.op
def _noop_op() -> None:
    pass


@dg.job(name="noop")
def _noop_job() -> None:
    _noop_op()
