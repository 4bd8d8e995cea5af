"""Money on the CRM end to end against the sandboxes: tap-quickbooks reads invoices and payments
from the QuickBooks sandbox (``demo`` seed), MoneySync writes the figures to the Pipedrive
sandbox's organizations and a linked deal, with one note per payment.

Customers are linked to organizations the way customers-to-pipedrive leaves them (a
``customer_org_map`` row per customer) and one deal through ``deal_map``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledgerlink import db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.retry import Backoff
from target_pipedrive import money_fields, store
from target_pipedrive.money_sync import MoneySummary, MoneySync
from tests.tap_quickbooks.conftest import demo, demo_server
from tests.tap_quickbooks.helpers import Mutations, Qbo, Run
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, stats

__all__ = ["demo", "demo_server"]
STREAMS = ["invoices", "payments"]
WRITES = ("POST /api/v2/", "PATCH /api/v2/", "POST /api/v1/notes")


@dataclass
class World:
    qbo: Qbo
    pd: PipedriveSandbox
    client: PipedriveClient
    orgs: dict[str, int]  # QuickBooks customer Id → organization id
    deal_customer: str
    deal_id: int

    @property
    def today(self) -> date:
        now: datetime = self.qbo.sandbox.clock.now()
        return now.date()

    def sync(self, run_id: str, *, dry_run: bool = False, since: date | None = None) -> MoneySync:
        return MoneySync(
            self.client,
            TENANT,
            money_fields.parse({}),
            run_id=run_id,
            today=self.today,
            notes_since=since or date(2000, 1, 1),
            dry_run=dry_run,
        )

    def run(
        self, run_id: str, state: dict[str, Any] | None = None, **options: Any
    ) -> tuple[Run, MoneySummary]:
        """One money-to-pipedrive run: the tap's invoices and payments in, the push out."""
        tap = self.qbo.run(state=state, select=STREAMS)
        sync = self.sync(run_id, **options)
        for stream in STREAMS:
            sync.ingest(stream, tap.records.get(stream, []))
        return tap, sync.push()


@pytest.fixture
def world(demo: Qbo, pd: PipedriveSandbox) -> Iterator[World]:
    orgs: dict[str, int] = {}
    with db.connection() as conn:
        for customer_id, row in sorted(demo.rows("Customer").items()):
            org = pd.create("organization", name=row["DisplayName"])
            store.link(conn, TENANT, customer_id, int(org["id"]), "manual", {})
            orgs[customer_id] = int(org["id"])
        # The deal goes to the customer with the most payments.
        payers: dict[str, int] = {}
        for payment in demo.rows("Payment").values():
            customer = payment["CustomerRef"]["value"]
            payers[customer] = payers.get(customer, 0) + 1
        deal_customer = max(sorted(payers), key=lambda c: payers[c])
        deal = pd.create("deal", title="Money deal", org_id=orgs[deal_customer])
        conn.execute(
            "INSERT INTO deal_map (tenant, pipedrive_deal_id, pipedrive_org_id, qbo_customer_id)"
            " VALUES (%s, %s, %s, %s)",
            (TENANT, deal["id"], orgs[deal_customer], deal_customer),
        )
    client = PipedriveClient.for_tenant(TENANT, backoff=Backoff(base=0.01, cap=0.05))
    yield World(demo, pd, client, orgs, deal_customer, int(deal["id"]))
    client.close()


# -- what the books say, and what Pipedrive holds ---------------------------------------------
def _voided(row: dict[str, Any]) -> bool:
    return str(row.get("PrivateNote") or "").startswith("Voided") and not row.get("TotalAmt")


def books(qbo: Qbo, today: date) -> dict[str, tuple[Decimal, Decimal, int]]:
    """Customer → (open balance, overdue balance, open invoices), from the sandbox's rows."""
    out: dict[str, tuple[Decimal, Decimal, int]] = {}
    for row in qbo.rows("Invoice").values():
        balance = Decimal(str(row.get("Balance") or 0))
        if _voided(row) or balance <= 0:
            continue
        customer = row["CustomerRef"]["value"]
        open_, overdue, count = out.get(customer, (Decimal(0), Decimal(0), 0))
        due = row.get("DueDate")
        late = balance if due and date.fromisoformat(due) < today else Decimal(0)
        out[customer] = (open_ + balance, overdue + late, count + 1)
    return out


def codes(client: PipedriveClient, entity: str) -> dict[str, str]:
    return {str(f["field_name"]): str(f["field_code"]) for f in client.fields(entity)}


def held(client: PipedriveClient, entity: str, record_id: int) -> dict[str, Any]:
    """The money fields of an organization or deal, by visible name."""
    record = client.organization(record_id) if entity == "organization" else client.deal(record_id)
    assert record is not None
    custom = record.get("custom_fields") or {}
    return {name: custom.get(code) for name, code in codes(client, entity).items()}


def _amount(value: Any) -> Decimal:
    return Decimal(str((value or {}).get("value") or 0)).quantize(Decimal("0.01"))


def assert_books(world: World) -> None:
    """Every organization (and the deal) holds the balances the QuickBooks books say."""
    expected = books(world.qbo, world.today)
    customers = world.qbo.rows("Customer")
    credits: dict[str, Decimal] = {}
    for row in world.qbo.rows("Payment").values():
        customer = row["CustomerRef"]["value"]
        credits[customer] = credits.get(customer, Decimal(0)) + Decimal(
            str(row.get("UnappliedAmt") or 0)
        )
    for customer, org_id in world.orgs.items():
        fields = held(world.client, "organization", org_id)
        open_, overdue, count = expected.get(customer, (Decimal(0), Decimal(0), 0))
        got = (_amount(fields["Open Balance"]), _amount(fields["Overdue Balance"]))
        assert got == (open_, overdue), customer
        assert int(fields["Open Invoices"] or 0) == count, customer
        # QuickBooks' own running balance of the customer says the same, less the payments
        # left on account (a payment of a deleted invoice becomes a credit).
        credit = credits.get(customer, Decimal(0))
        assert open_ - credit == Decimal(str(customers[customer].get("Balance") or 0)), customer
    deal = held(world.client, "deal", world.deal_id)
    org = held(world.client, "organization", world.orgs[world.deal_customer])
    assert {k: deal[k] for k in money_names()} == {k: org[k] for k in money_names()}


def money_names() -> list[str]:
    return [name for name, _, _ in money_fields.DEFAULTS.values()]


def notes_on(pd: PipedriveSandbox, deal_id: int) -> list[dict[str, Any]]:
    return [n for n in pd.rows("note") if n.get("deal_id") == deal_id and n["active_flag"]]


def writes(pd: PipedriveSandbox) -> int:
    return sum(n for route, n in stats(pd).items() if route.startswith(WRITES))


def reset_stats(pd: PipedriveSandbox) -> None:
    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()  # stats and faults only


# -- the tests ------------------------------------------------------------------------------------
def test_balances_equal_the_books_after_a_full_run_and_after_incremental_runs(
    world: World,
) -> None:
    tap, summary = world.run("full")
    assert summary.failures == {} and summary.stopped is None
    assert_books(world)
    # Incremental runs, each after a few changes in QuickBooks.
    change = Mutations(world.qbo)
    state = tap.state
    for round_ in range(3):
        world.qbo.advance(3600)
        change.create_invoice(index=round_ * 7, amount=120 + round_)
        change.pay_invoice(index=round_ * 3)
        change.void_invoice(index=round_ * 5 + 1)
        change.delete_invoice(index=round_ * 11 + 2)
        change.delete_payment(index=round_ * 2)
        world.qbo.advance(120)
        tap, summary = world.run(f"incremental-{round_}", state)
        state = tap.state
        assert summary.failures == {}
        assert_books(world)


def test_an_unchanged_rerun_makes_no_pipedrive_request(world: World) -> None:
    tap, _ = world.run("first")
    reset_stats(world.pd)
    world.qbo.advance(120)
    again, summary = world.run("again", tap.state)
    assert sum(len(r) for r in again.records.values()) == 0
    assert summary.actions == {} and sum(stats(world.pd).values()) == 0
    # The same records again (a replay of the whole input): stored again, nothing sent.
    sync = world.sync("replay")
    for stream in STREAMS:
        sync.ingest(stream, tap.records[stream])
    replay = sync.push()
    assert writes(world.pd) == 0
    assert set(replay.actions) <= {"money-organizations noop", "money-deals noop"}


def test_one_note_per_payment_on_the_linked_deal_never_twice_none_before_the_cutoff(
    world: World,
) -> None:
    payments = [
        p
        for p in world.qbo.rows("Payment").values()
        if p["CustomerRef"]["value"] == world.deal_customer
    ]
    dates = sorted({p["TxnDate"] for p in payments})
    cutoff = date.fromisoformat(dates[len(dates) // 2])
    news = {p["Id"] for p in payments if date.fromisoformat(p["TxnDate"]) >= cutoff}
    assert (news and len(news) < len(payments)) or len(dates) == 1
    tap = world.qbo.run(select=STREAMS)
    for attempt in range(2):  # the second time is a replay of the same input
        sync = world.sync(f"notes-{attempt}", since=cutoff)
        for stream in STREAMS:
            sync.ingest(stream, tap.records[stream])
        sync.push()
        noted = notes_on(world.pd, world.deal_id)
        assert len(noted) == len(news)
        assert {_payment_of(n["content"]) for n in noted} == news
    assert stats(world.pd).get("POST /api/v1/notes") == len(news)
    note = noted[0]["content"]
    assert "Payment received" in note and "Invoice" in note


def _payment_of(content: str) -> str:
    return content.split("ref qbo-payment-")[1].split("<")[0]


def test_a_note_whose_answer_was_lost_is_found_on_the_deal_not_sent_again(
    world: World,
) -> None:
    payments = {
        p["Id"]
        for p in world.qbo.rows("Payment").values()
        if p["CustomerRef"]["value"] == world.deal_customer
    }
    tap = world.qbo.run(select=STREAMS)
    impatient = PipedriveClient.for_tenant(TENANT, timeout=0.5, backoff=Backoff(base=0.01))
    # The first note is created, but only after the client gave up waiting for the answer.
    slow = {"kind": "delay", "delay_seconds": 1.5, "method": "POST", "path": "/api/v1/notes"}
    world.pd.admin.post("/_sandbox/faults", json={**slow, "count": 1}).raise_for_status()
    sync = MoneySync(
        impatient,
        TENANT,
        money_fields.parse({}),
        run_id="lost",
        today=world.today,
        notes_since=date(2000, 1, 1),
    )
    for stream in STREAMS:
        sync.ingest(stream, tap.records[stream])
    lost = sync.push()
    impatient.close()
    assert [e for e in lost.failures.values() if "outcome is unknown" in e]
    with db.connection() as conn:
        sending = conn.execute("SELECT count(*) AS n FROM payment_notes WHERE state = 'sending'")
        assert sending.fetchone() == {"n": 1}  # announced, answer lost: maybe sent
        found = conn.execute(
            "SELECT qbo_payment_id FROM payment_notes WHERE state = 'sending'"
        ).fetchone()
    assert found is not None
    lost_payment = found["qbo_payment_id"]
    assert len(notes_on(world.pd, world.deal_id)) == len(payments) - 1
    # Say the create did land (only its answer was lost): the note is on the deal.
    landed = world.pd.create(
        "note",
        content=f"<p>Payment received</p><p>ref qbo-payment-{lost_payment}</p><br>",
        deal_id=world.deal_id,
        active_flag=True,
        user_id=1,
    )
    reset_stats(world.pd)
    rerun = world.sync("after-loss").push()
    assert rerun.failures == {}
    noted = notes_on(world.pd, world.deal_id)
    assert sorted(_payment_of(n["content"]) for n in noted) == sorted(payments)  # none twice
    # The rerun looked the maybe-sent note up on the deal instead of sending it again.
    assert stats(world.pd).get("GET /api/v1/notes") == 1
    assert "POST /api/v1/notes" not in stats(world.pd)
    with db.connection() as conn:
        row = conn.execute(
            "SELECT state, note_id FROM payment_notes WHERE qbo_payment_id = %s", (lost_payment,)
        ).fetchone()
    assert row == {"state": "sent", "note_id": landed["id"]}


def test_a_note_refused_or_never_landed_is_sent_by_the_next_run(world: World) -> None:
    tap = world.qbo.run(select=STREAMS)
    refuse = {"kind": "status", "status": 503, "method": "POST", "path": "/api/v1/notes"}
    world.pd.admin.post("/_sandbox/faults", json=refuse).raise_for_status()
    sync = world.sync("refused")
    for stream in STREAMS:
        sync.ingest(stream, tap.records[stream])
    first = sync.push()
    world.pd.admin.delete("/_sandbox/faults").raise_for_status()
    assert first.failures and not notes_on(world.pd, world.deal_id)
    second = world.sync("resent").push()  # no new input: the customer stayed due
    assert second.failures == {}
    payments = [
        p
        for p in world.qbo.rows("Payment").values()
        if p["CustomerRef"]["value"] == world.deal_customer
    ]
    assert len(notes_on(world.pd, world.deal_id)) == len(payments)


def test_dry_run_writes_nothing_and_audits_the_plan(world: World) -> None:
    tap = world.qbo.run(select=STREAMS)
    before = {o["id"]: o.get("custom_fields") for o in world.pd.rows("organization")}
    sync = world.sync("dry", dry_run=True)
    for stream in STREAMS:
        sync.ingest(stream, tap.records[stream])
    summary = sync.push()
    assert writes(world.pd) == 0
    assert not notes_on(world.pd, world.deal_id)
    assert {o["id"]: o.get("custom_fields") for o in world.pd.rows("organization")} == before
    assert summary.actions["money-organizations update"] > 0
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT stream, action, dry_run FROM sync_audit WHERE run_id = 'dry'"
        ).fetchall()
        pushed = conn.execute("SELECT count(*) AS n FROM money_pushed").fetchone()
        noted = conn.execute("SELECT count(*) AS n FROM payment_notes").fetchone()
    assert rows and all(r["dry_run"] for r in rows)
    assert {"payment-notes"} <= {r["stream"] for r in rows}
    assert pushed == {"n": 0} and noted == {"n": 0}
    # The customers stay due: the real run after it writes everything.
    real = world.sync("real").push()
    assert (
        real.actions["money-organizations update"] == summary.actions["money-organizations update"]
    )
    assert_books(world)
