"""Migration 0004: the reference records the target keeps, and the analysts' views of the
fulfilment read back by the domain rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from psycopg.types.json import Jsonb

from ledgerlink import db
from ledgerlink.fulfilment.state import fulfilment
from ledgerlink.shipstation.models import Order, OrderItem, Shipment, ShipmentItem


def test_reference_records_upsert_per_tenant_entity_and_id(clean_db: str) -> None:
    upsert = (
        "INSERT INTO qbo_reference (tenant, entity, qbo_id, data) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (tenant, entity, qbo_id) DO UPDATE SET data = EXCLUDED.data"
    )
    with db.connection() as conn:
        conn.execute(upsert, ("acme", "item", "5", Jsonb({"Name": "Rock Fountain"})))
        conn.execute(upsert, ("acme", "item", "5", Jsonb({"Name": "Rock Fountain", "Sku": "R"})))
        conn.execute(upsert, ("acme", "term", "5", Jsonb({"Name": "Net 10"})))
        rows = conn.execute(
            "SELECT entity, data FROM qbo_reference WHERE tenant = %s ORDER BY 1", ("acme",)
        ).fetchall()
        assert [(r["entity"], r["data"]) for r in rows] == [
            ("item", {"Name": "Rock Fountain", "Sku": "R"}),
            ("term", {"Name": "Net 10"}),
        ]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(upsert, ("acme", "invoice", "1", Jsonb({})))


def test_views_show_the_read_back_fulfilment(clean_db: str) -> None:
    fountain = OrderItem("1", "RF-275", "Rock Fountain", 3, Decimal(275), False)
    parent = Order(7, "QB-acme-1040", "qbo-1-140", "shipped", (fountain,), None, False, None, {})
    label = Shipment("label", 31, 7, "QB-acme-1040", "9400111", "stamps_com", "usps_priority",
                     date(2026, 3, 3), None, False, None,
                     (ShipmentItem("1", "RF-275", "Rock Fountain", 2),))  # fmt: skip
    state = fulfilment([parent], [label], ordered=3)
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, doc_number, order_key,"
            " order_number, shipstation_order_id, state, fulfilment, fulfilment_label,"
            " items_shipped, items_ordered, shipments, noted_shipments)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'created', %s, %s, %s, %s, %s, %s)",
            ("acme", "140", "1040", "qbo-1-140", "QB-acme-1040", 7, state.state.value,
             state.label, state.shipped, state.ordered, Jsonb(state.shipments_json()),
             [s.key for s in state.shipments]),
        )  # fmt: skip
        summary = conn.execute(
            "SELECT fulfilment, fulfilment_label, shipment_count FROM invoice_fulfilment"
        ).fetchone()
        assert summary == {
            "fulfilment": "partial",
            "fulfilment_label": "2/3 Shipped",
            "shipment_count": 1,
        }
        shipment = conn.execute(
            "SELECT tracking_number, carrier, ship_date, tracking_url,"
            " items -> 0 ->> 'quantity' AS quantity"
            " FROM invoice_shipments WHERE order_number = %s",
            ("QB-acme-1040",),
        ).fetchone()
        assert shipment == {
            "tracking_number": "9400111", "carrier": "stamps_com", "ship_date": date(2026, 3, 3),
            "tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111",
            "quantity": "2",
        }  # fmt: skip
        conn.execute("UPDATE invoice_order_map SET fulfilment = 'cancelled'")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE invoice_order_map SET fulfilment = 'lost'")
