"""An invoice (+ its customer, items and term decision) → the ShipStation createorder body.

Pure: everything it needs is passed in (the target keeps items, terms and customers between
runs so an incremental run carrying one changed invoice still builds a complete order).

- ``orderKey`` / ``orderNumber``: ``keys``; ``orderDate``: the invoice date.
- ``orderStatus``: ``awaiting_shipment`` when paid (or nothing is owed); before payment the
  ``unpaid_status`` setting (``awaiting_payment`` by default; moved on when paid).
- ``billTo`` / ``shipTo``: the invoice's addresses, the customer's as fallback (ship-to falls
  back to bill-to last); ``customerEmail``: the invoice's BillEmail, else the customer's.
- ``items``: ``lines``; ``taxAmount``: ``TxnTaxDetail.TotalTax``; ``shippingAmount``: the
  shipping lines; ``amountPaid``: total - balance; ``paymentDate``: ``paid_at``, the last payment
  (``payments.payment_dates``, else the date kept in ``invoice_order_map.paid_on``: a body
  must not change when a later run lacks the payment); only when neither is known, the
  invoice's last update (which a payment bumps). Pacific time as V1 expects.
- ``advancedOptions``: the configured ``storeId``; ``customField1`` = the QuickBooks invoice id,
  ``customField2`` = the tenant, ``source`` = ``QuickBooks``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ledgerlink.money import ZERO, decimal, number
from ledgerlink.shiprule import Release
from target_shipstation import addresses, keys
from target_shipstation.cutoff import invoice_date
from target_shipstation.errors import InvoiceError
from target_shipstation.lines import SkuFallback, check_total, items_total, order_lines
from target_shipstation.lines import physical_quantity as _physical_quantity

JSON = dict[str, Any]
PACIFIC = ZoneInfo("America/Los_Angeles")  # V1 reads and writes times as US Pacific wall time
UnpaidStatus = Literal["awaiting_payment", "awaiting_shipment"]
ServicesOnly = Literal["order", "skip"]


@dataclass(frozen=True)
class OrderSettings:
    tenant: str
    realm_id: str
    store_id: int | None = None
    default_country: str = "US"
    sku_fallback: SkuFallback = "error"
    unpaid_status: UnpaidStatus = "awaiting_payment"
    # An invoice of services only: an order like any other (its lines are adjustment items,
    # nothing to pack), or skipped (audited) for accounts that want no parcel-less orders.
    services_only: ServicesOnly = "order"


@dataclass(frozen=True)
class BuiltOrder:
    invoice_id: str
    order_key: str
    order_number: str
    payload: JSON
    items_ordered: int  # physical units: the Y of "X/Y Shipped"
    digest: str  # of the payload: an unchanged invoice sends nothing


class NothingToShip(InvoiceError):
    """Every line is a service and the ``services_only`` setting says ``skip``: no order
    (audited as a skip)."""


def digest(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def pacific(value: datetime | date | str | None) -> str | None:
    """``yyyy-mm-ddThh:mm:ss`` in Pacific wall time (dates: midnight of that day)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return f"{value.isoformat()}T00:00:00"
    if value.tzinfo is not None:
        value = value.astimezone(PACIFIC)
    return value.replace(tzinfo=None, microsecond=0).isoformat()


def _text(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def _email(invoice: Mapping[str, Any], customer: Mapping[str, Any] | None) -> str | None:
    for holder, field in ((invoice, "BillEmail"), (customer or {}, "PrimaryEmailAddr")):
        value = holder.get(field)
        if isinstance(value, Mapping) and _text(value.get("Address")):
            return _text(value.get("Address"))
    return None


def _phone(customer: Mapping[str, Any] | None) -> str | None:
    for field in ("PrimaryPhone", "Mobile"):
        value = (customer or {}).get(field)
        if isinstance(value, Mapping) and _text(value.get("FreeFormNumber")):
            return _text(value.get("FreeFormNumber"))
    return None


def _first_usable(*candidates: Any) -> Mapping[str, Any] | None:
    for candidate in candidates:
        if isinstance(candidate, Mapping) and addresses.is_usable(candidate):
            return candidate
    return None


def _addresses(
    invoice: Mapping[str, Any], customer: Mapping[str, Any] | None, settings: OrderSettings
) -> tuple[JSON, JSON]:
    customer_data = customer or {}
    ship_raw = _first_usable(
        invoice.get("ShipAddr"),
        customer_data.get("ShipAddr"),
        invoice.get("BillAddr"),
        customer_data.get("BillAddr"),
    )
    if ship_raw is None:
        raise InvoiceError(
            invoice,
            "neither the invoice nor its customer has a shipping or billing address; "
            "add one in QuickBooks",
        )
    bill_raw = _first_usable(invoice.get("BillAddr"), customer_data.get("BillAddr")) or ship_raw
    phone = _phone(customer)
    try:
        ship = addresses.convert(
            ship_raw, customer, default_country=settings.default_country, phone=phone
        )
        bill = addresses.convert(
            bill_raw, customer, default_country=settings.default_country, phone=phone
        )
    except addresses.AddressProblem as problem:
        raise InvoiceError(invoice, str(problem)) from None
    return bill, ship


def build_order(
    invoice: Mapping[str, Any],
    *,
    customer: Mapping[str, Any] | None,
    items: Mapping[str, Mapping[str, Any]],
    settings: OrderSettings,
    release: Release,
    paid_at: datetime | date | None = None,
) -> BuiltOrder:
    """The createorder body for ``invoice``; raises ``InvoiceError`` naming it when it cannot
    become an order as it is."""
    if release not in (Release.SHIP, Release.ORDER_UNPAID):
        raise ValueError(f"an invoice released as {release.value} is not ordered")
    invoice_id = str(invoice.get("Id") or "").strip()
    if not invoice_id:
        raise InvoiceError(invoice, "it has no QuickBooks id")
    try:
        number_ = keys.order_number(settings.tenant, invoice.get("DocNumber"), invoice_id)
    except ValueError as problem:
        raise InvoiceError(invoice, str(problem)) from None
    lines = order_lines(invoice, items, settings.sku_fallback)
    ordered = _physical_quantity(lines.items)
    if ordered == 0 and settings.services_only == "skip":
        raise NothingToShip(
            invoice, "all its lines are services and services_only is skip; nothing to ship"
        )
    tax_detail = invoice.get("TxnTaxDetail")
    tax = decimal(tax_detail.get("TotalTax")) if isinstance(tax_detail, Mapping) else ZERO
    check_total(invoice, items_total(lines.items) + tax + lines.shipping)
    total = decimal(invoice.get("TotalAmt"))
    paid = max(total - decimal(invoice.get("Balance"), default=total), ZERO)
    bill, ship = _addresses(invoice, customer, settings)
    status = "awaiting_shipment" if release is Release.SHIP else settings.unpaid_status
    when_paid: Any = None
    if release is Release.SHIP and paid > ZERO:
        meta = invoice.get("MetaData")
        when_paid = paid_at or (meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None)
    email = _email(invoice, customer)
    doc = invoice.get("DocNumber")
    advanced: JSON = {
        "customField1": invoice_id,
        "customField2": settings.tenant,
        "source": "QuickBooks",
    }
    if settings.store_id is not None:
        advanced["storeId"] = settings.store_id
    payload: JSON = {
        "orderNumber": number_,
        "orderKey": keys.order_key(settings.realm_id, invoice_id),
        "orderDate": pacific(invoice_date(invoice)),
        "paymentDate": pacific(when_paid),
        "orderStatus": status,
        "customerUsername": email or _text((customer or {}).get("DisplayName")),
        "customerEmail": email,
        "billTo": bill,
        "shipTo": ship,
        "items": lines.items,
        "amountPaid": number(paid),
        "taxAmount": number(tax),
        "shippingAmount": number(lines.shipping),
        "internalNotes": f"QuickBooks invoice {keys.doc_part(doc, invoice_id)}",
        "advancedOptions": advanced,
    }
    return BuiltOrder(
        invoice_id=invoice_id,
        order_key=payload["orderKey"],
        order_number=number_,
        payload=payload,
        items_ordered=ordered,
        digest=digest(payload),
    )
