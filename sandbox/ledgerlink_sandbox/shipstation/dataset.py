"""The seeded account: two active stores (manual + WooCommerce), one inactive Amazon store, and
orders in every status a fulfilment flow meets (open, on hold, labelled, marked shipped, partly
shipped, split, voided-and-relabelled, cancelled). Deterministic for a seed and a clock reading.

Seeded orders use ``WEB-`` numbers so they never collide with the product's ``QB-...`` orders.
``size``: ``demo``/``small`` = the ten scenario orders (+20 filler for ``small``), ``large`` adds
300 filler orders (exercises pagination with ``pageSize`` up to 500).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ledgerlink_sandbox.shipstation import shipping, timefmt
from ledgerlink_sandbox.shipstation.store import JSON, Account, Store, new_guid

MANUAL_STORE_ID = 310001
WOO_STORE_ID = 310002
AMAZON_STORE_ID = 310003
WAREHOUSE_ID = 98765
TAG_IDS = frozenset({71001, 71002})  # not the docs example's 53974: it reads back null
FILLER = {"demo": 0, "small": 20, "large": 300}

PRODUCTS = (
    ("WID-RED", "Red Widget", 19.99, 8),
    ("WID-BLU", "Blue Widget", 21.5, 8),
    ("GAD-100", "Gadget 100", 149.0, 40),
    ("CAB-USB", "USB-C Cable 2m", 9.95, 3),
    ("MUG-LL", "Ledgerlink Mug", 12.0, 14),
)
PEOPLE = (
    ("Ada Lovelace", "Portland", "OR", "97201"),
    ("Grace Hopper", "Arlington", "VA", "22201"),
    ("Alan Turing", "Austin", "TX", "78701"),
    ("Katherine Johnson", "Hampton", "VA", "23669"),
    ("Edsger Dijkstra", "Seattle", "WA", "98101"),
    ("Barbara Liskov", "Boston", "MA", "02108"),
)
_STATUS_MAPPINGS = [
    {"orderStatus": "awaiting_payment", "statusKey": "Pending"},
    {"orderStatus": "awaiting_shipment", "statusKey": "Processing"},
    {"orderStatus": "shipped", "statusKey": "Completed"},
    {"orderStatus": "cancelled", "statusKey": "Cancelled"},
    {"orderStatus": "on_hold", "statusKey": "On-hold"},
]


def _store(
    store_id: int,
    name: str,
    marketplace: tuple[int, str],
    created: str,
    active: bool = True,
    url: str | None = None,
) -> JSON:
    return {
        "storeId": store_id,
        "storeName": name,
        "marketplaceId": marketplace[0],
        "marketplaceName": marketplace[1],
        "accountName": None,
        "email": None,
        "integrationUrl": url,
        "active": active,
        "companyName": "",
        "phone": "",
        "publicEmail": "",
        "website": "",
        "refreshDate": created,
        "lastRefreshAttempt": created,
        "createDate": created,
        "modifyDate": created,
        "autoRefresh": marketplace[0] != 0,
        "statusMappings": None,
    }


def _order_body(
    store: Store,
    number: str,
    status: str,
    lines: list[tuple[int, int]],
    person: int,
    store_id: int | None = None,
) -> JSON:
    name, city, state, postal = PEOPLE[person % len(PEOPLE)]
    email = name.lower().replace(" ", ".") + "@example.com"
    order_date = timefmt.order_time(store.now() - timedelta(days=3))
    return {
        "orderNumber": number,
        "orderKey": f"seed-{number.lower()}",
        "orderDate": order_date,
        "paymentDate": order_date if status != "awaiting_payment" else None,
        "orderStatus": status,
        "customerUsername": email,
        "customerEmail": email,
        "billTo": {"name": name},
        "shipTo": {
            "name": name,
            "street1": "1 Main St",
            "city": city,
            "state": state,
            "postalCode": postal,
            "country": "US",
            "residential": True,
        },
        "items": [
            {
                "lineItemKey": f"{number}-L{i + 1}",
                "sku": PRODUCTS[p][0],
                "name": PRODUCTS[p][1],
                "quantity": qty,
                "unitPrice": PRODUCTS[p][2],
                "weight": {"value": PRODUCTS[p][3], "units": "ounces"},
            }
            for i, (p, qty) in enumerate(lines)
        ],
        "amountPaid": None,
        "taxAmount": 0,
        "shippingAmount": 5,
        "carrierCode": "stamps_com",
        "serviceCode": "usps_priority_mail",
        "packageCode": "package",
        "confirmation": "none",
        "advancedOptions": {"storeId": store_id} if store_id else {},
    }


def _create(
    store: Store,
    number: str,
    status: str,
    lines: list[tuple[int, int]],
    person: int,
    store_id: int | None = None,
) -> int:
    body = _order_body(store, number, status, lines, person, store_id)
    return int(store.upsert(body).order["orderId"])


def load(store: Store, seed: str, size: str) -> None:
    """Fill an empty ``store`` with the seeded account (credentials are set by the caller)."""
    rng = store.rng
    created = timefmt.item_time(store.now() - timedelta(days=400))
    store.account = Account(
        seller_id=100000 + rng.randrange(800000),
        user_id=new_guid(rng),
        warehouse_id=WAREHOUSE_ID,
        tag_ids=TAG_IDS,
        credentials=store.account.credentials,
        stores=[
            _store(MANUAL_STORE_ID, "ShipStation Manual Store", (0, "ShipStation"), created),
            _store(
                WOO_STORE_ID,
                "Ledgerlink Web Shop",
                (36, "WooCommerce"),
                created,
                url="https://shop.example.com/",
            ),
            _store(AMAZON_STORE_ID, "Old Amazon Store", (2, "Amazon"), created, active=False),
        ],
        status_mappings={WOO_STORE_ID: _STATUS_MAPPINGS, AMAZON_STORE_ID: _STATUS_MAPPINGS},
    )
    _create(store, "WEB-1001", "awaiting_payment", [(0, 1)], 0)
    _create(store, "WEB-1002", "awaiting_shipment", [(1, 2), (3, 1)], 1)
    held = _create(store, "WEB-1003", "awaiting_shipment", [(4, 1)], 2)
    store.set_status(held, "on_hold", timefmt.order_time(store.now() + timedelta(days=7)))
    labelled = _create(store, "WEB-1004", "awaiting_shipment", [(2, 1)], 3)
    shipping.create_labels(store, labelled, [{"carrierCode": "ups", "serviceCode": "ups_ground"}])
    marked = _create(store, "WEB-1005", "awaiting_shipment", [(0, 2)], 4)
    shipping.mark_shipped(
        store,
        {"orderId": marked, "carrierCode": "USPS", "trackingNumber": "9400111899561704681189"},
    )
    cancelled = _create(store, "WEB-1006", "awaiting_shipment", [(3, 4)], 5)
    store.set_status(cancelled, "cancelled")
    partial = _create(store, "WEB-1007", "awaiting_shipment", [(0, 3), (1, 2)], 0)
    shipping.create_labels(
        store,
        partial,
        [
            {
                "items": [{"lineItemKey": "WEB-1007-L1", "quantity": 2}],
                "carrierCode": "fedex",
                "serviceCode": "fedex_ground",
            },
        ],
    )
    parent = _create(store, "WEB-1008", "awaiting_shipment", [(2, 1), (4, 2)], 1)
    _, children = shipping.split(store, parent, [{"items": [{"lineItemKey": "WEB-1008-L2"}]}])
    shipping.create_labels(store, children[0]["orderId"], [{"carrierCode": "stamps_com"}])
    relabelled = _create(store, "WEB-1009", "awaiting_shipment", [(1, 1)], 2)
    first, _, _ = shipping.create_labels(store, relabelled, [{"carrierCode": "stamps_com"}])
    shipping.void_label(store, first[0]["shipmentId"])
    shipping.create_labels(store, relabelled, [{"carrierCode": "ups", "serviceCode": "ups_ground"}])
    _create(store, "WEB-1010", "awaiting_shipment", [(3, 2)], 3, store_id=WOO_STORE_ID)
    statuses = ("awaiting_shipment", "awaiting_payment", "shipped", "on_hold", "cancelled")
    for n in range(FILLER.get(size, 0)):
        lines = [
            (rng.randrange(len(PRODUCTS)), rng.randrange(1, 4)) for _ in range(rng.randrange(1, 4))
        ]
        _create(store, f"WEB-{2001 + n}", rng.choice(statuses), lines, rng.randrange(6))
    _backdate(store)


def _backdate(store: Store) -> None:
    """Spread the seeded orders over the last days so date filters have something to find."""
    count = len(store.orders)
    for index, row in enumerate(store.orders.values()):
        stamp = store.now() - timedelta(hours=6 * (count - index))
        for key in ("createDate", "modifyDate"):
            row.data[key] = timefmt.order_time(stamp)
        for item in row.data["items"]:
            item["createDate"] = item["modifyDate"] = timefmt.item_time(stamp)


def seed_summary(store: Store) -> dict[str, Any]:
    by_status: dict[str, int] = {}
    for row in store.visible_orders():
        by_status[row.data["orderStatus"]] = by_status.get(row.data["orderStatus"], 0) + 1
    return {
        "orders": by_status,
        "shipments": len(store.labels),
        "fulfillments": len(store.fulfillments),
    }
