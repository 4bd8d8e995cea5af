"""One `multi_asset` per Meltano job: an AssetSpec per stream and per mapping table, one
`meltano run` per tenant partition."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from ledgerlink_orchestration.assets import tables
from ledgerlink_orchestration.meltano import MeltanoResource, RunSummary
from ledgerlink_orchestration.partitions import TENANTS

# The `meltano_job` metadata of every asset a Meltano job materializes (tests match it against
# meltano.yml's jobs).
JOB_METADATA = "meltano_job"


def source_specs(system: str, streams: Mapping[str, str]) -> list[dg.AssetSpec]:
    """What an external system holds (`quickbooks/customers`): lineage roots, not materialized."""
    return [
        dg.AssetSpec([system, stream], description=text, group_name=system, kinds={system})
        for stream, text in streams.items()
    ]


@dataclass(frozen=True)
class Output:
    """One asset a Meltano job materializes: a stream written somewhere, or a mapping table."""

    key: Sequence[str]
    description: str
    deps: Sequence[Sequence[str]]
    # The tap streams whose METRIC counts belong to this asset (summed).
    streams: Sequence[str] = ()
    # A ledgerlink mapping table: its rows for the tenant become metadata (tables.py).
    table: str | None = None
    kinds: frozenset[str] = field(default_factory=frozenset)

    def spec(self, job: str, group: str, kinds: set[str]) -> dg.AssetSpec:
        return dg.AssetSpec(
            list(self.key),
            description=self.description,
            group_name=group,
            kinds=kinds | set(self.kinds) | ({"postgres"} if self.table else set()),
            deps=[dg.AssetKey(list(d)) for d in self.deps],
            metadata={JOB_METADATA: job},
        )


# What a multi-asset adds after its materializations: asset check results from the run's summary.
Checks = Callable[[RunSummary], Iterator[dg.AssetCheckResult]]


def meltano_multi_asset(
    *,
    job: str,
    name: str,
    outputs: Sequence[Output],
    pool: str,
    group: str,
    kinds: set[str],
    description: str,
    check_specs: Sequence[dg.AssetCheckSpec] = (),
    checks: Checks | None = None,
    args: Sequence[str] = (),
) -> dg.AssetsDefinition:
    """The assets `meltano run <job>` materializes for the tenant of the partition."""
    specs = [o.spec(job, group, kinds) for o in outputs]
    by_key = {dg.AssetKey(list(o.key)): o for o in outputs}

    @dg.multi_asset(
        name=name,
        specs=specs,
        check_specs=list(check_specs),
        partitions_def=TENANTS,
        pool=pool,
        description=description,
    )
    def _run(
        context: dg.AssetExecutionContext, meltano: MeltanoResource
    ) -> Iterator[dg.MaterializeResult[Any] | dg.AssetCheckResult]:
        tenant = context.partition_key
        summary = meltano.run(context, job, tenant, args=args)
        for spec in specs:
            output = by_key[spec.key]
            metadata = stream_metadata(summary, output.streams)
            if output.table:
                metadata |= tables.row_counts(output.table, tenant)
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
        if checks is not None:
            yield from checks(summary)

    return _run


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
    """A job that copies each stream of `source` one to one (`raw_quickbooks/customers`)."""
    return meltano_multi_asset(
        job=job,
        name=target_prefix,
        outputs=[
            Output((target_prefix, stream), text, deps=[(source, stream)], streams=(stream,))
            for stream, text in streams.items()
        ],
        pool=pool,
        group=group,
        kinds=kinds,
        description=f"`meltano run {job}` for the tenant of the partition",
    )


def stream_metadata(summary: RunSummary, streams: Sequence[str]) -> dict[str, Any]:
    """The streams' records and API requests, and the run's duration and totals."""
    run = summary.metadata()
    picked = [summary.streams[s] for s in streams if s in summary.streams]
    metadata: dict[str, Any] = {
        "records_extracted": sum(s.records_extracted for s in picked),
        "records_loaded": sum(s.records_loaded for s in picked),
        "api_requests": sum(s.http_requests for s in picked),
        "api_seconds": round(sum(s.http_seconds for s in picked), 3),
        "api_errors": sum(s.http_errors for s in picked),
        "run_api_requests": run["api_requests"],
        "run_pipedrive_tokens": run["pipedrive_tokens"],
        "run_duration_seconds": run["duration_seconds"],
    }
    if summary.warnings:
        metadata["warnings"] = dg.MetadataValue.md("\n".join(f"- {w}" for w in summary.warnings))
    return metadata
