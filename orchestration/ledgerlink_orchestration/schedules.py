"""Schedules: cron expressions and time zone come from settings (LEDGERLINK_* variables)."""

import dagster as dg

from ledgerlink_orchestration.jobs import (
    CUSTOMERS,
    MONEY_AND_DEAL_LINKS,
    RAW_COPIES,
    SHIPMENTS,
    TenantJob,
    token_keepalive,
)
from ledgerlink_orchestration.partitions import TENANTS_NAME
from ledgerlink_orchestration.settings import SETTINGS


def per_tenant(
    name: str, cron: str, tenant_job: TenantJob, description: str
) -> dg.ScheduleDefinition:
    """One run of the job per tenant partition at each tick, with its lock tags."""

    @dg.schedule(
        name=name,
        cron_schedule=cron,
        execution_timezone=SETTINGS.timezone,
        job=tenant_job.job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=description,
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        tenants = context.instance.get_dynamic_partitions(TENANTS_NAME)
        if not tenants:
            return dg.SkipReason("no tenants yet: connect one with `ledgerlink connect`")
        when = context.scheduled_execution_time
        tick = when.isoformat() if when else ""
        return [
            dg.RunRequest(
                run_key=f"{tenant}:{tick}", partition_key=tenant, tags=tenant_job.tags(tenant)
            )
            for tenant in tenants
        ]

    return _schedule


raw_copies_daily = per_tenant(
    "raw_copies_daily",
    SETTINGS.raw_copies_cron,
    RAW_COPIES,
    "One raw-copies run per tenant (LEDGERLINK_RAW_COPIES_CRON)",
)
customers_hourly = per_tenant(
    "customers_hourly",
    SETTINGS.customers_cron,
    CUSTOMERS,
    "Customers → organizations for every tenant (LEDGERLINK_CUSTOMERS_CRON)",
)
money_and_deal_links_hourly = per_tenant(
    "money_and_deal_links_hourly",
    SETTINGS.money_and_deal_links_cron,
    MONEY_AND_DEAL_LINKS,
    "Deal links, then money on the CRM, for every tenant (LEDGERLINK_MONEY_AND_DEAL_LINKS_CRON)",
)
shipment_status_every_15_minutes = per_tenant(
    "shipment_status_every_15_minutes",
    SETTINGS.shipment_status_cron,
    SHIPMENTS,
    "Shipments read back for every tenant (LEDGERLINK_SHIPMENT_STATUS_CRON)",
)

token_keepalive_schedule = dg.ScheduleDefinition(
    name="token_keepalive_every_30_minutes",
    cron_schedule=SETTINGS.token_keepalive_cron,
    execution_timezone=SETTINGS.timezone,
    job=token_keepalive,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Keep every OAuth token alive (LEDGERLINK_TOKEN_KEEPALIVE_CRON)",
)

SCHEDULES = [
    raw_copies_daily,
    customers_hourly,
    money_and_deal_links_hourly,
    shipment_status_every_15_minutes,
    token_keepalive_schedule,
]
