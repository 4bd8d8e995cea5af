"""The target's settings: the config schema (a description and bounds on each) and the values the
run uses, read once.

``ship_on`` defaults to the replaced application's rule (Due on receipt → paid, Net 30 / Net 60
→ created); ``history_cutoff`` defaults to the day ShipStation was connected for the tenant, so a
first run never ships years of fulfilled invoices. Neither holds a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from singer_sdk import typing as th

from ledgerlink.shiprule import (
    DEFAULT_SHIP_ON,
    DEFAULT_UNKNOWN,
    SHIP_ON_VALUES,
    ShipPolicy,
)
from ledgerlink.singer.settings import common_properties, retry_properties
from target_shipstation.cutoff import HistoryCutoff
from target_shipstation.lines import SkuFallback
from target_shipstation.order import OrderSettings, ServicesOnly, UnpaidStatus

SHIP_ON_DEFAULT = {"Due on receipt": "paid", "Net 30": "created", "Net 60": "created"}
assert {k.casefold() for k in SHIP_ON_DEFAULT} == set(DEFAULT_SHIP_ON)
MAX_STORE_ID = 2**31 - 1


def properties() -> list[th.Property[Any]]:
    return [
        *common_properties("ShipStation"),
        th.Property(
            "ship_on",
            th.ObjectType(additional_properties=th.StringType(allowed_values=SHIP_ON_VALUES)),
            default=dict(SHIP_ON_DEFAULT),
            description="When an invoice of each QuickBooks term becomes an order: 'paid' (once "
            "paid) or 'created' (at once, awaiting payment until paid); term names ignore case "
            "and spacing; listed terms override the defaults (Due on receipt: paid, Net 30 and "
            "Net 60: created)",
        ),
        th.Property(
            "ship_on_default",
            th.StringType(allowed_values=SHIP_ON_VALUES),
            default=DEFAULT_UNKNOWN,
            description="ship_on for terms not listed and invoices without a term",
        ),
        th.Property(
            "history_cutoff",
            th.DateType(),
            description="Only invoices dated on or after this day become orders; older ones "
            "are counted and reported, never sent (default: the day ShipStation was connected "
            "for the tenant). An earlier date ships history: run it with dry_run first",
        ),
        th.Property(
            "store_id",
            th.IntegerType(minimum=1, maximum=MAX_STORE_ID),
            description="ShipStation store of new orders (advancedOptions.storeId; default: "
            "the account's first manual store)",
        ),
        th.Property(
            "realm_id",
            th.StringType(pattern=r"^[0-9]{1,32}$"),
            description="QuickBooks company id (realm) in each orderKey (default: the "
            "tenant's QuickBooks connection)",
        ),
        th.Property(
            "unpaid_status",
            th.StringType(allowed_values=["awaiting_payment", "awaiting_shipment"]),
            default="awaiting_payment",
            description="Status of orders created before payment (ship_on: created); "
            "awaiting_shipment ships Net-terms goods at once",
        ),
        th.Property(
            "default_country",
            th.StringType(pattern=r"^[A-Z]{2}$"),
            default="US",
            description="ISO-2 country of addresses that name none",
        ),
        th.Property(
            "sku_fallback",
            th.StringType(allowed_values=["error", "item_id"]),
            default="error",
            description="An item without SKU: 'error' (the invoice is refused, named in the "
            "audit) or 'item_id' (sent as qbo-item-{id})",
        ),
        th.Property(
            "services_only",
            th.StringType(allowed_values=["order", "skip"]),
            default="order",
            description="An invoice of services only: 'order' (an order like any other, its "
            "lines adjustment items with nothing to pack) or 'skip' (no order, audited)",
        ),
        th.Property(
            "dry_run",
            th.BooleanType(),
            default=False,
            description="Decide and report, write nothing to ShipStation or the mapping tables "
            "(the plan goes to the audit, marked dry_run)",
        ),
        *retry_properties(),
    ]


@dataclass(frozen=True)
class RunSettings:
    tenant: str
    policy: ShipPolicy
    cutoff: HistoryCutoff
    order: OrderSettings
    dry_run: bool
    max_retries: int

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        *,
        realm_id: str,
        connected_at: datetime,
        store_id: int | None,
    ) -> RunSettings:
        tenant = str(config["tenant"])
        return cls(
            tenant=tenant,
            policy=ShipPolicy.from_settings(config.get("ship_on"), config.get("ship_on_default")),
            cutoff=HistoryCutoff.from_setting(config.get("history_cutoff"), connected_at),
            order=OrderSettings(
                tenant=tenant,
                realm_id=realm_id,
                store_id=store_id,
                default_country=str(config.get("default_country") or "US"),
                sku_fallback=cast(SkuFallback, config.get("sku_fallback") or "error"),
                unpaid_status=cast(UnpaidStatus, config.get("unpaid_status") or "awaiting_payment"),
                services_only=cast(ServicesOnly, config.get("services_only") or "order"),
            ),
            dry_run=bool(config.get("dry_run")),
            max_retries=int(config.get("max_retries", 5)),
        )
