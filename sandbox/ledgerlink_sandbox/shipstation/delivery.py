"""Deliveries: the carrier's last scan, which no V1 endpoint lets a client report.

A fulfillment (an order marked shipped) documents ``deliveryDate`` (reference §2.5); a label does
not (§2.4), so the emulator keeps a label's delivery beside it and shows it only when the
``label_delivery_date`` setting is ``listed``. Tests deliver through
``POST /_sandbox/shipments/{id}/deliver`` and ``POST /_sandbox/fulfillments/{id}/deliver``.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from ledgerlink_sandbox.shipstation import timefmt
from ledgerlink_sandbox.shipstation.shipping import AdminError
from ledgerlink_sandbox.shipstation.store import JSON, ShipmentRow, Store

Kind = Literal["label", "fulfillment"]


def _day(store: Store, value: Any) -> str:
    if value is None:
        return timefmt.date_only(store.now())
    parsed = timefmt.parse(str(value))
    if parsed is None:
        raise AdminError(f"deliveryDate {value!r} is not a date (yyyy-mm-dd)")
    return timefmt.date_only(parsed)


def deliver(store: Store, kind: Kind, ident: int, when: Any = None) -> JSON:
    """Records the delivery (today on the sandbox clock unless ``when``) and answers the
    shipment as its list shows it."""
    with store.lock:
        rows = store.labels if kind == "label" else store.fulfillments
        row = rows.get(ident)
        if row is None:
            raise AdminError(f"no {kind} with id {ident}")
        if row.data["voided"]:
            raise AdminError(f"{kind} {ident} is voided: a voided label is never delivered")
        day = _day(store, when)
        if kind == "label":
            row.delivered_on = day
        else:
            row.data["deliveryDate"] = timefmt.order_time(timefmt.parse(day) or store.now())
        return listed_label(store, row) if kind == "label" else copy.deepcopy(row.data)


def listed_label(store: Store, row: ShipmentRow) -> JSON:
    """A label as ``GET /shipments`` shows it under the current settings."""
    data = copy.deepcopy(row.data)
    if store.settings.label_delivery_date == "listed":
        data["deliveryDate"] = row.delivered_on
    return data
