"""From a payment in the QuickBooks sandbox to its ShipStation order, the way production does it:
the paid-invoice sensor asks for a run, the run is a real `meltano run invoices-to-shipstation`.

Needs the job from the target-shipstation work (meltano.yml `invoices-to-shipstation`). Slow (a
real Meltano run): run with `--slow`.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ledgerlink import db
from ledgerlink.shipstation.client import ShipStationV1
from ledgerlink_orchestration.assets.fulfilment import invoices_to_shipstation
from ledgerlink_orchestration.meltano import MeltanoResource
from tests import leakcheck
from tests.orchestration.books import DUE_ON_RECEIPT, create_invoice, pay, settle, tick
from tests.orchestration.conftest import Box

pytestmark = pytest.mark.root_project  # runs `meltano` in the repository's project


@pytest.mark.slow
def test_a_new_due_on_receipt_invoice_becomes_one_shipstation_order_once_paid(
    books: Box,
    clean_db: str,
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    books.connect_quickbooks("acme")
    books.connect_shipstation("acme")
    for name, value in books.sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{tmp_path / 'meltano.db'}")
    instance.add_dynamic_partitions("tenants", ["acme"])
    start = tick(instance, None)
    invoice = create_invoice(books, DUE_ON_RECEIPT)
    settle(books)
    waiting = tick(instance, start.cursor)
    assert waiting.run_requests == []  # Due on receipt: nothing to ship before the payment
    pay(books, invoice)
    settle(books)
    [request] = tick(instance, waiting.cursor).run_requests or []
    assert request.tags["ledgerlink/invoices"] == invoice["DocNumber"]

    result = dg.materialize(
        [invoices_to_shipstation],
        partition_key=request.partition_key,
        instance=instance,
        resources={"meltano": MeltanoResource()},
        tags=request.tags,
        raise_on_error=False,
    )
    leakcheck.record_output(caplog.text)

    assert result.success, [e.message for e in result.all_events if e.is_failure]
    with db.connection() as conn:
        row = conn.execute(
            "SELECT state, shipstation_order_id FROM invoice_order_map"
            " WHERE tenant = 'acme' AND qbo_invoice_id = %s",
            (invoice["Id"],),
        ).fetchone()
    assert row is not None and row["state"] in ("created", "updated")
    with ShipStationV1.for_tenant("acme") as shipstation:
        order = shipstation.get_order(int(row["shipstation_order_id"]))
    assert order is not None and order.status == "awaiting_shipment"
    # The order is there: the same change, looked at again, asks for nothing more.
    after = tick(instance, waiting.cursor)
    assert after.run_requests == []
