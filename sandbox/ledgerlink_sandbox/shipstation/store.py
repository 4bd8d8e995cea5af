"""The emulated ShipStation account: stores, orders, labels, fulfillments, webhooks, id counters.

One account per sandbox (the seeded one); several API key pairs may point at it, each with its
own rate-limit window. Everything is held in plain JSON-shaped dicts in the exact response shape,
so serving a resource is a copy. Operations return ``Event``s instead of delivering webhooks:
the HTTP layer knows the base URL the client used and does the I/O.

Upsert rules (reference §2.1/§2.2, blueprint §6): ``orderId`` if given, else ``orderKey``
(account wide, hidden merged orders ignored), else a new order with a generated key. Split
families share a key by default, so updating them needs ``orderId``.
"""

from __future__ import annotations

import copy
import itertools
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.shipstation import errors, timefmt
from ledgerlink_sandbox.shipstation.orders import (
    LOCKED_STATUSES,
    BuildContext,
    build_order,
    validate,
)
from ledgerlink_sandbox.shipstation.settings import ShipStationSettings

JSON = dict[str, Any]
EventKind = Literal["ORDER_NOTIFY", "SHIP_NOTIFY"]


@dataclass(frozen=True)
class Event:
    """A webhook-worthy change: ``path`` is the resource URL without scheme and host."""

    kind: EventKind
    store_id: int
    path: str


@dataclass
class OrderRow:
    data: JSON
    active: bool = True  # DELETE /orders/{id} deactivates
    merged_into: int | None = None  # merged-away orders vanish from the API
    import_batch: str = ""

    @property
    def visible(self) -> bool:
        return self.active and self.merged_into is None


@dataclass
class ShipmentRow:
    """A label (``kind="label"``, listed by /shipments) or a fulfillment (/fulfillments)."""

    data: JSON
    batch: str
    store_id: int
    # The carrier's delivery date of a label (Pacific ``yyyy-mm-dd``). V1 label objects carry no
    # delivery date, so it is listed only when ``label_delivery_date`` says so; fulfillments keep
    # theirs in ``data["deliveryDate"]`` as documented.
    delivered_on: str | None = None


@dataclass
class Account:
    seller_id: int
    user_id: str  # GUID of the account's user, written on labels and fulfillments
    warehouse_id: int
    tag_ids: frozenset[int]
    credentials: dict[str, str] = field(default_factory=dict)  # api key -> secret
    stores: list[JSON] = field(default_factory=list)
    status_mappings: dict[int, list[JSON]] = field(default_factory=dict)


@dataclass
class UpsertResult:
    order: JSON  # the response body (customerId still null on creation, as documented)
    created: bool
    events: list[Event]


class Store:
    def __init__(self, clock: Clock, settings: ShipStationSettings, seed: str) -> None:
        self.clock = clock
        self.settings = settings
        self.lock = threading.RLock()
        self.rng = random.Random(f"shipstation:{seed}")  # generated keys and tracking numbers
        self.account = Account(seller_id=0, user_id="", warehouse_id=0, tag_ids=frozenset())
        self.orders: dict[int, OrderRow] = {}
        self.labels: dict[int, ShipmentRow] = {}
        self.fulfillments: dict[int, ShipmentRow] = {}
        self.webhooks: dict[int, JSON] = {}
        self.customers: dict[str, int] = {}
        # Large, distinct starting points so ids of different kinds never collide in a test.
        self._ids = {
            kind: itertools.count(start)
            for kind, start in (
                ("order", 140_000_000),
                ("item", 190_000_000),
                ("shipment", 33_000_000),
                ("fulfillment", 46_000_000),
                ("customs", 11_000_000),
                ("customer", 37_000_000),
                ("webhook", 120_000),
                ("batch", 100_000),
            )
        }

    # --- small helpers -------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        return next(self._ids[kind])

    def now(self) -> datetime:
        """Sandbox time as naive Pacific wall time (ms precision)."""
        return timefmt.pacific(self.clock.now())

    def new_key(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def new_batch(self) -> str:
        return str(self.next_id("batch"))

    def store_ids(self) -> set[int]:
        return {s["storeId"] for s in self.account.stores}

    def default_store_id(self) -> int:
        # "ShipStation will default to the first manual store on the account."
        manual = [s for s in self.account.stores if s["marketplaceId"] == 0 and s["active"]]
        return int((manual or self.account.stores)[0]["storeId"])

    def visible_orders(self) -> Iterator[OrderRow]:
        return (row for row in self.orders.values() if row.visible)

    def order_row(self, order_id: int) -> OrderRow | None:
        row = self.orders.get(order_id)
        return row if row is not None and row.visible else None

    def order(self, order_id: int) -> JSON | None:
        row = self.order_row(order_id)
        return copy.deepcopy(row.data) if row else None

    def _context(self) -> BuildContext:
        return BuildContext(
            now=self.now(),
            settings=self.settings,
            next_item_id=lambda: self.next_id("item"),
            next_customs_id=lambda: self.next_id("customs"),
            default_warehouse_id=self.account.warehouse_id,
            known_tags=self.account.tag_ids,
        )

    # --- createorder / createorders --------------------------------------------------------
    def upsert(self, raw: JSON, prefix: str = "apiOrder", batch: str | None = None) -> UpsertResult:
        """Create or replace one order; raises ``errors.ApiError`` when refused.

        ``batch`` groups the orders of one createorders call into one import batch, so a single
        ORDER_NOTIFY ``resource_url`` lists them all.
        """
        problems = validate(raw, prefix, self.settings)
        if problems:
            raise errors.model_state(problems)
        with self.lock:
            row = self._find_target(raw)
            if row is not None and row.data["orderStatus"] in LOCKED_STATUSES:
                if self.settings.locked_order_update == "ignore":
                    return UpsertResult(copy.deepcopy(row.data), False, [])
                text = self.settings.locked_order_message.format(
                    orderNumber=row.data["orderNumber"], orderStatus=row.data["orderStatus"]
                )
                raise errors.message(400, text)
            return self._write(raw, row, batch)

    def upsert_many(self, raws: list[Any]) -> tuple[JSON, list[Event]]:
        """createorders: per-order results; raises ``ApiError`` only for whole-request errors."""
        if len(raws) > self.settings.bulk_max_orders:
            limit = self.settings.bulk_max_orders
            raise errors.model_state({"apiOrders": [f"A maximum of {limit} orders is allowed."]})
        if self.settings.bulk_invalid_order == "reject_request":
            problems: dict[str, list[str]] = {}
            for index, raw in enumerate(raws):
                if isinstance(raw, dict):
                    problems.update(validate(raw, f"apiOrders[{index}]", self.settings))
            if problems:
                raise errors.model_state(problems)
        results: list[JSON] = []
        events: list[Event] = []
        batch = self.new_batch()
        for index, raw in enumerate(raws):
            body = raw if isinstance(raw, dict) else {}
            try:
                done = self.upsert(body, f"apiOrders[{index}]", batch)
            except errors.ApiError as exc:
                # A failed new order has no id; the non-nullable .NET int serialises as 0.
                results.append(
                    {
                        "orderId": body.get("orderId")
                        if isinstance(body.get("orderId"), int)
                        else 0,
                        "orderNumber": body.get("orderNumber"),
                        "orderKey": body.get("orderKey"),
                        "success": False,
                        "errorMessage": exc.text,
                    }
                )
                continue
            events += [e for e in done.events if e not in events]
            results.append(
                {
                    "orderId": done.order["orderId"],
                    "orderNumber": done.order["orderNumber"],
                    "orderKey": done.order["orderKey"],
                    "success": True,
                    "errorMessage": None,
                }
            )
        has_errors = any(not r["success"] for r in results)
        return {"hasErrors": has_errors, "results": results}, events

    def _find_target(self, raw: JSON) -> OrderRow | None:
        order_id = raw.get("orderId")
        key = raw.get("orderKey")
        if order_id not in (None, 0):
            row = self.order_row(order_id) if isinstance(order_id, int) else None
            if row is None:
                raise errors.message(400, f"The order with orderId {order_id} was not found.")
            clash = [r for r in self._rows_with_key(key) if r is not row and key is not None]
            if clash and not _same_family(row, clash):
                raise errors.message(400, f"The orderKey '{key}' belongs to another order.")
            return row
        if key in (None, ""):
            return None
        rows = self._rows_with_key(key)
        split = len(rows) > 1 or any(r.data["advancedOptions"]["mergedOrSplit"] for r in rows)
        if split:
            raise errors.message(
                400, f"Order with orderKey '{key}' is split; include orderId to update it."
            )
        return rows[0] if rows else None

    def _rows_with_key(self, key: Any) -> list[OrderRow]:
        return [r for r in self.visible_orders() if r.data["orderKey"] == key]

    def _write(self, raw: JSON, row: OrderRow | None, batch: str | None) -> UpsertResult:
        existing = row.data if row else None
        if existing is None:
            store_id = self._creation_store(raw)
            order_id = self.next_id("order")
        else:
            store_id = existing["advancedOptions"]["storeId"]  # "only during order creation"
            order_id = existing["orderId"]
        key = raw.get("orderKey") or (existing["orderKey"] if existing else self.new_key())
        order = build_order(raw, existing, self._context(), order_id, key, store_id)
        response = copy.deepcopy(order)
        if existing is None:
            # The docs' create response has customerId null; the profile is created afterwards.
            order["customerId"] = self._customer_id(order)
            batch = batch or self.new_batch()
            self.orders[order_id] = OrderRow(order, import_batch=batch)
            events = (
                []
                if not self.settings.order_notify_on_api_create
                else [
                    Event(
                        "ORDER_NOTIFY", store_id, f"/orders?storeID={store_id}&importBatch={batch}"
                    )
                ]
            )
            return UpsertResult(response, True, events)
        assert row is not None
        row.data = order
        return UpsertResult(response, False, [])

    def _creation_store(self, raw: JSON) -> int:
        options = raw.get("advancedOptions")
        wanted = options.get("storeId") if isinstance(options, dict) else None
        if wanted is None:
            return self.default_store_id()
        if wanted not in self.store_ids():
            raise errors.message(400, f"The storeId {wanted} is not valid for this account.")
        return int(wanted)

    def _customer_id(self, order: JSON) -> int | None:
        username = order.get("customerUsername") or order.get("customerEmail")
        if not username:
            return None
        if username not in self.customers:
            self.customers[username] = self.next_id("customer")
        return self.customers[username]

    # --- other order operations ------------------------------------------------------------
    def set_status(self, order_id: int, status: str, hold_until: str | None = None) -> JSON:
        with self.lock:
            row = self.require(order_id)
            row.data["orderStatus"] = status
            row.data["holdUntilDate"] = hold_until if status == "on_hold" else None
            self.touch(row)
            return copy.deepcopy(row.data)

    def delete(self, order_id: int) -> bool:
        with self.lock:
            row = self.order_row(order_id)
            if row is None:
                return False
            row.active = False
            return True

    def require(self, order_id: int) -> OrderRow:
        row = self.order_row(order_id)
        if row is None:
            raise errors.message(404, f"Order {order_id} not found.")
        return row

    def touch(self, row: OrderRow) -> None:
        stamp = self.now()
        row.data["modifyDate"] = timefmt.order_time(stamp)


def _same_family(row: OrderRow, others: list[OrderRow]) -> bool:
    family = row.data["advancedOptions"]["parentId"] or row.data["orderId"]
    return all(
        (o.data["advancedOptions"]["parentId"] or o.data["orderId"]) == family for o in others
    )


def new_guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
