"""The mapping-table checks on real rows: what passes, and each problem named per tenant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from ledgerlink_orchestration.mapping_checks import (
    every_active_customer_mapped,
    no_invoice_with_two_orders,
    no_old_pending_invoices,
    one_organization_per_customer,
)

Check = Callable[[], dg.AssetCheckResult]


def _insert(url: str, table: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> None:
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c.strip()) for c in columns.split(",")),
        sql.SQL(", ").join(sql.Placeholder() * len(rows[0])),
    )
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(query, rows)


def _run(check: Any) -> dg.AssetCheckResult:
    result = check()
    assert isinstance(result, dg.AssetCheckResult)
    return result


def _details(result: dg.AssetCheckResult) -> str:
    value = result.metadata["details"].value
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize(
    "check",
    [
        one_organization_per_customer,
        every_active_customer_mapped,
        no_invoice_with_two_orders,
        no_old_pending_invoices,
    ],
)
def test_empty_tables_pass(clean_db: str, check: Check) -> None:
    result = _run(check)
    assert result.passed
    assert result.metadata["problems"] == dg.IntMetadataValue(0)


def _customers(url: str) -> None:
    _insert(
        url,
        "customer_org_map",
        "tenant, qbo_customer_id, pipedrive_org_id, match_method, state, candidates, active",
        [
            ("acme", "1", 101, "created", "linked", None, True),
            ("acme", "2", 102, "name", "linked", None, True),
            ("acme", "3", None, None, "ambiguous", [201, 202], True),
            ("acme", "4", None, None, "pending", None, False),  # deactivated: not expected
            ("globex", "1", 101, "created", "linked", None, True),  # another company's 101
        ],
    )


def test_a_deal_on_another_organization_than_its_customers_is_an_error(clean_db: str) -> None:
    _customers(clean_db)
    _insert(
        clean_db,
        "deal_map",
        "tenant, pipedrive_deal_id, pipedrive_org_id, qbo_customer_id, unlinked_at",
        [
            ("acme", 7, 101, "1", None),
            ("acme", 8, 101, "2", None),  # customer 2 is organization 102
            ("acme", 9, 101, "2", "2026-11-01"),  # unlinked: history, not a problem
            ("globex", 7, 101, "1", None),
        ],
    )
    result = _run(one_organization_per_customer)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert _details(result) == (
        "- acme: deal 8 is on organization 101, customer 2 is organization 102"
    )


def test_active_customers_without_an_organization_fail_the_mapping_check(clean_db: str) -> None:
    _customers(clean_db)
    _insert(
        clean_db,
        "qbo_reference",
        "tenant, entity, qbo_id, data, active",
        [
            ("acme", "customer", "1", "{}", True),
            ("acme", "customer", "5", "{}", True),  # never mapped
            ("acme", "customer", "6", "{}", False),  # inactive
            ("globex", "customer", "5", "{}", True),
        ],
    )
    result = _run(every_active_customer_mapped)
    assert not result.passed
    assert _details(result).splitlines() == [
        "- acme: customer 3 is ambiguous (organizations 201, 202)",
        "- acme: customer 5 has no organization",
        "- globex: customer 5 has no organization",
    ]
    assert result.metadata["per_tenant"].value == {"acme": 2, "globex": 1}


def test_one_shipstation_order_for_two_invoices_is_an_error(clean_db: str) -> None:
    _insert(
        clean_db,
        "invoice_order_map",
        "tenant, qbo_invoice_id, doc_number, order_key, order_number, shipstation_order_id, state",
        [
            ("acme", "130", "1042", "k130", "1042", 9001, "created"),
            ("acme", "131", "1043", "k131", "1043", 9001, "updated"),
            ("acme", "132", "1044", "k132", "1044", 9002, "cancelled"),
            ("acme", "133", "1045", "k133", "1044", 9003, "created"),  # number of a cancelled one
            ("globex", "130", "1042", "k130", "1042", 9001, "created"),
        ],
    )
    result = _run(no_invoice_with_two_orders)
    assert not result.passed
    assert _details(result) == "- acme: ShipStation order 9001 is mapped to invoices 1042, 1043"


def test_invoices_pending_for_weeks_are_a_warning(clean_db: str) -> None:
    _insert(
        clean_db,
        "pending_invoices",
        "tenant, qbo_invoice_id, doc_number, terms, balance, first_seen, resolved_at",
        [
            ("acme", "140", "1050", "Due on receipt", 120, "2026-10-01T00:00:00Z", None),
            ("acme", "141", "1051", "Due on receipt", 80, "2026-10-01T00:00:00Z", "2026-10-05"),
            ("acme", "142", "1052", "Due on receipt", 60, datetime.now(UTC), None),
        ],
    )
    result = _run(no_old_pending_invoices)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert _details(result) == (
        "- acme: invoice 1050 (Due on receipt, balance 120.00) waiting since 2026-10-01"
    )
