"""The target on Singer messages against the ShipStation emulator and PostgreSQL: what it sends,
what it records, what it reports, and that it never orders an invoice twice."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from ledgerlink.cli import main
from ledgerlink.errors import LedgerlinkError
from ledgerlink.shipstation import ShipStationApiError
from target_shipstation.target import TargetShipStation
from tests.shipstation.conftest import stats
from tests.target_shipstation.invoices import ITEMS, customer_3, invoice_12
from tests.target_shipstation.runner import JSON, REALM, TENANT, messages, rows, run_target

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
TERMS = [{"Id": "1", "Name": "Due on receipt"}, {"Id": "3", "Name": "Net 30"}]
EARLY = {"history_cutoff": "2020-01-01"}


def invoice(ident: str = "12", doc: str = "1004", **changes: Any) -> JSON:
    made = invoice_12()
    made.update(Id=ident, DocNumber=doc, **changes)
    return made


def due_on_receipt(ident: str, doc: str, balance: float) -> JSON:
    return invoice(ident, doc, SalesTermRef={"value": "1"}, Balance=balance)


def everything(*invoices: JSON, payments: list[JSON] | None = None) -> list[JSON]:
    # Invoices first, their customer, items and terms after: arrival order is not guaranteed.
    return messages(
        {
            "invoices": list(invoices),
            "payments": payments or [],
            "customers": [customer_3()],
            "items": list(ITEMS.values()),
            "terms": TERMS,
        },
        state={"bookmarks": {"invoices": {"replication_key_value": "2026-03-02"}}},
    )


def orders(api: httpx.Client) -> list[JSON]:
    """The orders the target made (the emulator's seed has web-shop orders of its own)."""
    found = api.get("/orders", params={"pageSize": 500, "orderNumber": "QB-"}).json()["orders"]
    return [o for o in found if o["orderNumber"].startswith("QB-")]


def creates(api: httpx.Client) -> int:
    routes = stats(api)
    return routes.get("POST /orders/createorders", 0)


@pytest.fixture
def ready(connect: Callable[..., None], clean_db: str) -> str:
    connect()
    return clean_db


def test_a_paid_invoice_becomes_one_order_equal_to_it(ready: str, api: httpx.Client) -> None:
    ran = run_target(EARLY, everything(invoice()))
    [order] = orders(api)
    assert order["orderNumber"] == "QB-acme-1004"
    assert order["orderKey"] == "qbo-9341455649204247-12"
    assert order["orderStatus"] == "awaiting_shipment"
    assert float(order["orderTotal"]) == 2369.52
    assert order["advancedOptions"]["customField1"] == "12"
    assert ran.report.created == 1 and creates(api) == 1
    # The state is released once, after the orders were sent.
    assert ran.states == [{"bookmarks": {"invoices": {"replication_key_value": "2026-03-02"}}}]
    [row] = rows(
        ready,
        "SELECT state, shipstation_order_id, order_status, qbo_customer_id FROM invoice_order_map",
    )
    # The invoice's customer too: the shipment read-back finds the linked deal through it.
    assert row == {"state": "created", "shipstation_order_id": order["orderId"],
                   "order_status": "awaiting_shipment",
                   "qbo_customer_id": invoice_12()["CustomerRef"]["value"]}  # fmt: skip
    assert rows(ready, "SELECT action FROM sync_audit") == [{"action": "create"}]


def test_an_unchanged_rerun_sends_nothing(ready: str, api: httpx.Client) -> None:
    run_target(EARLY, everything(invoice()))
    before = stats(api)
    ran = run_target(EARLY, everything(invoice()))
    assert stats(api) == before  # not one request
    assert (ran.report.created, ran.report.updated, ran.report.unchanged) == (0, 0, 1)
    assert len(orders(api)) == 1


def test_an_incremental_run_with_one_changed_invoice_builds_it_from_kept_records(
    ready: str, api: httpx.Client
) -> None:
    run_target(EARLY, everything(invoice()))
    changed = invoice(BillEmail={"Address": "grace@coolcars.example"})
    ran = run_target(EARLY, messages({"invoices": [changed]}))  # no customer, items, terms
    assert ran.report.updated == 1 and not ran.report.failed
    [order] = orders(api)
    assert order["customerEmail"] == "grace@coolcars.example"
    assert len(order["items"]) == 4


def test_history_before_the_cutoff_is_counted_and_never_sent(ready: str, api: httpx.Client) -> None:
    ran = run_target({}, everything(invoice(), invoice("13", "1005")))  # default: connected today
    assert ran.report.held_back == 2 and ran.report.created == 0
    assert "2 held back by the history cutoff" in ran.report.lines()[0]
    assert stats(api) == {} and orders(api) == []
    assert rows(ready, "SELECT * FROM invoice_order_map") == []


def test_a_pending_invoice_waits_then_ships_once_paid(ready: str, api: httpx.Client) -> None:
    unpaid = due_on_receipt("20", "1020", balance=2369.52)
    ran = run_target(EARLY, everything(unpaid))
    assert ran.report.pending == 1 and orders(api) == []
    [pending] = rows(ready, "SELECT reason, resolved_at FROM pending_invoices")
    assert pending == {"reason": "awaiting payment (Due on receipt)", "resolved_at": None}

    paid = due_on_receipt("20", "1020", balance=0)
    payment = {"Id": "900", "TxnDate": "2026-03-01",
               "Line": [{"LinkedTxn": [{"TxnId": "20", "TxnType": "Invoice"}]}]}  # fmt: skip
    ran = run_target(EARLY, messages({"invoices": [paid], "payments": [payment]}))
    assert ran.report.created == 1
    [order] = orders(api)
    assert order["orderStatus"] == "awaiting_shipment"
    assert order["paymentDate"].startswith("2026-03-01")
    assert rows(ready, "SELECT resolved_at IS NOT NULL AS done FROM pending_invoices") == [
        {"done": True}
    ]


def test_net_terms_order_at_once_and_move_on_when_paid(ready: str, api: httpx.Client) -> None:
    run_target(EARLY, everything(invoice(Balance=2369.52)))
    [order] = orders(api)
    assert order["orderStatus"] == "awaiting_payment"
    ran = run_target(EARLY, messages({"invoices": [invoice()]}))
    assert ran.report.updated == 1
    [moved] = orders(api)
    assert (moved["orderId"], moved["orderStatus"]) == (order["orderId"], "awaiting_shipment")


def test_a_void_cancels_the_open_order(ready: str, api: httpx.Client) -> None:
    run_target(EARLY, everything(invoice()))
    voided = invoice(TotalAmt=0, Balance=0, PrivateNote="Voided")
    ran = run_target(EARLY, messages({"invoices": [voided]}))
    assert ran.report.cancelled == 1
    [order] = orders(api)
    assert order["orderStatus"] == "cancelled"
    assert rows(ready, "SELECT state, fulfilment FROM invoice_order_map") == [
        {"state": "cancelled", "fulfilment": "cancelled"}
    ]


def test_a_change_after_shipping_is_flagged_and_left_alone(ready: str, api: httpx.Client) -> None:
    run_target(EARLY, everything(invoice()))
    [order] = orders(api)
    api.post(f"/_sandbox/orders/{order['orderId']}/status", json={"orderStatus": "shipped"})
    ran = run_target(EARLY, messages({"invoices": [invoice(TotalAmt=0, PrivateNote="Voided")]}))
    assert ran.report.cancelled == 0 and len(ran.report.flagged) == 1
    assert "invoice 1004" in ran.report.flagged[0]
    assert orders(api)[0]["orderStatus"] == "shipped"


def test_a_send_interrupted_after_the_write_ahead_is_resent_as_an_update(
    ready: str, api: httpx.Client
) -> None:
    run_target(EARLY, everything(invoice()))
    # As if the process died after ShipStation created the order, before the answer was kept.
    rows(ready, "UPDATE invoice_order_map SET state = 'submitting', shipstation_order_id = NULL,"
                " payload_digest = NULL RETURNING 1")  # fmt: skip
    ran = run_target(EARLY, everything(invoice()))
    assert ran.report.created == 1
    assert len(orders(api)) == 1  # the same orderKey: updated, not duplicated
    [row] = rows(ready, "SELECT state, shipstation_order_id FROM invoice_order_map")
    assert row["state"] == "created" and row["shipstation_order_id"] == orders(api)[0]["orderId"]


def test_a_bad_invoice_fails_alone_named_in_the_audit(ready: str, api: httpx.Client) -> None:
    bad = invoice("30", "1030")
    bad["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": "999"}
    ran = run_target(EARLY, everything(bad, invoice()))
    assert ran.report.created == 1 and len(ran.report.failed) == 1
    assert "invoice 1030 (QuickBooks id 30)" in ran.report.failed[0]
    [failure] = rows(ready, "SELECT source_key, error FROM sync_audit WHERE action = 'fail'")
    assert failure["source_key"] == "30" and "1030" in failure["error"]
    assert [o["orderNumber"] for o in orders(api)] == ["QB-acme-1004"]


def test_dry_run_writes_nothing_but_the_plan(ready: str, api: httpx.Client) -> None:
    ran = run_target({**EARLY, "dry_run": True}, everything(invoice()))
    assert ran.report.created == 1 and "1 would be created" in ran.report.lines()[0]
    assert stats(api) == {} and orders(api) == []
    assert rows(ready, "SELECT * FROM invoice_order_map") == []
    assert rows(ready, "SELECT action, dry_run FROM sync_audit") == [
        {"action": "create", "dry_run": True}
    ]


def test_creates_go_in_batches_of_one_hundred(ready: str, api: httpx.Client) -> None:
    many = [invoice(str(100 + n), f"2{n:03d}") for n in range(130)]
    ran = run_target(EARLY, everything(*many))
    assert ran.report.created == 130
    assert creates(api) == 2  # ceil(130 / 100)
    assert len(orders(api)) == 130


def test_a_stream_it_does_not_load_is_refused(ready: str) -> None:
    with pytest.raises(LedgerlinkError, match="does not load stream 'deals'"):
        run_target({}, messages({"deals": [{"Id": "1"}]}))


def test_an_invoice_refused_for_its_data_is_retried_once_fixed_without_the_tap_resending_it(
    ready: str, api: httpx.Client
) -> None:
    items = {**ITEMS, "14": {**ITEMS["14"], "Sku": None}}  # Sod has no SKU yet
    lines = messages({"invoices": [invoice()], "customers": [customer_3()],
                      "items": list(items.values()), "terms": TERMS})  # fmt: skip
    ran = run_target(EARLY, lines)
    assert len(ran.report.failed) == 1 and "SKU" in ran.report.failed[0]
    assert orders(api) == []
    ran = run_target(EARLY, messages({"items": [ITEMS["14"]]}))  # the SKU is set in QuickBooks
    assert (ran.report.retried, ran.report.created) == (1, 1)
    assert [o["orderNumber"] for o in orders(api)] == ["QB-acme-1004"]
    ran = run_target(EARLY, messages({"items": [ITEMS["14"]]}))
    assert (ran.report.retried, ran.report.created, ran.report.unchanged) == (0, 0, 0)


def test_an_order_shipstation_refuses_is_recorded_failed_and_sent_again_next_run(
    ready: str, api: httpx.Client
) -> None:
    body = json.dumps({"Message": "The request is invalid.", "ExceptionMessage": "Bad address"})
    fault = {"kind": "status", "status": 400, "method": "POST", "path": "/orders/*", "count": 2,
             "body": body, "content_type": "application/json"}  # fmt: skip
    api.post("/_sandbox/faults", json=fault).raise_for_status()
    ran = run_target(EARLY, everything(invoice()))
    assert ran.report.created == 0 and len(ran.report.failed) == 1
    [row] = rows(ready, "SELECT state, attempts, error FROM invoice_order_map")
    assert row["state"] == "failed" and row["attempts"] == 1 and "QB-acme-1004" in row["error"]
    api.delete("/_sandbox/faults")
    ran = run_target(EARLY, messages({}))  # nothing new from the tap
    assert ran.report.created == 1
    assert len(orders(api)) == 1
    assert rows(ready, "SELECT state, attempts, error FROM invoice_order_map") == [
        {"state": "created", "attempts": 0, "error": None}
    ]


def test_a_deleted_invoice_cancels_its_order(ready: str, api: httpx.Client) -> None:
    run_target(EARLY, everything(invoice()))
    tombstone = {"Id": "12", "status": "Deleted", "_sdc_deleted_at": "2026-03-02T10:00:00Z"}
    ran = run_target(EARLY, messages({"invoices": [tombstone]}))
    assert ran.report.cancelled == 1 and not ran.report.failed
    assert orders(api)[0]["orderStatus"] == "cancelled"


def test_an_outage_stops_the_run_without_releasing_state_and_the_next_run_resends(
    ready: str, api: httpx.Client
) -> None:
    api.post("/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/orders*"})
    fast = {"max_retries": 1, "backoff_base_seconds": 0.01}
    target = TargetShipStation(config={"tenant": TENANT, "realm_id": REALM, **fast, **EARLY})
    stdout = io.StringIO()
    lines = "".join(json.dumps(m) + "\n" for m in everything(invoice()))
    with contextlib.redirect_stdout(stdout), pytest.raises(ShipStationApiError, match="503"):
        target.listen(io.StringIO(lines))
    assert stdout.getvalue() == ""  # no state: the tap will send the invoice again
    assert rows(ready, "SELECT state FROM invoice_order_map") == [{"state": "submitting"}]
    api.delete("/_sandbox/faults")
    ran = run_target(EARLY, everything(invoice()))
    assert ran.report.created == 1 and len(ran.states) == 1
    assert len(orders(api)) == 1


def test_a_replay_sends_the_invoice_again_on_the_next_run(ready: str, api: httpx.Client) -> None:
    run_target(EARLY, everything(invoice()))
    [order] = orders(api)
    api.post(f"/_sandbox/orders/{order['orderId']}/status", json={"orderStatus": "on_hold"})
    cli = CliRunner()
    done = cli.invoke(main, ["replay", "--tenant", TENANT, "invoice", "12"])
    assert done.exit_code == 0 and "Invoice 1004 (QuickBooks id 12) is queued" in done.output
    ran = run_target(EARLY, messages({}))  # the tap has nothing new
    assert (ran.report.retried, ran.report.updated) == (1, 1)
    assert orders(api)[0]["orderStatus"] == "awaiting_shipment"  # the invoice's, again
    ran = run_target(EARLY, messages({}))  # once
    assert (ran.report.retried, ran.report.updated) == (0, 0)

    unknown = cli.invoke(main, ["replay", "--tenant", TENANT, "invoice", "999"])
    assert unknown.exit_code == 1
    assert "has not seen QuickBooks invoice 999 of tenant 'acme'" in unknown.output


def test_the_report_counts_create_requests(ready: str, api: httpx.Client) -> None:
    ran = run_target(EARLY, everything(invoice(), invoice("13", "1005")))
    assert ran.report.lines()[0].endswith("; 1 createorders requests")
