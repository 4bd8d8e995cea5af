"""Orders built by the domain rules, written and read back through the core client against the
emulator: totals as the invoice's, payment moves an order on, a void cancels it, and a parcel
shipped in three parts reads back as 1/3, 2/3, Shipped with three tracking numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from ledgerlink.fulfilment.state import fulfilment
from ledgerlink.shiprule import Release, ShipPolicy, term_name
from ledgerlink.shipstation import ShipStationV1
from target_shipstation.order import BuiltOrder, OrderSettings, build_order
from tests.target_shipstation.invoices import ITEMS, customer_3, invoice_12, sales_line

FROZEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
POLICY = ShipPolicy()


def store_id(api: httpx.Client) -> int:
    stores = api.get("/stores").json()
    return int(next(s["storeId"] for s in stores if s["marketplaceId"] == 0))


def build(api: httpx.Client, invoice: dict[str, Any]) -> BuiltOrder:
    release = POLICY.release(invoice, term_name(invoice))
    settings = OrderSettings(tenant="acme", realm_id="9341455649204247", store_id=store_id(api))
    return build_order(invoice, customer=customer_3(), items=ITEMS, settings=settings,
                       release=release)  # fmt: skip


def fountain_invoice(balance: float) -> dict[str, Any]:
    invoice = invoice_12()
    invoice.update(Id="140", DocNumber="1040", TotalAmt=825.0 + 400, Balance=balance,
                   TxnTaxDetail={"TotalTax": 0})  # fmt: skip
    invoice["Line"] = [sales_line("1", "5", 3, 275, 825.0), invoice["Line"][3]]
    return invoice


def test_order_lifecycle_from_unpaid_to_three_parcels(
    client: ShipStationV1, api: httpx.Client
) -> None:
    unpaid = build(api, fountain_invoice(balance=1225.0))  # Net 30: ordered before payment
    [created] = client.upsert_orders([unpaid.payload])
    assert created.success
    order = client.get_order(created.order_id or 0)
    assert order is not None and order.status == "awaiting_payment"
    assert order.order_total == 1225  # lines and totals equal the invoice
    assert [(i.sku, i.quantity, i.adjustment) for i in order.items] == [
        ("RF-275", 3, False), (None, 8, True)]  # fmt: skip

    paid = build(api, fountain_invoice(balance=0))
    [moved] = client.upsert_orders([paid.payload])  # the same orderKey: an update
    assert moved.order_id == created.order_id
    family = client.order_family(paid.order_number)
    assert [(o.status, float(o.raw["amountPaid"])) for o in family] == [("awaiting_shipment", 1225)]

    api.patch("/_sandbox/settings", json={"label_marks_order_shipped": "all_items"})
    seen = []
    for part in range(3):
        api.post(f"/_sandbox/orders/{moved.order_id}/shipments", json={"shipments": [
            {"items": [{"lineItemKey": "1", "quantity": 1}], "carrierCode": "stamps_com",
             "serviceCode": "usps_priority_mail"}]})  # fmt: skip
        family = client.order_family(paid.order_number)
        state = fulfilment(family, client.shipments(moved.order_id or 0), paid.items_ordered)
        seen.append(state.label)
        assert len(state.shipments) == part + 1
    assert seen == ["1/3 Shipped", "2/3 Shipped", "Shipped"]
    tracking = [s.tracking_number for s in state.shipments]
    assert len(set(tracking)) == 3
    assert all(s.tracking_url and s.tracking_url.endswith(s.tracking_number or "?")
               for s in state.shipments)  # fmt: skip
    assert len(client.orders_by_number(paid.order_number)) == 1


def test_voided_invoice_cancels_its_open_order(client: ShipStationV1, api: httpx.Client) -> None:
    built = build(api, fountain_invoice(balance=1225.0))
    [made] = client.upsert_orders([built.payload])
    voided = {**fountain_invoice(balance=0), "TotalAmt": 0, "PrivateNote": "Voided"}
    assert POLICY.release(voided, "Net 30") is Release.CANCEL
    [order] = client.orders_by_number(built.order_number)
    assert client.cancel_order(order).status == "cancelled"
    family = client.order_family(built.order_number)
    assert fulfilment(family, [], built.items_ordered).label == "Cancelled"
    assert made.order_id == order.order_id
