"""What the ShipStation target needs from a client, whatever the API version behind it.

``ShipStationV1`` implements it today; a V2 adapter (``external_shipment_id`` = orderKey,
``shipment_number`` = orderNumber, labels for tracking; reference §5) can implement it later and
be chosen per tenant from its credentials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from ledgerlink.shipstation.models import Order, OrderResult, Shipment

BULK_MAX = 100  # createorders: "maximum of 100 per request"


class ShipStationClient(Protocol):
    def upsert_orders(self, orders: Sequence[Mapping[str, Any]]) -> list[OrderResult]:
        """Create or update orders by ``orderKey`` (required on each), in batches of at most
        ``BULK_MAX``; one result per order, in the order given."""
        ...

    def upsert_order(self, order: Mapping[str, Any]) -> Order:
        """Create or update one order by ``orderKey``; raises on refusal."""
        ...

    def get_order(self, order_id: int) -> Order | None:
        """The order, or None when it is unknown, deleted or merged away."""
        ...

    def orders_by_number(self, order_number: str) -> list[Order]:
        """Orders whose number is exactly ``order_number`` (never prefix matches)."""
        ...

    def order_family(self, order_number: str) -> list[Order]:
        """The orders numbered exactly ``order_number`` and the children split from them."""
        ...

    def shipments(self, order_id: int) -> list[Shipment]:
        """Labels (with their items) and fulfillments of one order, voided ones included."""
        ...

    # Account-wide listings, every page: times are ShipStation's (naive Pacific wall time, as
    # its stamps come back), dates are ship dates.
    def list_orders(
        self, *, modified_since: datetime | None = None, number_prefix: str | None = None
    ) -> list[Order]:
        """Orders modified since a time and/or numbered starting with a prefix."""
        ...

    def list_labels(
        self,
        *,
        created_since: datetime | None = None,
        voided_since: datetime | None = None,
        shipped_since: date | None = None,
    ) -> list[Shipment]:
        """Labels (with items) created, voided or shipped since; voided ones flagged."""
        ...

    def list_fulfillments(
        self, *, created_since: datetime | None = None, shipped_since: date | None = None
    ) -> list[Shipment]:
        """Orders marked shipped: fulfillments created or shipped since."""
        ...

    def update_order(self, order: Order, changes: Mapping[str, Any]) -> Order:
        """Replace an open order with its current content plus ``changes`` (read, modify,
        write); raises ``OrderLocked`` for a shipped or cancelled order."""
        ...

    def cancel_order(self, order: Order) -> Order:
        """Cancel an open order (status ``cancelled``); raises ``OrderLocked`` otherwise."""
        ...
