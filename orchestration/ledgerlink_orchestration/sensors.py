"""Sensors: tenants found in `connections` become partitions."""

import dagster as dg

from ledgerlink_orchestration.partitions import TENANTS, TENANTS_NAME
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.settings import SETTINGS


@dg.sensor(
    name="tenant_discovery",
    minimum_interval_seconds=SETTINGS.tenant_discovery_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a tenant partition for every tenant with a connection",
)
def tenant_discovery(
    context: dg.SensorEvaluationContext, tokens: TokenStoreResource
) -> dg.SensorResult | dg.SkipReason:
    known = set(context.instance.get_dynamic_partitions(TENANTS_NAME))
    found = {conn.tenant for conn in tokens.store().connections()}
    new = sorted(found - known)
    if not new:
        return dg.SkipReason(f"{len(known)} tenant(s), none new")
    context.log.info(f"new tenants: {', '.join(new)}")
    return dg.SensorResult(dynamic_partitions_requests=[TENANTS.build_add_request(new)])


SENSORS = [tenant_discovery]
