"""The Pipedrive budget stop as a WARN check: a run that stopped at the daily token reserve
succeeds (its state resumes tomorrow), and this check keeps that from looking like a silent green.
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from ledgerlink_orchestration.meltano import RunSummary

CHECK_NAME = "pipedrive_budget_not_reached"
DESCRIPTION = (
    "The run wrote everything: no Pipedrive plugin stopped at the daily token reserve "
    "(budget_reserve); a stopped run resumes where it stopped after Pipedrive's midnight"
)


def check_specs(keys: Sequence[dg.AssetKey]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(CHECK_NAME, asset=key, description=DESCRIPTION) for key in keys]


def results(summary: RunSummary, keys: Sequence[dg.AssetKey]) -> Iterator[dg.AssetCheckResult]:
    stop = summary.budget_stop
    for key in keys:
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=stop is None,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"stopped": dg.MetadataValue.text(stop or "no")},
        )
