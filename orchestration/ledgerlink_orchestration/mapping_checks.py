"""Asset checks over the mapping tables, every tenant at once (one row per problem, per tenant).

They run after the multi-asset that writes the table (its job selects them) and from the UI.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import dagster as dg

from ledgerlink import db
from ledgerlink_orchestration.assets import crm, fulfilment
from ledgerlink_orchestration.settings import SETTINGS

CUSTOMER_ORG_MAP = dg.AssetKey(list(crm.CUSTOMER_ORG_MAP))
INVOICE_ORDER_MAP = dg.AssetKey(list(fulfilment.INVOICE_ORDER_MAP))
PENDING_INVOICES = dg.AssetKey(list(fulfilment.PENDING_INVOICES))
_SHOWN = 50  # problems listed in the metadata; the count says how many there are

# An organization mapped to two customers (the table's UNIQUE constraint also refuses it), or a
# linked deal whose organization is not its customer's.
_ORG_PROBLEMS = """
SELECT tenant, 'organization ' || pipedrive_org_id || ' mapped to customers '
       || string_agg(qbo_customer_id, ', ' ORDER BY qbo_customer_id) AS problem
FROM customer_org_map WHERE pipedrive_org_id IS NOT NULL
GROUP BY tenant, pipedrive_org_id HAVING count(*) > 1
UNION ALL
SELECT d.tenant, 'deal ' || d.pipedrive_deal_id || ' is on organization ' || d.pipedrive_org_id
       || ', customer ' || d.qbo_customer_id || ' is organization ' || m.pipedrive_org_id
FROM deal_map d JOIN customer_org_map m USING (tenant, qbo_customer_id)
WHERE d.unlinked_at IS NULL AND m.state = 'linked' AND d.pipedrive_org_id <> m.pipedrive_org_id
ORDER BY 1, 2
"""
# Active customers the last sync left without an organization, and customers the targets have
# seen (qbo_reference) that the customer sync never mapped.
_UNMAPPED = """
SELECT tenant, 'customer ' || qbo_customer_id || ' is ' || state
       || CASE WHEN state = 'ambiguous'
               THEN ' (organizations ' || array_to_string(candidates, ', ') || ')' ELSE '' END
FROM customer_org_map WHERE active AND state <> 'linked'
UNION ALL
SELECT r.tenant, 'customer ' || r.qbo_id || ' has no organization'
FROM qbo_reference r
WHERE r.entity = 'customer' AND r.active AND NOT EXISTS (
    SELECT 1 FROM customer_org_map m WHERE m.tenant = r.tenant AND m.qbo_customer_id = r.qbo_id)
ORDER BY 1, 2
"""
# A ShipStation order mapped to two invoices (two orders for one sale).
_TWO_ORDERS = """
SELECT tenant, 'ShipStation order ' || shipstation_order_id || ' is mapped to invoices '
       || string_agg(coalesce(doc_number, qbo_invoice_id), ', ' ORDER BY qbo_invoice_id)
FROM invoice_order_map
WHERE shipstation_order_id IS NOT NULL AND state IN ('created', 'updated')
GROUP BY tenant, shipstation_order_id HAVING count(*) > 1
UNION ALL
SELECT tenant, 'order number ' || order_number || ' is used by invoices '
       || string_agg(coalesce(doc_number, qbo_invoice_id), ', ' ORDER BY qbo_invoice_id)
FROM invoice_order_map
WHERE order_number IS NOT NULL AND state IN ('created', 'updated')
GROUP BY tenant, order_number HAVING count(*) > 1
ORDER BY 1, 2
"""
_OLD_PENDING = """
SELECT tenant, 'invoice ' || coalesce(doc_number, qbo_invoice_id) || ' ('
       || coalesce(terms, 'no term') || ', balance ' || coalesce(balance::text, '?')
       || ') waiting since ' || to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD')
FROM pending_invoices
WHERE resolved_at IS NULL AND first_seen < now() - %s
ORDER BY 1, 2
"""


def _problems(query: str, params: Sequence[Any] = ()) -> list[tuple[str, str]]:
    with db.connection() as conn:
        rows = conn.execute(query, params).fetchall()
    return [(str(r["tenant"]), str(r[list(r)[1]])) for r in rows]


def _result(
    problems: list[tuple[str, str]], severity: dg.AssetCheckSeverity
) -> dg.AssetCheckResult:
    per_tenant = Counter(tenant for tenant, _ in problems)
    lines = [f"- {tenant}: {text}" for tenant, text in problems[:_SHOWN]]
    if len(problems) > _SHOWN:
        lines.append(f"- ... and {len(problems) - _SHOWN} more")
    return dg.AssetCheckResult(
        passed=not problems,
        severity=severity,
        metadata={
            "problems": len(problems),
            "per_tenant": dg.MetadataValue.json(dict(per_tenant)),
            "details": dg.MetadataValue.md("\n".join(lines) or "none"),
        },
    )


@dg.asset_check(
    asset=CUSTOMER_ORG_MAP,
    name="one_organization_per_customer",
    description=(
        "No Pipedrive organization mapped to two customers, and no linked deal on another "
        "organization than its customer's"
    ),
)
def one_organization_per_customer() -> dg.AssetCheckResult:
    return _result(_problems(_ORG_PROBLEMS), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(
    asset=CUSTOMER_ORG_MAP,
    name="every_active_customer_mapped",
    description=(
        "After a sync every active customer has its organization: none pending, none ambiguous "
        "(a person picks among the candidates), none seen by the targets yet never mapped"
    ),
)
def every_active_customer_mapped() -> dg.AssetCheckResult:
    return _result(_problems(_UNMAPPED), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(
    asset=INVOICE_ORDER_MAP,
    name="no_invoice_with_two_orders",
    description="No ShipStation order (id or number) stands for two invoices",
)
def no_invoice_with_two_orders() -> dg.AssetCheckResult:
    return _result(_problems(_TWO_ORDERS), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(
    asset=PENDING_INVOICES,
    name="no_old_pending_invoices",
    description=(
        "No invoice waits for its payment longer than LEDGERLINK_PENDING_WARN_DAYS days (a "
        "reminder to chase, not an error)"
    ),
)
def no_old_pending_invoices() -> dg.AssetCheckResult:
    age = timedelta(days=SETTINGS.pending_warn_days)
    return _result(_problems(_OLD_PENDING, (age,)), dg.AssetCheckSeverity.WARN)


CHECKS = [
    one_organization_per_customer,
    every_active_customer_mapped,
    no_invoice_with_two_orders,
    no_old_pending_invoices,
]
