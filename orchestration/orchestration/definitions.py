"""The Dagster code location: assets, schedules and sensors arrive with the orchestration issue."""

import dagster as dg

defs = dg.Definitions()
