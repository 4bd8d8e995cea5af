"""Settings of the schedules and jobs: environment variables with sensible defaults.

Read when the code location loads (schedules are defined then); restart `dagster dev` or the code
server after changing one.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Settings:
    # Every schedule's cron expressions are read in this time zone.
    timezone: str = "UTC"
    # Raw copies of every tap into raw_quickbooks / raw_pipedrive: daily, at night.
    raw_copies_cron: str = "0 3 * * *"
    # Customers → Pipedrive organizations: hourly, on the hour.
    customers_cron: str = "0 * * * *"
    # Deal links, then money on the CRM: hourly, after the customers (a new customer's
    # organization exists before its deals are linked).
    money_and_deal_links_cron: str = "20 * * * *"
    # Shipments read back from ShipStation.
    shipment_status_cron: str = "*/15 * * * *"
    # The paid-invoice sensor: seconds between ticks (one QuickBooks request per tenant idle).
    paid_invoice_seconds: int = 300
    # Changes younger than this wait for a later tick: tap-quickbooks' settle_seconds (keep equal).
    paid_invoice_settle_seconds: int = 60
    # On a tenant's first tick, invoices changed this far back are looked at (CDC allows 30).
    paid_invoice_lookback_days: int = 3
    # Token keep-alive: every 30 minutes, inside the one-hour life of an access token.
    token_keepalive_cron: str = "*/30 * * * *"  # noqa: S105 - a cron expression
    # A connection refreshed this recently (by an overlapping run, or a plugin) is left alone.
    token_fresh_minutes: int = 10
    # Warn when someone must reconnect within this many days (rolling or hard refresh expiry).
    reconnect_warn_days: int = 14
    # An invoice waiting this many days for its payment shows as a warning.
    pending_warn_days: int = 14
    # The first day a backfill can pick (its daily partitions start here).
    backfill_start_date: str = "2024-01-01"
    # How often the sensor looks for tenants in the `connections` table.
    tenant_discovery_seconds: int = 60

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Each field from LEDGERLINK_<FIELD> (upper case) when set."""
        source = os.environ if env is None else env
        values: dict[str, str | int] = {}
        for f in fields(cls):
            raw = source.get(f"LEDGERLINK_{f.name.upper()}")
            if raw:
                values[f.name] = int(raw) if f.type in (int, "int") else raw
        return cls(**values)  # type: ignore[arg-type]


SETTINGS = Settings.from_env()
