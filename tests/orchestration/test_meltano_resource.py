"""The MeltanoResource inside a Dagster run: metadata per stream, one-line errors, the lock rule.

A stand-in `meltano` replays recorded output (fixtures/): Meltano's real lines, without a 40 s
run. The real process is exercised by test_raw_quickbooks.py.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ledgerlink_orchestration.assets.quickbooks import raw_quickbooks
from tests.orchestration.fake_meltano import FakeMeltano


def _materialize(
    instance: dg.DagsterInstance, fake: FakeMeltano, tenant: str = "acme"
) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions("tenants", [tenant])
    return dg.materialize(
        [raw_quickbooks],
        partition_key=tenant,
        instance=instance,
        resources={"meltano": fake.resource()},
        raise_on_error=False,
    )


def _failure(result: dg.ExecuteInProcessResult) -> str:
    [event] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    data = event.step_failure_data
    assert data is not None and data.user_failure_data is not None
    return str(data.user_failure_data.description)


def test_each_stream_asset_gets_its_records_and_requests(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    fake = FakeMeltano(tmp_path, "success")
    result = _materialize(instance, fake)
    assert result.success
    customers = result.asset_materializations_for_node("raw_quickbooks")
    by_stream = {m.asset_key.path[-1]: m.metadata for m in customers}
    assert by_stream["customers"]["records_loaded"] == dg.IntMetadataValue(40)
    assert by_stream["invoices"]["records_extracted"] == dg.IntMetadataValue(116)
    assert by_stream["terms"]["api_requests"] == dg.IntMetadataValue(1)
    assert by_stream["terms"]["run_duration_seconds"] == dg.FloatMetadataValue(31.144)
    [call] = fake.calls()
    assert call["tenant"] == "acme"
    assert call["args"] == ["--log-format=json", "run", "--state-id-suffix=acme", "raw-quickbooks"]


def test_a_plugin_failure_fails_the_run_with_the_plugins_one_line(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    fake = FakeMeltano(tmp_path, "plugin-failure")
    result = _materialize(instance, fake, tenant="nobody")
    assert not result.success
    assert _failure(result) == (
        "tap-quickbooks: No quickbooks connection for tenant 'nobody'. "
        "Connect with: ledgerlink connect quickbooks --tenant nobody"
    )


def test_a_dead_runs_lock_is_forced_when_no_other_run_holds_the_job(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    fake = FakeMeltano(tmp_path, "already-running", "success")
    result = _materialize(instance, fake)
    assert result.success
    assert [("--force" in c["args"]) for c in fake.calls()] == [False, True]
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.tags["meltano/raw-quickbooks"] == "acme"


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.SUCCESS])
def test_the_lock_is_left_alone_while_another_run_does_the_job(
    instance: dg.DagsterInstance, tmp_path: Path, status: dg.DagsterRunStatus
) -> None:
    other = instance.create_run_for_job(
        dg.Definitions(jobs=[_noop_job]).resolve_job_def("noop"),
        tags={"meltano/raw-quickbooks": "acme"},
        status=status,
    )
    fake = FakeMeltano(tmp_path, "already-running", "success")
    result = _materialize(instance, fake)
    if status == dg.DagsterRunStatus.STARTED:  # a live run holds it: fail, no --force
        assert not result.success
        assert _failure(result) == (
            f"Meltano job raw-quickbooks of tenant 'acme' is running in Dagster run "
            f"{other.run_id}; this run leaves it the work"
        )
        assert len(fake.calls()) == 1
    else:  # the other run is over: its lock is stale
        assert result.success
        assert len(fake.calls()) == 2


@dg.op
def _noop_op() -> None:
    pass


@dg.job(name="noop")
def _noop_job() -> None:
    _noop_op()
