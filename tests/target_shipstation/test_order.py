"""The order built from an invoice: Intuit's recorded invoice, the rules for bad input, and
properties over generated invoices (totals equal the invoice's; every sales line is an item)."""

from __future__ import annotations

import copy
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.shiprule import Release
from target_shipstation.errors import InvoiceError
from target_shipstation.lines import SHIPPING_ITEM_ID
from target_shipstation.order import BuiltOrder, NothingToShip, OrderSettings, build_order
from tests.target_shipstation.invoices import ITEMS, customer_3, invoice_12, invoices

SETTINGS = OrderSettings(tenant="acme", realm_id="9341455649204247", store_id=310001)


def build(invoice: dict[str, Any], release: Release = Release.SHIP, **kw: Any) -> BuiltOrder:
    options = {"customer": customer_3(), "items": ITEMS, "settings": SETTINGS, **kw}
    return build_order(invoice, release=release, **options)


def test_recorded_paid_invoice_becomes_a_complete_order() -> None:
    built = build(invoice_12())
    order = built.payload
    assert (built.order_key, built.order_number) == ("qbo-9341455649204247-12", "QB-acme-1004")
    assert order["orderStatus"] == "awaiting_shipment"
    assert order["orderDate"] == "2023-02-06T00:00:00"
    assert order["paymentDate"] == "2023-02-18T12:59:21"  # the last update (Pacific)
    assert (order["amountPaid"], order["taxAmount"], order["shippingAmount"]) == (
        2369.52,
        175.52,
        0,
    )
    assert order["customerEmail"] == "Cool_Cars@intuit.com"
    assert [(i["lineItemKey"], i["sku"], i["name"], i["quantity"], i["unitPrice"],
             i["adjustment"]) for i in order["items"]] == [
        ("1", "SPR-H", "Sprinkler Heads", 10, 2, False),
        ("2", "SPR-P", "Sprinkler Pipes", 6, 4, False),
        ("3", "SOD-1", "Sod", 50, 35, False),
        ("4", None, "Services", 8, 50, True),  # a service: in the total, never shipped
    ]  # fmt: skip
    assert built.items_ordered == 66
    # No ship-to anywhere: the invoice's free-form bill-to, with the customer's names.
    assert order["shipTo"] == {
        "name": "Grace Pariente", "company": "Cool Cars", "street1": "65 Ocean Dr.",
        "street2": None, "street3": None, "city": "Half Moon Bay", "state": "CA",
        "postalCode": "94213", "country": "US", "phone": "(415) 555-9933", "residential": None,
    }  # fmt: skip
    assert order["billTo"] == order["shipTo"]
    assert order["advancedOptions"] == {
        "storeId": 310001,
        "customField1": "12",
        "customField2": "acme",
        "source": "QuickBooks",
    }


def test_unpaid_order_and_addresses_from_the_customer() -> None:
    invoice = invoice_12()
    invoice["Balance"] = 2369.52
    del invoice["BillAddr"], invoice["BillEmail"]
    invoice["ShipAddr"] = {
        "Id": "9",
        "Line1": "1 Dock St",
        "City": "Oakland",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "94607",
        "Country": "USA",
    }
    order = build(invoice, Release.ORDER_UNPAID).payload
    assert order["orderStatus"] == "awaiting_payment"
    assert (order["amountPaid"], order["paymentDate"]) == (0, None)
    assert (order["shipTo"]["street1"], order["shipTo"]["country"]) == ("1 Dock St", "US")
    assert (order["billTo"]["street1"], order["billTo"]["city"]) == (
        "65 Ocean Dr.",
        "Half Moon Bay",
    )
    assert order["customerEmail"] == "Cool_Cars@intuit.com"
    shipping_first = OrderSettings("acme", "1", unpaid_status="awaiting_shipment")
    assert build(invoice, Release.ORDER_UNPAID, settings=shipping_first).payload[
        "orderStatus"] == "awaiting_shipment"  # fmt: skip


def test_discount_shipping_and_rounding_lines() -> None:
    invoice = invoice_12()
    invoice["Line"][0]["SalesItemLineDetail"].update(Qty=3, UnitPrice=3.333)
    invoice["Line"][0]["Amount"] = 10.0  # QuickBooks rounds 9.999 to cents
    invoice["Line"] += [
        {"Id": "5", "Amount": 15.0, "DetailType": "SalesItemLineDetail",
         "SalesItemLineDetail": {"ItemRef": {"value": SHIPPING_ITEM_ID}}},
        {"Id": "6", "Amount": 100.0, "DetailType": "DiscountLineDetail",
         "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 5}},
    ]  # fmt: skip
    invoice["TotalAmt"] = 2369.52 - 10 - 100 + 15
    order = build(invoice).payload
    keyed = {i["lineItemKey"]: i for i in order["items"]}
    assert (keyed["1"]["quantity"], keyed["1"]["unitPrice"]) == (3, 3.333)
    assert keyed["1-rounding"]["unitPrice"] == 0.001 and keyed["1-rounding"]["adjustment"]
    assert (keyed["discount-6"]["name"], keyed["discount-6"]["unitPrice"]) == ("Discount 5%", -100)
    assert order["shippingAmount"] == 15


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda inv: inv.update(Line=[inv["Line"][-1]]), "has no product lines"),
        (lambda inv: inv["Line"][0]["SalesItemLineDetail"]["ItemRef"].update(value="99"),
         "is unknown to the target"),
        (lambda inv: inv.update(TotalAmt=2400), "add up to 2369.52 but its total is 2400.00"),
        (lambda inv: inv.update(DocNumber="X" * 46), "too long for a ShipStation order number"),
        (lambda inv: inv["BillAddr"].update(Line4="Springfield", Country="Freedonia"),
         "country 'Freedonia'"),
        (lambda inv: inv.pop("BillAddr"), "shipping or billing address"),
    ],
)  # fmt: skip
def test_bad_invoices_name_the_invoice_and_the_fix(change: Any, message: str) -> None:
    invoice = invoice_12()
    change(invoice)
    customer = customer_3() if "address" not in message else None
    with pytest.raises(
        InvoiceError, match=r"^Cannot order invoice .*\(QuickBooks id 12\): "
    ) as caught:
        build(invoice, customer=customer)
    assert message in str(caught.value)


def test_item_without_sku_or_with_a_long_name() -> None:
    items = copy.deepcopy(ITEMS)
    del items["14"]["Sku"]
    with pytest.raises(InvoiceError, match="'Sod' \\(id 14\\) has no SKU; set the item's SKU"):
        build(invoice_12(), items=items)
    fallback = OrderSettings("acme", "1", sku_fallback="item_id")
    skus = [i["sku"] for i in build(invoice_12(), items=items, settings=fallback).payload["items"]]
    assert "qbo-item-14" in skus
    items["14"].update(Sku="SOD-1", Name="Sod " * 60)
    with pytest.raises(InvoiceError, match="over ShipStation's 200; shorten it in QuickBooks"):
        build(invoice_12(), items=items)


def test_services_only_invoice_is_an_order_with_nothing_to_pack() -> None:
    invoice = invoice_12()
    invoice["Line"] = [invoice["Line"][3]]
    invoice["TotalAmt"], invoice["TxnTaxDetail"] = 400, {"TotalTax": 0}
    built = build(invoice)
    [item] = built.payload["items"]
    assert (item["name"], item["quantity"], item["unitPrice"], item["adjustment"]) == (
        "Services", 8, 50, True)  # fmt: skip
    assert _sum(built.payload) == Decimal(400)  # the invoice's total
    assert built.items_ordered == 0  # nothing the "X/Y Shipped" count waits for
    skipping = replace(SETTINGS, services_only="skip")
    with pytest.raises(NothingToShip, match="services_only is skip; nothing to ship"):
        build(invoice, settings=skipping)


def test_only_ship_and_order_unpaid_build_orders() -> None:
    with pytest.raises(ValueError, match="wait"):
        build(invoice_12(), Release.WAIT)


def _sum(order: dict[str, Any]) -> Decimal:
    items = sum((Decimal(str(i["quantity"])) * Decimal(str(i["unitPrice"]))
                 for i in order["items"]), Decimal(0))  # fmt: skip
    return items + Decimal(str(order["taxAmount"])) + Decimal(str(order["shippingAmount"]))


@settings(max_examples=300, deadline=None)
@given(invoice=invoices(), release=st.sampled_from([Release.SHIP, Release.ORDER_UNPAID]))
def test_order_total_equals_the_invoice_total(invoice: dict[str, Any], release: Release) -> None:
    order = build(invoice, release).payload
    # ShipStation's orderTotal: sum(quantity x unitPrice) + taxAmount + shippingAmount.
    assert _sum(order) == Decimal(str(invoice["TotalAmt"]))
    paid = Decimal(str(invoice["TotalAmt"])) - Decimal(str(invoice["Balance"]))
    assert Decimal(str(order["amountPaid"])) == paid
    assert len(order["orderNumber"]) <= 50 and order["orderKey"].startswith("qbo-")
    assert all(isinstance(i["quantity"], int) and i["quantity"] >= 1 for i in order["items"])


@settings(max_examples=300, deadline=None)
@given(invoice=invoices())
def test_every_sales_line_becomes_an_item(invoice: dict[str, Any]) -> None:
    built = build(invoice)
    keyed = {i["lineItemKey"]: i for i in built.payload["items"]}
    for line in invoice["Line"]:
        inner = line.get("GroupLineDetail", {}).get("Line", [])
        for key, sales in [(line.get("Id"), line), *((f"{line['Id']}.1", n) for n in inner)]:
            detail = sales.get("SalesItemLineDetail")
            if detail is None or detail["ItemRef"]["value"] == SHIPPING_ITEM_ID:
                continue
            item = ITEMS[detail["ItemRef"]["value"]]
            assert keyed[key]["sku"] == item.get("Sku") and keyed[key]["name"] == item["Name"]
            assert keyed[key]["adjustment"] == (item["Type"] == "Service" or sales["Amount"] < 0)
    physical = sum(i["quantity"] for i in built.payload["items"] if not i["adjustment"])
    assert built.items_ordered == physical >= 1
    assert build(invoice).digest == built.digest  # deterministic: a rerun sends nothing new
