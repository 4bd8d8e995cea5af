"""Jobs: what schedules and sensors launch, and the Meltano jobs each runs (for the lock tags)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg

from ledgerlink_orchestration.assets import crm, fulfilment
from ledgerlink_orchestration.assets.connections import CONNECTIONS
from ledgerlink_orchestration.meltano import lock_tag

if TYPE_CHECKING:  # what define_asset_job returns; dagster does not export the class
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

# The run tag that serializes shipment read-backs per tenant (like meltano/<job>).
SHIPMENTS_LOCK = "ledgerlink/shipments"


@dataclass(frozen=True)
class TenantJob:
    """A job run per tenant partition, and the lock tags a run of it carries (value = tenant)."""

    job: "UnresolvedAssetJobDefinition"
    locks: tuple[str, ...]

    def tags(self, tenant: str) -> dict[str, str]:
        return dict.fromkeys(self.locks, tenant)


def _meltano(*jobs: str) -> tuple[str, ...]:
    return tuple(lock_tag(job) for job in jobs)


RAW_COPIES = TenantJob(
    dg.define_asset_job(
        "raw_copies",
        selection=dg.AssetSelection.groups("raw_copies"),
        description="Raw copies of QuickBooks and Pipedrive for analysts, for one tenant",
    ),
    _meltano("raw-quickbooks", "raw-pipedrive"),
)
CUSTOMERS = TenantJob(
    dg.define_asset_job(
        "customers_sync",
        selection=dg.AssetSelection.assets(crm.customers_to_pipedrive),
        description="QuickBooks customers → Pipedrive organizations, for one tenant",
    ),
    _meltano("customers-to-pipedrive"),
)
MONEY_AND_DEAL_LINKS = TenantJob(
    dg.define_asset_job(
        "money_and_deal_links",
        selection=dg.AssetSelection.assets(crm.deals_to_links, crm.money_to_pipedrive),
        description="Deals linked to their customer's organization, then money on the CRM",
    ),
    _meltano("deals-to-links", "money-to-pipedrive"),
)
INVOICES = TenantJob(
    dg.define_asset_job(
        "ship_invoices",
        selection=dg.AssetSelection.assets(fulfilment.invoices_to_shipstation),
        description="Shippable invoices → ShipStation orders, for one tenant",
    ),
    _meltano("invoices-to-shipstation"),
)
SHIPMENTS = TenantJob(
    dg.define_asset_job(
        "shipment_status",
        selection=dg.AssetSelection.assets(fulfilment.read_shipments),
        description="Shipments read back from ShipStation, for one tenant",
    ),
    (SHIPMENTS_LOCK,),
)

token_keepalive = dg.define_asset_job(
    "token_keepalive",
    selection=dg.AssetSelection.assets(CONNECTIONS),
    tags={"ledgerlink/keepalive": "tokens"},
    description="Refresh every tenant's OAuth tokens; warn before a forced reconnect",
)

TENANT_JOBS = [RAW_COPIES, CUSTOMERS, MONEY_AND_DEAL_LINKS, INVOICES, SHIPMENTS]
JOBS = [*(t.job for t in TENANT_JOBS), token_keepalive]
