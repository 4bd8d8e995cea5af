"""The shipment read-back asset runs `ledgerlink shipments refresh --tenant T` for its partition.

Needs the command from the fulfilment read-back work (`ledgerlink shipments refresh`).
"""

from __future__ import annotations

import dagster as dg

from ledgerlink_orchestration.assets.fulfilment import read_shipments
from tests.orchestration.conftest import Box


def test_a_tenant_without_open_orders_reads_back_nothing_and_succeeds(
    box: Box, clean_db: str, instance: dg.DagsterInstance
) -> None:
    box.connect_shipstation("acme")
    instance.add_dynamic_partitions("tenants", ["acme"])

    result = dg.materialize(
        [read_shipments], partition_key="acme", instance=instance, raise_on_error=False
    )

    assert result.success, [e.message for e in result.all_events if e.is_failure]
    log = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert "ledgerlink shipments refresh --tenant acme" in log
    [materialization] = result.asset_materializations_for_node("fulfilment__shipments")
    assert materialization.metadata["invoice_order_map.orders"] == dg.IntMetadataValue(0)
