"""The recorded output of the two taps (``recorded/``, written by ``record_singer.py`` against the
``demo`` seed) replayed through target-pipedrive, against a Pipedrive company of the same seed:
QuickBooks customers become organizations (linked by name where the company has them), then the
company's deals are linked to the customers through those organizations."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerlink import db
from tests import leakcheck
from tests.tap_pipedrive.conftest import PipedriveSandbox, connect
from tests.target_pipedrive.singer_io import TargetRun, run_target

RECORDED = Path(__file__).resolve().parent / "recorded"


def _messages(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (RECORDED / name).read_text().splitlines()]


def _records(name: str) -> list[dict[str, Any]]:
    return [m["record"] for m in _messages(name) if m["type"] == "RECORD"]


def _replay(name: str) -> TargetRun:
    return run_target(_messages(name), backoff_base_seconds=0.01)


@pytest.fixture(scope="module")
def demo_company() -> Iterator[PipedriveSandbox]:
    sandbox = PipedriveSandbox(seed="demo", size="demo")
    yield sandbox
    leakcheck.add_issued({item.value for item in sandbox.service.state.oauth.issued})
    sandbox.close()


@pytest.fixture
def company(demo_company: PipedriveSandbox, clean_db: str) -> PipedriveSandbox:
    demo_company.reset()
    connect(demo_company)
    return demo_company


def _requests(company: PipedriveSandbox) -> int:
    routes = company.admin.get("/_sandbox/stats").json()["routes"]
    return sum(n for k, n in routes.items() if " /_sandbox" not in k)


def test_recorded_customers_then_deals_replay_into_organizations_and_deal_links(
    company: PipedriveSandbox,
) -> None:
    customers = _records("customers.singer")
    own = {c["Id"] for c in customers if not c.get("Job")}
    first = _replay("customers.singer")
    assert first.exit_code == 0
    assert first.states  # the tap's bookmark passed on once written
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state, match_method FROM customer_org_map"
        ).fetchall()
    mapping = {r["qbo_customer_id"]: r for r in rows}
    assert set(mapping) == own
    assert Counter(r["match_method"] for r in rows)["name"] > 0  # the company's own, linked
    linked = [r["pipedrive_org_id"] for r in rows if r["state"] == "linked"]
    assert len(linked) == len(set(linked))

    before = _requests(company)
    assert _replay("customers.singer").exit_code == 0
    assert _requests(company) == before  # the same input again: no request

    deals = _records("deals.singer")
    by_org = {r["pipedrive_org_id"]: r["qbo_customer_id"] for r in rows if r["state"] == "linked"}
    linked_deals = run_target(_messages("deals.singer"))
    assert linked_deals.exit_code == 0
    assert _requests(company) == before  # deals cost no Pipedrive request
    with db.connection() as conn:
        links = {
            r["pipedrive_deal_id"]: r
            for r in conn.execute(
                "SELECT pipedrive_deal_id, qbo_customer_id, unlinked_at FROM deal_map"
            ).fetchall()
        }
    expected = {
        d["id"]: by_org.get(d["org_id"])
        for d in deals
        if not d.get("is_deleted") and by_org.get(d["org_id"])
    }
    assert expected  # some deals belong to organizations of customers
    assert {k: r["qbo_customer_id"] for k, r in links.items() if r["unlinked_at"] is None} == (
        expected
    )
    again = run_target(_messages("deals.singer"))
    assert "target-pipedrive: deals → deal_map: " in "\n".join(again.report)
    assert any(f"unchanged {len(expected)}" in line for line in again.report)
