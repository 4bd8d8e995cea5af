"""The Dagster code location of ledgerlink: `dagster dev` from the repository root loads it."""

import dagster as dg

from ledgerlink_orchestration.assets import (
    backfills,
    connections,
    crm,
    fulfilment,
    pipedrive,
    quickbooks,
)
from ledgerlink_orchestration.checks import CHECKS
from ledgerlink_orchestration.jobs import JOBS
from ledgerlink_orchestration.resources import resources
from ledgerlink_orchestration.schedules import SCHEDULES
from ledgerlink_orchestration.sensors import SENSORS

defs = dg.Definitions(
    assets=[
        *quickbooks.ASSETS,
        *pipedrive.ASSETS,
        *crm.ASSETS,
        *fulfilment.ASSETS,
        *backfills.ASSETS,
        *connections.ASSETS,
    ],
    asset_checks=CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=resources(),
    # A run's steps in the run's own process: each step is a Meltano (or ledgerlink) subprocess
    # already, so a Python process per step (the multiprocess default) only added seconds of
    # imports to every run, a sensor-launched order run included. Runs still go in parallel.
    executor=dg.in_process_executor,
)
