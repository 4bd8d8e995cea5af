"""QBO's query language and time formats (reference §1.2, §6.4).

    window_query("Customer", lo, hi)   # SELECT * FROM Customer WHERE MetaData.LastUpdatedTime
                                       #   >= '…Z' AND … < '…Z' AND Active IN (true, false)
                                       #   ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1
                                       #   MAXRESULTS 1000

Literals are always quoted (numbers too: ``WHERE Balance > 0`` is a parser error), quotes and
backslashes are escaped with a backslash, and times are sent in UTC with ``Z``: QBO stamps
``MetaData`` in US-Pacific but compares instants, so UTC keeps bookmarks unambiguous across DST.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

LAST_UPDATED = "MetaData.LastUpdatedTime"
MAX_RESULTS = 1000  # QBO's documented maximum page size
# Name lists answer only Active = true unless the WHERE clause mentions Active (§1.2 #3).
NAME_LISTS = frozenset(
    {
        "Account",
        "Class",
        "Customer",
        "CustomerType",
        "Department",
        "Employee",
        "Item",
        "PaymentMethod",
        "TaxCode",
        "Term",
        "Vendor",
    }
)
# Transactions are hard-deleted; name lists are only deactivated (§1.2 #4).
TRANSACTIONS = frozenset({"Invoice", "Payment", "CreditMemo", "SalesReceipt", "Estimate", "Bill"})


def escape(value: str) -> str:
    """A string value for inside single quotes: ``Adam's`` → ``Adam\\'s``."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def literal(value: str | int | float | bool | datetime) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"'{format_time(value)}'"
    return f"'{escape(str(value))}'"


def format_time(moment: datetime) -> str:
    """Second-precision UTC, ``2026-01-31T08:00:00Z`` (sub-seconds dropped, never rounded up)."""
    if moment.tzinfo is None:
        raise ValueError("QBO times need a timezone-aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """A QBO stamp or envelope ``time`` (any offset, optional millis) as aware UTC."""
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"QBO time without an offset: {text!r}")
    return parsed.astimezone(UTC)


def utc_iso(moment: datetime) -> str:
    """The form bookmarks and surfaced record fields use: ``2026-01-31T08:00:00+00:00``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def select(
    entity: str,
    conditions: Iterable[str] = (),
    *,
    order_by: str | None = None,
    start: int = 1,
    max_results: int = MAX_RESULTS,
) -> str:
    if not 1 <= max_results <= MAX_RESULTS:
        raise ValueError(f"MAXRESULTS must be within 1..{MAX_RESULTS}")
    if not entity.isidentifier():
        raise ValueError(f"not an entity name: {entity!r}")
    parts = [f"SELECT * FROM {entity}"]  # noqa: S608 - QBO query text; values go through literal()
    where = list(conditions)
    if where:
        parts.append("WHERE " + " AND ".join(where))
    if order_by:
        parts.append(f"ORDERBY {order_by}")
    parts.append(f"STARTPOSITION {max(1, start)} MAXRESULTS {max_results}")
    return " ".join(parts)


def window_query(
    entity: str,
    lo: datetime | None,
    hi: datetime | None,
    *,
    start: int = 1,
    max_results: int = MAX_RESULTS,
) -> str:
    """Rows with ``lo <= LastUpdatedTime < hi`` (either bound optional), oldest first."""
    conditions = []
    if lo is not None:
        conditions.append(f"{LAST_UPDATED} >= {literal(lo)}")
    if hi is not None:
        conditions.append(f"{LAST_UPDATED} < {literal(hi)}")
    if entity in NAME_LISTS:
        conditions.append("Active IN (true, false)")
    return select(entity, conditions, order_by=LAST_UPDATED, start=start, max_results=max_results)


def ids_query(entity: str, ids: Iterable[str]) -> str:
    """Rows with the given Ids (``Id`` supports only ``=`` and ``IN``), at most 1000."""
    values = sorted({str(i) for i in ids}, key=lambda i: (len(i), i))
    if not values or len(values) > MAX_RESULTS:
        raise ValueError(f"between 1 and {MAX_RESULTS} Ids per query")
    conditions = [f"Id IN ({', '.join(literal(v) for v in values)})"]
    if entity in NAME_LISTS:
        conditions.append("Active IN (true, false)")
    return select(entity, conditions, max_results=MAX_RESULTS)
