"""The mapping tables' rows of one tenant, counted for materialization metadata."""

from typing import Any

from psycopg import sql

from ledgerlink import db

# Per table: metadata name → the condition a row counts under (constant SQL, no input in it).
_COUNTS: dict[str, dict[str, str]] = {
    "customer_org_map": {
        "rows": "true",
        "linked": "state = 'linked'",
        "ambiguous": "state = 'ambiguous'",
        "pending": "state = 'pending'",
        "inactive_customers": "NOT active",
    },
    "deal_map": {
        "rows": "true",
        "linked": "unlinked_at IS NULL",
        "unlinked": "unlinked_at IS NOT NULL",
    },
    "invoice_order_map": {
        "rows": "true",
        "orders": "state IN ('created', 'updated')",
        "failed": "state = 'failed'",
        "cancelled": "state = 'cancelled'",
        "partly_shipped": "fulfilment = 'partial'",
        "shipped": "fulfilment IN ('shipped', 'delivered')",
    },
    "pending_invoices": {"rows": "true", "waiting": "resolved_at IS NULL"},
}

TABLES = tuple(_COUNTS)


def row_counts(table: str, tenant: str, database_url: str | None = None) -> dict[str, Any]:
    """`{"rows": 12, "linked": 10, ...}` for the tenant's rows of `table`."""
    counts = _COUNTS[table]
    columns = sql.SQL(", ").join(
        sql.SQL("count(*) FILTER (WHERE {}) AS {}").format(sql.SQL(cond), sql.Identifier(name))
        for name, cond in counts.items()
    )
    query = sql.SQL("SELECT {} FROM {} WHERE tenant = %s").format(columns, sql.Identifier(table))
    with db.connection(database_url) as conn:
        row = conn.execute(query, (tenant,)).fetchone()
    return {f"{table}.{name}": int(row[name]) if row else 0 for name in counts}
