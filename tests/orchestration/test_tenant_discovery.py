"""Tenants with a connection become partitions, once."""

from __future__ import annotations

import dagster as dg

from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.sensors import tenant_discovery
from tests.orchestration.conftest import Box


def _tick(instance: dg.DagsterInstance) -> dg.SensorResult | dg.SkipReason:
    context = dg.build_sensor_context(instance=instance, resources={"tokens": TokenStoreResource()})
    result = tenant_discovery(context)
    assert isinstance(result, dg.SensorResult | dg.SkipReason)
    return result


def test_every_connected_tenant_becomes_a_partition_once(
    box: Box, stored_instance: dg.DagsterInstance
) -> None:
    first = _tick(stored_instance)
    assert isinstance(first, dg.SkipReason)  # nobody connected yet
    box.connect_quickbooks("acme")
    box.connect_pipedrive("acme")
    box.connect_quickbooks("globex")
    found = _tick(stored_instance)
    assert isinstance(found, dg.SensorResult)
    [request] = found.dynamic_partitions_requests or []
    assert isinstance(request, dg.AddDynamicPartitionsRequest)
    assert (request.partitions_def_name, list(request.partition_keys)) == (
        "tenants",
        ["acme", "globex"],
    )
    stored_instance.add_dynamic_partitions("tenants", list(request.partition_keys))
    assert isinstance(_tick(stored_instance), dg.SkipReason)
