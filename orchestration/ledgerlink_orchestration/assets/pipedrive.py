"""Pipedrive: the company's CRM, and its raw copy for analysts."""

import dagster as dg

from ledgerlink_orchestration.assets.meltano_job import meltano_job_asset, source_specs

STREAMS = {
    "organizations": "Pipedrive organizations, custom fields under readable keys",
    "persons": "Pipedrive persons (contacts)",
    "deals": "Pipedrive deals, including those deleted in the last 30 days",
    "pipelines": "Pipedrive pipelines",
    "stages": "Pipedrive pipeline stages",
    "deal_fields": "Pipedrive deal field definitions",
    "organization_fields": "Pipedrive organization field definitions",
    "person_fields": "Pipedrive person field definitions",
}

SOURCES = source_specs("pipedrive", STREAMS)

raw_pipedrive = meltano_job_asset(
    job="raw-pipedrive",
    source="pipedrive",
    target_prefix="raw_pipedrive",
    streams={s: f"Raw copy for analysts: {text}" for s, text in STREAMS.items()},
    pool="pipedrive",
    group="raw_copies",
    kinds={"meltano", "postgres"},
)

ASSETS: list[dg.AssetSpec | dg.AssetsDefinition] = [*SOURCES, raw_pipedrive]
