"""The `connections` table: OAuth tokens kept alive by the keep-alive job."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dagster as dg

from ledgerlink_orchestration.keepalive import Report, keep_alive
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.settings import SETTINGS

CONNECTIONS = dg.AssetKey(["ledgerlink", "connections"])


class KeepAliveConfig(dg.Config):
    fresh_minutes: int = SETTINGS.token_fresh_minutes
    warn_days: int = SETTINGS.reconnect_warn_days


def _metadata(report: Report) -> dict[str, Any]:
    return {
        "refreshed": report.count("refreshed"),
        "fresh": report.count("fresh"),
        "failed": report.count("failed"),
        "failures": dg.MetadataValue.json({o.name: o.detail for o in report.failed}),
        "reconnect_warnings": dg.MetadataValue.md(
            "\n".join(f"- {w}" for w in report.warnings) or "none"
        ),
    }


@dg.asset(
    key=CONNECTIONS,
    group_name="tokens",
    kinds={"postgres"},
    description="OAuth connections of every tenant (tokens sealed in the `connections` table)",
)
def connections(
    context: dg.AssetExecutionContext, config: KeepAliveConfig, tokens: TokenStoreResource
) -> Iterator[dg.MaterializeResult[Any]]:
    """Refresh every tenant's OAuth tokens (`ledgerlink refresh`); fail at the end if any failed."""
    report = keep_alive(
        tokens.store(),
        fresh_for=timedelta(minutes=config.fresh_minutes),
        warn_within=timedelta(days=config.warn_days),
    )
    for outcome in report.outcomes:
        log = context.log.error if outcome.result == "failed" else context.log.info
        log(f"{outcome.name}: {outcome.result} {outcome.detail}".rstrip())
    for warning in report.warnings:
        context.log.warning(warning)
    yield dg.MaterializeResult(metadata=_metadata(report))
    if report.failed:
        names = ", ".join(o.name for o in report.failed)
        first = report.failed[0].detail
        raise dg.Failure(
            description=f"{len(report.failed)} connection(s) not refreshed ({names}): {first}",
            metadata={o.name: o.detail for o in report.failed},
            allow_retries=False,
        )


ASSETS = [connections]
