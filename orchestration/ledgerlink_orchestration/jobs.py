"""Jobs: what schedules and sensors launch."""

import dagster as dg

from ledgerlink_orchestration.assets.connections import CONNECTIONS

# The Meltano jobs the raw copies run, for the lock tags (see meltano/resource.py).
RAW_COPY_MELTANO_JOBS = ("raw-quickbooks", "raw-pipedrive")

raw_copies = dg.define_asset_job(
    "raw_copies",
    selection=dg.AssetSelection.groups("raw_copies"),
    description="Raw copies of QuickBooks and Pipedrive for analysts, for one tenant",
)

token_keepalive = dg.define_asset_job(
    "token_keepalive",
    selection=dg.AssetSelection.assets(CONNECTIONS),
    tags={"ledgerlink/keepalive": "tokens"},
    description="Refresh every tenant's OAuth tokens; warn before a forced reconnect",
)

JOBS = [raw_copies, token_keepalive]
