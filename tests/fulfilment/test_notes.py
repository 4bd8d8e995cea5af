"""One note per shipment on the linked deal, never two: not on a rerun, not after a crash
between the request and its record, not after Pipedrive failed; and a status field that is
found by name, created once and never blanked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerlink import db
from ledgerlink.fulfilment.deal_push import note_html
from ledgerlink.fulfilment.readback import Summary
from ledgerlink.fulfilment.state import ShipmentLine, ShipmentView
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.transport import WriteOutcomeUnknown
from tests.fulfilment.conftest import (
    TENANT,
    create_order,
    deal_notes,
    link_deal,
    map_invoice,
    mapping,
    query,
    ship,
)
from tests.tap_pipedrive.conftest import PipedriveSandbox

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
DEAL = 1


def shipped_order(api: httpx.Client, number: str, invoice: str) -> dict[str, Any]:
    order_id = create_order(api, number)
    map_invoice(invoice, number, order_id)
    link_deal(DEAL)
    return ship(api, order_id, 1, carrierCode="ups")


def noting(keys: list[str]) -> None:
    """As a run leaves the row when it dies between sending a note and recording it."""
    with db.connection() as conn:
        conn.execute("UPDATE invoice_order_map SET noting_shipments = %s", (keys,))


def fault(pd: PipedriveSandbox, status: int) -> None:
    body = [{"kind": "status", "method": "POST", "path": "/api/v1/notes", "status": status,
             "count": 5}]  # fmt: skip
    pd.admin.post("/_sandbox/faults", json=body).raise_for_status()


def test_a_note_sent_before_a_crash_is_found_not_repeated(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    label = shipped_order(api, "QB-acme-6001", "601")
    key = f"label-{label['shipmentId']}"
    view = ShipmentView(key, "label", "QB-acme-6001", label["trackingNumber"], "ups", None,
                        None, None, None, (ShipmentLine("WID", "Widget", 1),))  # fmt: skip
    client = PipedriveClient.for_tenant(TENANT)
    client.create_note(note_html("QB-acme-6001", view), deal_id=DEAL)  # the lost run's note
    client.close()
    noting([key])

    summary = read_back()
    assert summary.notes_written == 0 and len(deal_notes(pd, DEAL)) == 1
    row = mapping("601")
    assert (row["noted_shipments"], row["noting_shipments"]) == ([key], [])


def test_a_note_announced_but_never_sent_is_sent_once(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    label = shipped_order(api, "QB-acme-6002", "602")
    noting([f"label-{label['shipmentId']}"])
    assert read_back().notes_written == 1
    assert read_back().notes_written == 0
    assert len(deal_notes(pd, DEAL)) == 1


def test_pipedrive_failures_never_lose_or_repeat_a_note(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    label = shipped_order(api, "QB-acme-6003", "603")
    key = f"label-{label['shipmentId']}"
    fault(pd, 400)  # refused: the note does not exist, the next run sends it
    with pytest.raises(PipedriveApiError):
        read_back()
    assert (mapping("603")["noting_shipments"], mapping("603")["noted_shipments"]) == ([], [])
    assert mapping("603")["fulfilment_label"] == "1/3 Shipped"  # the state was kept

    pd.admin.delete("/_sandbox/faults").raise_for_status()
    fault(pd, 503)  # outcome unknown: looked up on the deal before it is sent again
    with pytest.raises(WriteOutcomeUnknown):
        read_back()
    assert mapping("603")["noting_shipments"] == [key]

    pd.admin.delete("/_sandbox/faults").raise_for_status()
    assert read_back().notes_written == 1
    assert read_back().notes_written == 0
    assert len(deal_notes(pd, DEAL)) == 1


def test_status_field_found_by_name_and_never_blanked(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    client = PipedriveClient.for_tenant(TENANT)
    made = client.create_field("deal", "shipping  STATUS", "varchar")  # a person's spelling
    client.close()
    shipped_order(api, "QB-acme-6004", "604")
    first = read_back()
    assert first.fields_written == 1
    client = PipedriveClient.for_tenant(TENANT)
    names = [f["field_name"] for f in client.fields("deal")]
    deal = client.http.request("GET", f"/api/v2/deals/{DEAL}")["data"]
    client.close()
    assert names.count("shipping  STATUS") == 1 and "Shipping status" not in names
    assert deal["custom_fields"][made["field_code"]] == "1/3 Shipped"
    assert read_back().fields_written == 0  # unchanged: not written again


def test_a_deal_gone_from_pipedrive_is_skipped_and_named(
    read_back: Callable[[], Summary], api: httpx.Client, pd: PipedriveSandbox
) -> None:
    gone = shipped_order(api, "QB-acme-6005", "605")  # linked to DEAL, through customer 58
    order_id = create_order(api, "QB-acme-6006")
    map_invoice("606", "QB-acme-6006", order_id, customer="77")
    link_deal(424242, customer="77")  # a stale link: no such deal
    kept = ship(api, order_id, 1, carrierCode="fedex")

    summary = read_back()
    assert summary.missing_deals == [424242]
    assert "linked deals not found in Pipedrive: 424242" in summary.line()
    [note] = deal_notes(pd, DEAL)
    assert gone["trackingNumber"] in note and kept["trackingNumber"] not in note
    assert mapping("606")["fulfilment_label"] == "1/3 Shipped"  # read back all the same
    assert mapping("606")["noted_shipments"] == [] and mapping("606")["noting_shipments"] == []
    [skipped] = query("SELECT target_key, error FROM sync_audit WHERE action = 'skip'")
    assert skipped["target_key"] == "424242" and "deal 424242 not found" in skipped["error"]
