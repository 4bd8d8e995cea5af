"""One `multi_asset` per Meltano job: an AssetSpec per stream, one `meltano run` per tenant."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from ledgerlink_orchestration.meltano import MeltanoResource, RunSummary
from ledgerlink_orchestration.partitions import TENANTS


def source_specs(system: str, streams: Mapping[str, str]) -> list[dg.AssetSpec]:
    """What an external system holds (`quickbooks/customers`): lineage roots, not materialized."""
    return [
        dg.AssetSpec([system, stream], description=text, group_name=system, kinds={system})
        for stream, text in streams.items()
    ]


def meltano_job_asset(
    *,
    job: str,
    source: str,
    target_prefix: str,
    streams: Mapping[str, str],
    pool: str,
    group: str,
    kinds: set[str],
) -> dg.AssetsDefinition:
    """The assets `meltano run <job>` materializes for a tenant, one per stream of `source`."""
    specs = [
        dg.AssetSpec(
            [target_prefix, stream],
            description=text,
            group_name=group,
            kinds=kinds,
            deps=[dg.AssetKey([source, stream])],
            metadata={"meltano_job": job},
        )
        for stream, text in streams.items()
    ]

    @dg.multi_asset(
        name=target_prefix,
        specs=specs,
        partitions_def=TENANTS,
        pool=pool,
        description=f"`meltano run {job}` for the tenant of the partition",
    )
    def _run(
        context: dg.AssetExecutionContext, meltano: MeltanoResource
    ) -> Iterator[dg.MaterializeResult[Any]]:
        summary = meltano.run(context, job, context.partition_key)
        yield from materializations(summary, specs)

    return _run


def materializations(
    summary: RunSummary, specs: list[dg.AssetSpec]
) -> Iterator[dg.MaterializeResult[Any]]:
    """Per stream: its records and API requests; per run: duration and totals."""
    run = summary.metadata()
    for spec in specs:
        stream = spec.key.path[-1]
        stats = summary.streams.get(stream)
        metadata: dict[str, Any] = {
            "records_extracted": stats.records_extracted if stats else 0,
            "records_loaded": stats.records_loaded if stats else 0,
            "api_requests": stats.http_requests if stats else 0,
            "api_seconds": round(stats.http_seconds, 3) if stats else 0.0,
            "api_errors": stats.http_errors if stats else 0,
            "run_api_requests": run["api_requests"],
            "run_duration_seconds": run["duration_seconds"],
        }
        if summary.warnings:
            metadata["warnings"] = dg.MetadataValue.md(
                "\n".join(f"- {w}" for w in summary.warnings)
            )
        yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
