"""Every schedule evaluates; settings change the cron expressions."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from ledgerlink_orchestration.definitions import defs
from ledgerlink_orchestration.schedules import (
    customers_hourly,
    money_and_deal_links_hourly,
    raw_copies_daily,
    shipment_status_every_15_minutes,
    token_keepalive_schedule,
)
from ledgerlink_orchestration.settings import Settings

TICK = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _context(instance: dg.DagsterInstance | None = None) -> dg.ScheduleEvaluationContext:
    return dg.build_schedule_context(
        instance=instance, scheduled_execution_time=TICK, repository_def=defs.get_repository_def()
    )


def test_raw_copies_launch_one_run_per_tenant_with_its_meltano_lock_tags(
    stored_instance: dg.DagsterInstance,
) -> None:
    idle = raw_copies_daily.evaluate_tick(_context(stored_instance))
    assert not idle.run_requests
    assert idle.skip_message and "no tenants yet" in idle.skip_message

    stored_instance.add_dynamic_partitions("tenants", ["acme", "globex"])
    context = _context(stored_instance)
    requests = raw_copies_daily.evaluate_tick(context).run_requests or []
    locks = [
        (r.partition_key, r.tags["meltano/raw-quickbooks"], r.tags["meltano/raw-pipedrive"])
        for r in requests
    ]
    assert locks == [("acme", "acme", "acme"), ("globex", "globex", "globex")]
    # The same tick again asks for the same runs, which the run keys de-duplicate.
    again = raw_copies_daily.evaluate_tick(context).run_requests or []
    assert [r.run_key for r in again] == [r.run_key for r in requests]
    assert len({r.run_key for r in requests}) == 2


def test_the_sync_schedules_run_each_tenant_with_the_locks_of_its_meltano_jobs(
    stored_instance: dg.DagsterInstance,
) -> None:
    stored_instance.add_dynamic_partitions("tenants", ["acme"])
    expected = {
        customers_hourly: ("0 * * * *", {"meltano/customers-to-pipedrive": "acme"}),
        money_and_deal_links_hourly: (
            "20 * * * *",
            {"meltano/deals-to-links": "acme", "meltano/money-to-pipedrive": "acme"},
        ),
        shipment_status_every_15_minutes: ("*/15 * * * *", {"ledgerlink/shipments": "acme"}),
    }
    for schedule, (cron, tags) in expected.items():
        assert schedule.cron_schedule == cron
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
        [request] = schedule.evaluate_tick(_context(stored_instance)).run_requests or []
        assert request.partition_key == "acme"
        assert {k: v for k, v in request.tags.items() if "/" in k and "dagster" not in k} == tags


def test_the_keepalive_runs_every_half_hour() -> None:
    requests = token_keepalive_schedule.evaluate_tick(_context()).run_requests or []
    assert [r.partition_key for r in requests] == [None]
    assert token_keepalive_schedule.cron_schedule == "*/30 * * * *"
    assert token_keepalive_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert raw_copies_daily.cron_schedule == "0 3 * * *"


def test_settings_come_from_ledgerlink_variables() -> None:
    settings = Settings.from_env(
        {"LEDGERLINK_RAW_COPIES_CRON": "30 1 * * *", "LEDGERLINK_RECONNECT_WARN_DAYS": "30"}
    )
    assert settings.raw_copies_cron == "30 1 * * *"
    assert settings.reconnect_warn_days == 30
    assert settings.token_keepalive_cron == "*/30 * * * *"
