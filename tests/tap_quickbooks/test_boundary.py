"""The boundary row: singer-io's inclusive cursor re-emits it on every run; ours does not."""

from __future__ import annotations

from typing import Any

from ledgerlink.quickbooks import query as q
from ledgerlink.tokens import TokenStore
from tests.tap_quickbooks.helpers import TENANT, Qbo


def singer_io_next_run(qbo: Qbo, entity: str, bookmark: str) -> list[dict[str, Any]]:
    """What singer-io tap-quickbooks 2.5.0 asks next: ``LastUpdatedTime >= <max seen>``."""
    token = TokenStore().access_token(TENANT, "quickbooks")
    statement = (
        f"SELECT * FROM {entity} WHERE Metadata.LastUpdatedTime >= '{bookmark}'"  # noqa: S608
        " ORDER BY Metadata.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000"
    )
    answer = qbo.http.get(
        f"/v3/company/{qbo.realm}/query",
        params={"query": statement, "minorversion": "75"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    answer.raise_for_status()
    return list(answer.json()["QueryResponse"].get(entity, []))


def test_inclusive_cursor_reemits_the_boundary_row_ours_does_not(demo: Qbo) -> None:
    demo.advance(62)
    first = demo.run(select=["invoices"])
    newest = max(first.records["invoices"], key=lambda r: r["updated_at"])
    # singer-io's bookmark is the newest LastUpdatedTime it emitted, queried with >=.
    again = singer_io_next_run(demo, "Invoice", newest["MetaData"]["LastUpdatedTime"])
    assert newest["Id"] in {r["Id"] for r in again}, "singer-io's next run re-emits it"
    # Ours: the bookmark is the run's exclusive bound, so the next run emits nothing.
    demo.advance(62)
    second = demo.run(first.state, select=["invoices"])
    assert second.records.get("invoices", []) == []
    bookmark = first.state["bookmarks"]["invoices"]["replication_key_value"]
    assert q.parse_time(bookmark) > q.parse_time(newest["updated_at"])
