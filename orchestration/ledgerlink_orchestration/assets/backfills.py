"""Backfills: re-extract and re-apply a date range for a tenant without moving its bookmarks.

Each backfill asset is partitioned by tenant and day; a range picked in the UI (or with
`dg launch --partition-range`) runs as one run (`BackfillPolicy.single_run()`) and, per tenant,
as one `meltano run`:

- `--state-id-suffix=<tenant>-backfill-<first>-<last>` with `--full-refresh --no-state-update`:
  the run starts from no bookmark, and neither it nor the tenant's incremental state
  (`--state-id-suffix=<tenant>`) is written;
- the tap reads from the range's first day (`TAP_QUICKBOOKS_START_DATE`, or the variable of the
  job's plugin inheriting from it), and a stream map keeps the records last updated before the
  day after the range (`TAP_QUICKBOOKS_STREAM_MAPS`);
- the run takes the job's lock tag (`meltano/<job>=<tenant>`) when it starts, so the queue holds
  the tenant's next scheduled run of the job until it is done, and it refuses to start while such
  a run is live (they would write the same mapping rows).
"""

import json
import warnings
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg

from ledgerlink_orchestration.assets import crm, fulfilment, quickbooks
from ledgerlink_orchestration.meltano import MeltanoProject, MeltanoResource, setting_variable
from ledgerlink_orchestration.partitions import TENANTS
from ledgerlink_orchestration.settings import SETTINGS

GROUP = "backfills"
TENANT, DAY = "tenant", "day"
TENANT_DAYS = dg.MultiPartitionsDefinition(
    {
        TENANT: TENANTS,
        DAY: dg.DailyPartitionsDefinition(
            start_date=SETTINGS.backfill_start_date, timezone=SETTINGS.timezone
        ),
    }
)
TAP = "tap-quickbooks"
# The tap-quickbooks streams a backfill limits to the range (records carry `updated_at`).
RANGED_STREAMS = ("customers", "invoices", "payments")


def ranges(keys: Sequence[str]) -> dict[str, tuple[date, date]]:
    """Per tenant, the first and last day among the partition keys of a run."""
    days: dict[str, list[date]] = defaultdict(list)
    for key in keys:
        parts = TENANT_DAYS.get_partition_key_from_str(key).keys_by_dimension
        days[parts[TENANT]].append(date.fromisoformat(parts[DAY]))
    return {tenant: (min(found), max(found)) for tenant, found in sorted(days.items())}


def backfill_env(first: date, last: date, taps: Sequence[str] = (TAP,)) -> dict[str, str]:
    """The settings of the job's QuickBooks taps for a range: from its first day, records
    updated before the next (`taps`: the tap and any plugin inheriting from it, by name)."""
    end = (last + timedelta(days=1)).isoformat()
    keep = {"__filter__": f"updated_at < '{end}'"}
    maps = json.dumps(dict.fromkeys(RANGED_STREAMS, keep))
    env = {}
    for tap in taps:
        env[setting_variable(tap, "start_date")] = f"{first.isoformat()}T00:00:00Z"
        env[setting_variable(tap, "stream_maps")] = maps
    return env


def quickbooks_taps(meltano: MeltanoResource, job: str) -> list[str]:
    plugins = MeltanoProject.find(meltano.project_dir).plugins(job)
    return [p for p in plugins if p == TAP or p.startswith(f"{TAP}--")] or [TAP]


def state_id_suffix(tenant: str, first: date, last: date) -> str:
    return f"{tenant}-backfill-{first:%Y%m%d}-{last:%Y%m%d}"


def backfill_asset(
    job: str, name: str, applies_to: dg.AssetsDefinition, pool: str
) -> dg.AssetsDefinition:
    with warnings.catch_warnings():
        # Dagster 1.13 still calls `backfill_policy` beta; one run per range is the point here.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _backfill_asset(job, name, applies_to, pool)


def _backfill_asset(
    job: str, name: str, applies_to: dg.AssetsDefinition, pool: str
) -> dg.AssetsDefinition:
    @dg.asset(
        key=["backfill", name],
        deps=list(applies_to.keys),
        group_name=GROUP,
        kinds={"meltano"},
        partitions_def=TENANT_DAYS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=pool,
        tags={"ledgerlink/meltano_job": job},
        description=(
            f"Re-extract and re-apply a date range with `meltano run {job}`, leaving the "
            "tenant's incremental state alone: pick tenant and days as a partition range"
        ),
    )
    def _backfill(
        context: dg.AssetExecutionContext, meltano: MeltanoResource
    ) -> dg.MaterializeResult[Any]:
        done: dict[str, Any] = {}
        for tenant, (first, last) in ranges(context.partition_keys).items():
            summary = meltano.run(
                context,
                job,
                tenant,
                args=("--full-refresh", "--no-state-update"),
                state_id_suffix=state_id_suffix(tenant, first, last),
                env=backfill_env(first, last, quickbooks_taps(meltano, job)),
            )
            done[tenant] = {
                "first_day": first.isoformat(),
                "last_day": last.isoformat(),
            } | summary.metadata()
        return dg.MaterializeResult(metadata={"ranges": dg.MetadataValue.json(done)})

    return _backfill


BACKFILLS = [
    backfill_asset(
        "customers-to-pipedrive",
        "customers_to_pipedrive",
        crm.customers_to_pipedrive,
        "pipedrive",
    ),
    backfill_asset("money-to-pipedrive", "money_to_pipedrive", crm.money_to_pipedrive, "pipedrive"),
    backfill_asset(
        "invoices-to-shipstation",
        "invoices_to_shipstation",
        fulfilment.invoices_to_shipstation,
        "shipstation",
    ),
    backfill_asset("raw-quickbooks", "raw_quickbooks", quickbooks.raw_quickbooks, "quickbooks"),
]
ASSETS = BACKFILLS
