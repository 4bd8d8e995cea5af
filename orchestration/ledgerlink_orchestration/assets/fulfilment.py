"""Fulfilment: shippable QuickBooks invoices → ShipStation orders, shipments read back."""

from typing import Any

import dagster as dg

from ledgerlink_orchestration.assets import tables
from ledgerlink_orchestration.assets.meltano_job import Output, meltano_multi_asset
from ledgerlink_orchestration.commands import run_ledgerlink
from ledgerlink_orchestration.partitions import TENANTS

GROUP = "fulfilment"
INVOICE_ORDER_MAP = ("ledgerlink", "invoice_order_map")
PENDING_INVOICES = ("ledgerlink", "pending_invoices")
ORDERS = ("fulfilment", "orders")
SHIPMENTS = dg.AssetKey(["fulfilment", "shipments"])
INVOICE_SOURCES = [
    ("quickbooks", "invoices"),
    ("quickbooks", "payments"),
    ("quickbooks", "terms"),
    ("quickbooks", "items"),
    ("quickbooks", "customers"),
]

invoices_to_shipstation = meltano_multi_asset(
    job="invoices-to-shipstation",
    name="invoices_to_shipstation",
    outputs=[
        Output(
            ORDERS,
            "ShipStation orders, one per invoice the ship rule releases (paid, or created under "
            "a ship-on-created term), updated and cancelled with the invoice",
            deps=INVOICE_SOURCES,
            streams=("invoices", "payments"),
        ),
        Output(
            INVOICE_ORDER_MAP,
            "One ShipStation order per QuickBooks invoice: state, order status, fulfilment",
            deps=INVOICE_SOURCES,
            table="invoice_order_map",
        ),
        Output(
            PENDING_INVOICES,
            "Invoices seen but not yet shippable (Due on Receipt waits for its payment)",
            deps=[("quickbooks", "invoices"), ("quickbooks", "terms")],
            table="pending_invoices",
        ),
    ],
    pool="shipstation",
    group=GROUP,
    kinds={"meltano", "shipstation"},
    description="`meltano run invoices-to-shipstation` for the tenant: invoices → orders",
)


@dg.asset(
    key=SHIPMENTS,
    deps=[dg.AssetKey(list(INVOICE_ORDER_MAP))],
    group_name=GROUP,
    kinds={"shipstation", "pipedrive", "postgres"},
    partitions_def=TENANTS,
    pool="shipstation",
    description=(
        "Shipments of the open orders read back from ShipStation (`ledgerlink shipments refresh`):"
        ' fulfilment in invoice_order_map, "1/2 Shipped" then Shipped on the Pipedrive deal'
    ),
)
def read_shipments(context: dg.AssetExecutionContext) -> dg.MaterializeResult[Any]:
    tenant = context.partition_key
    lines = run_ledgerlink(context, ["shipments", "refresh", "--tenant", tenant])
    metadata: dict[str, Any] = tables.row_counts("invoice_order_map", tenant)
    metadata["output"] = dg.MetadataValue.md("\n".join(lines[-20:]) or "(nothing printed)")
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [invoices_to_shipstation, read_shipments]
