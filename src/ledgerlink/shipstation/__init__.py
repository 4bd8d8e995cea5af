"""ShipStation for every ledgerlink plugin: the client protocol, the V1 client, its limits and
errors. See docs/target-shipstation.md."""

from ledgerlink.shipstation.client import MissingOrderKey, OrderLocked, ShipStationV1
from ledgerlink.shipstation.errors import Category, ShipStationApiError, ShipStationError
from ledgerlink.shipstation.limits import RatePacer, ShipStationRetry, pacer_for
from ledgerlink.shipstation.models import Order, OrderItem, OrderResult, Shipment, ShipmentItem
from ledgerlink.shipstation.protocol import BULK_MAX, ShipStationClient

__all__ = [
    "BULK_MAX",
    "Category",
    "MissingOrderKey",
    "Order",
    "OrderItem",
    "OrderLocked",
    "OrderResult",
    "RatePacer",
    "ShipStationApiError",
    "ShipStationClient",
    "ShipStationError",
    "ShipStationRetry",
    "ShipStationV1",
    "Shipment",
    "ShipmentItem",
    "pacer_for",
]
