"""The CRM side: QuickBooks customers → Pipedrive organizations, deals → links, money → the CRM.

Each Meltano job is one multi-asset writing to Pipedrive (pool `pipedrive`), with the mapping
table it keeps, and the budget-stop check on what it writes.
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from ledgerlink_orchestration.assets import budget
from ledgerlink_orchestration.assets.meltano_job import Output, meltano_multi_asset
from ledgerlink_orchestration.meltano import RunSummary

GROUP = "crm_sync"
KINDS = {"meltano", "pipedrive"}

ORGANIZATIONS = ("crm", "organizations")
CUSTOMER_ORG_MAP = ("ledgerlink", "customer_org_map")
DEAL_LINKS = ("crm", "deal_links")
DEAL_MAP = ("ledgerlink", "deal_map")
MONEY = ("crm", "money")


def _with_budget_check(
    job: str, name: str, outputs: Sequence[Output], written: Sequence[str], description: str
) -> dg.AssetsDefinition:
    keys = [dg.AssetKey(list(written))]

    def checks(summary: RunSummary) -> Iterator[dg.AssetCheckResult]:
        return budget.results(summary, keys)

    return meltano_multi_asset(
        job=job,
        name=name,
        outputs=outputs,
        pool="pipedrive",
        group=GROUP,
        kinds=KINDS,
        description=description,
        check_specs=budget.check_specs(keys),
        checks=checks,
    )


customers_to_pipedrive = _with_budget_check(
    "customers-to-pipedrive",
    "customers_to_pipedrive",
    [
        Output(
            ORGANIZATIONS,
            "Pipedrive organizations kept equal to the QuickBooks customers: created, matched "
            "(external id, then exact name) or updated field by field",
            deps=[("quickbooks", "customers"), ("pipedrive", "organizations")],
            streams=("customers",),
        ),
        Output(
            CUSTOMER_ORG_MAP,
            "One Pipedrive organization per QuickBooks customer (linked, pending, ambiguous), "
            "with the field values last pushed",
            deps=[("quickbooks", "customers"), ("pipedrive", "organizations")],
            table="customer_org_map",
        ),
    ],
    ORGANIZATIONS,
    "`meltano run customers-to-pipedrive` for the tenant: customers → organizations",
)

deals_to_links = _with_budget_check(
    "deals-to-links",
    "deals_to_links",
    [
        Output(
            DEAL_LINKS,
            "Pipedrive deals linked to the organization of their QuickBooks customer",
            deps=[("pipedrive", "deals"), CUSTOMER_ORG_MAP],
            streams=("deals",),
        ),
        Output(
            DEAL_MAP,
            "Each Pipedrive deal's organization and QuickBooks customer (linked or unlinked)",
            deps=[("pipedrive", "deals"), CUSTOMER_ORG_MAP],
            table="deal_map",
        ),
    ],
    DEAL_LINKS,
    "`meltano run deals-to-links` for the tenant: deals → their customer's organization",
)

money_to_pipedrive = _with_budget_check(
    "money-to-pipedrive",
    "money_to_pipedrive",
    [
        Output(
            MONEY,
            "Invoiced, paid and open amounts of each customer on its organization and deals, "
            "with a note per payment",
            deps=[
                ("quickbooks", "invoices"),
                ("quickbooks", "payments"),
                CUSTOMER_ORG_MAP,
                DEAL_MAP,
            ],
            streams=("invoices", "payments"),
        ),
    ],
    MONEY,
    "`meltano run money-to-pipedrive` for the tenant: QuickBooks money → the CRM",
)

ASSETS = [customers_to_pipedrive, deals_to_links, money_to_pipedrive]
