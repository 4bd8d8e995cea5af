"""QuickBooks Online: the company's books, and their raw copy for analysts."""

import dagster as dg

from ledgerlink_orchestration.assets.meltano_job import meltano_job_asset, source_specs

STREAMS = {
    "customers": "QuickBooks customers (incremental through CDC)",
    "invoices": "QuickBooks invoices with their lines and terms",
    "payments": "QuickBooks payments and the invoices they pay",
    "items": "QuickBooks products and services",
    "terms": "QuickBooks payment terms (Net 30, Due on Receipt, ...)",
}

SOURCES = source_specs("quickbooks", STREAMS)

raw_quickbooks = meltano_job_asset(
    job="raw-quickbooks",
    source="quickbooks",
    target_prefix="raw_quickbooks",
    streams={s: f"Raw copy for analysts: {text}" for s, text in STREAMS.items()},
    pool="quickbooks",
    group="raw_copies",
    kinds={"meltano", "postgres"},
)

ASSETS: list[dg.AssetSpec | dg.AssetsDefinition] = [*SOURCES, raw_quickbooks]
