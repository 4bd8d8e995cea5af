"""Schedules: cron expressions and time zone come from settings (LEDGERLINK_* variables)."""

import dagster as dg

from ledgerlink_orchestration.jobs import RAW_COPY_MELTANO_JOBS, raw_copies, token_keepalive
from ledgerlink_orchestration.meltano import lock_tag
from ledgerlink_orchestration.partitions import TENANTS_NAME
from ledgerlink_orchestration.settings import SETTINGS


@dg.schedule(
    name="raw_copies_daily",
    cron_schedule=SETTINGS.raw_copies_cron,
    execution_timezone=SETTINGS.timezone,
    job=raw_copies,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="One raw-copies run per tenant (LEDGERLINK_RAW_COPIES_CRON)",
)
def raw_copies_daily(
    context: dg.ScheduleEvaluationContext,
) -> list[dg.RunRequest] | dg.SkipReason:
    tenants = context.instance.get_dynamic_partitions(TENANTS_NAME)
    if not tenants:
        return dg.SkipReason("no tenants yet: connect one with `ledgerlink connect`")
    tick = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else ""
    return [
        dg.RunRequest(
            run_key=f"{tenant}:{tick}",
            partition_key=tenant,
            tags={lock_tag(job): tenant for job in RAW_COPY_MELTANO_JOBS},
        )
        for tenant in tenants
    ]


token_keepalive_schedule = dg.ScheduleDefinition(
    name="token_keepalive_every_30_minutes",
    cron_schedule=SETTINGS.token_keepalive_cron,
    execution_timezone=SETTINGS.timezone,
    job=token_keepalive,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Keep every OAuth token alive (LEDGERLINK_TOKEN_KEEPALIVE_CRON)",
)

SCHEDULES = [raw_copies_daily, token_keepalive_schedule]
