"""Asset checks: what an operator must act on, shown in the UI beside the asset."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from ledgerlink_orchestration.assets.connections import CONNECTIONS
from ledgerlink_orchestration.keepalive import reconnect_warnings
from ledgerlink_orchestration.mapping_checks import CHECKS as MAPPING_CHECKS
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.settings import SETTINGS


@dg.asset_check(
    asset=CONNECTIONS,
    name="no_reconnect_due",
    description=(
        "No connection needs a person to reconnect within the warning window "
        "(LEDGERLINK_RECONNECT_WARN_DAYS)"
    ),
)
def no_reconnect_due(tokens: TokenStoreResource) -> dg.AssetCheckResult:
    now = datetime.now(UTC)
    warnings = reconnect_warnings(
        tokens.store().connections(), timedelta(days=SETTINGS.reconnect_warn_days), now
    )
    return dg.AssetCheckResult(
        passed=not warnings,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "connections_to_reconnect": len(warnings),
            "details": dg.MetadataValue.md("\n".join(f"- {w}" for w in warnings) or "none"),
        },
    )


CHECKS = [no_reconnect_due, *MAPPING_CHECKS]
