"""An invoice's fulfilment, read back from its ShipStation orders, labels and fulfillments.

States as sales reps see them: No Order, Awaiting Shipment, "X/Y Shipped" (by item
quantities), Shipped, Delivered (every shipment delivered), and Cancelled.

- The family is the order numbered exactly ``QB-{tenant}-{DocNumber}`` and the orders split from
  it (``ShipStationClient.order_family``): shipments of every member count for the invoice.
- ``Y`` is the physical units ordered (stored when the order was created; by default the
  family's current quantities, which a split only moves around).
- A label counts its non-adjustment item quantities; voided labels are ignored. A fulfillment
  (marked shipped outside ShipStation) has no items, so it covers its whole order; so does a
  ``shipped`` order with neither. ``X`` never exceeds ``Y``.
- Each live shipment is listed with tracking number, carrier, service, ship and delivery dates,
  a tracking URL built from the carrier (V1 gives none) and its items.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from ledgerlink.shipstation.models import Order, Shipment

JSON = dict[str, Any]

# Carrier code (V1) or free-text carrier (fulfillments) prefix → tracking page (reference §4).
_TRACKING = (
    (("stamps_com", "usps", "endicia", "globalpost"),
     "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}"),
    (("ups",), "https://www.ups.com/track?tracknum={n}"),
    (("fedex",), "https://www.fedex.com/fedextrack/?trknbr={n}"),
    (("dhl",), "https://www.dhl.com/en/express/tracking.html?AWB={n}"),
    (("ontrac",), "https://www.ontrac.com/trackingresults.asp?tracking_number={n}"),
    (("canada_post", "canada post"),
     "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{n}"),
)  # fmt: skip


class State(enum.Enum):
    NO_ORDER = "none"
    AWAITING = "awaiting"
    PARTIAL = "partial"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


def tracking_url(carrier: str | None, tracking_number: str | None) -> str | None:
    if not carrier or not tracking_number:
        return None
    code = carrier.strip().casefold()
    for prefixes, template in _TRACKING:
        if code.startswith(prefixes):
            return template.format(n=quote(tracking_number.strip(), safe=""))
    return None


@dataclass(frozen=True)
class ShipmentLine:
    sku: str | None
    name: str | None
    quantity: int


@dataclass(frozen=True)
class ShipmentView:
    """One live shipment of the invoice, as stored on its mapping and shown on the deal."""

    key: str  # "label-33974374" / "fulfillment-46000001": stable, for "note once" bookkeeping
    kind: str
    order_number: str | None
    tracking_number: str | None
    carrier: str | None
    service: str | None
    ship_date: date | None
    delivery_date: date | None
    tracking_url: str | None
    items: tuple[ShipmentLine, ...]

    def to_json(self) -> JSON:
        return {
            "key": self.key,
            "kind": self.kind,
            "order_number": self.order_number,
            "tracking_number": self.tracking_number,
            "carrier": self.carrier,
            "service": self.service,
            "ship_date": self.ship_date.isoformat() if self.ship_date else None,
            "delivery_date": self.delivery_date.isoformat() if self.delivery_date else None,
            "tracking_url": self.tracking_url,
            "items": [{"sku": i.sku, "name": i.name, "quantity": i.quantity} for i in self.items],
        }


@dataclass(frozen=True)
class Fulfilment:
    state: State
    shipped: int
    ordered: int
    shipments: tuple[ShipmentView, ...]

    @property
    def label(self) -> str:
        return {
            State.NO_ORDER: "No Order",
            State.AWAITING: "Awaiting Shipment",
            State.PARTIAL: f"{self.shipped}/{self.ordered} Shipped",
            State.SHIPPED: "Shipped",
            State.DELIVERED: "Delivered",
            State.CANCELLED: "Cancelled",
        }[self.state]

    def shipments_json(self) -> list[JSON]:
        return [s.to_json() for s in self.shipments]


def _view(shipment: Shipment) -> ShipmentView:
    return ShipmentView(
        key=f"{shipment.kind}-{shipment.shipment_id}",
        kind=shipment.kind,
        order_number=shipment.order_number,
        tracking_number=shipment.tracking_number,
        carrier=shipment.carrier_code,
        service=shipment.service_code,
        ship_date=shipment.ship_date,
        delivery_date=shipment.delivery_date,
        tracking_url=tracking_url(shipment.carrier_code, shipment.tracking_number),
        items=tuple(ShipmentLine(i.sku, i.name, i.quantity) for i in shipment.items),
    )


def _covered(order: Order, live: Iterable[Shipment]) -> int:
    """Units of ``order`` its live shipments account for."""
    mine = [s for s in live if s.order_id == order.order_id]
    labelled = sum(i.quantity for s in mine if s.kind == "label" for i in s.items)
    externally = any(s.kind == "fulfillment" for s in mine)
    if externally or (not mine and order.status == "shipped"):
        return max(labelled, order.quantity)
    return labelled


def fulfilment(
    family: Sequence[Order], shipments: Iterable[Shipment], ordered: int | None = None
) -> Fulfilment:
    if not family:
        return Fulfilment(State.NO_ORDER, 0, ordered or 0, ())
    ids = {o.order_id for o in family}
    live = [s for s in shipments if s.order_id in ids and not s.voided]
    live.sort(key=lambda s: (s.ship_date or date.max, s.kind, s.shipment_id))
    total = ordered if ordered is not None else sum(o.quantity for o in family)
    shipped = min(total, sum(_covered(o, live) for o in family))
    views = tuple(_view(s) for s in live)
    if shipped == 0 and not live:
        cancelled = all(o.status == "cancelled" for o in family)
        return Fulfilment(State.CANCELLED if cancelled else State.AWAITING, 0, total, views)
    if shipped < total:
        return Fulfilment(State.PARTIAL, shipped, total, views)
    delivered = bool(live) and all(s.delivery_date is not None for s in live)
    return Fulfilment(State.DELIVERED if delivered else State.SHIPPED, shipped, total, views)


def new_shipments(current: Fulfilment, noted: Iterable[str]) -> list[ShipmentView]:
    """Shipments not yet noted on the deal (by ``key``): one note per new shipment, never two."""
    seen = set(noted)
    return [s for s in current.shipments if s.key not in seen]
