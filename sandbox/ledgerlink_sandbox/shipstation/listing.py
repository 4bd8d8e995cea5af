"""Query parameters, filters and pages of ``GET /orders``, ``/shipments`` and ``/fulfillments``.

ASP.NET binds query names case-insensitively (webhook URLs say ``storeID``, docs ``storeId``), so
names are lower-cased before lookup. Pages: ``page`` (default 1), ``pageSize`` (default 100, max
500); body ``{"<resource>": [...], "total", "page", "pages"}`` with ``pages = ceil(total/size)``
(``pages: 0`` for an empty result, as clients stop on ``total == 0``). Dates in filters are
Pacific wall time, like everything else in V1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ledgerlink_sandbox.shipstation import errors, timefmt
from ledgerlink_sandbox.shipstation.settings import ShipStationSettings

JSON = dict[str, Any]
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


class Query:
    def __init__(self, params: Iterable[tuple[str, str]]) -> None:
        self.params = {name.lower(): value for name, value in params}

    def text(self, name: str) -> str | None:
        value = self.params.get(name.lower())
        return value if value not in (None, "") else None

    def int(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise errors.model_state(
                {name: [f"The value '{value}' is not valid for Int32."]}
            ) from None

    def bool(self, name: str) -> bool:
        value = (self.text(name) or "false").lower()
        if value not in ("true", "false"):
            raise errors.model_state({name: [f"The value '{value}' is not valid for Boolean."]})
        return value == "true"

    def date(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        parsed = timefmt.parse(value)
        if parsed is None:
            raise errors.model_state({name: [f"The value '{value}' is not valid for Nullable`1."]})
        return parsed


def page(rows: list[JSON], resource: str, query: Query, settings: ShipStationSettings) -> JSON:
    number = query.int("page") or 1
    size = query.int("pageSize") or DEFAULT_PAGE_SIZE
    if number < 1:
        raise errors.model_state({"page": ["page must be 1 or greater."]})
    if size < 1 or size > MAX_PAGE_SIZE:
        if settings.page_size_over_max == "error" or size < 1:
            text = f"pageSize must be between 1 and {MAX_PAGE_SIZE}."
            raise errors.model_state({"pageSize": [text]})
        size = MAX_PAGE_SIZE
    start = (number - 1) * size
    return {
        resource: rows[start : start + size],
        "total": len(rows),
        "page": number,
        "pages": math.ceil(len(rows) / size),
    }


def _in_range(value: Any, start: datetime | None, end: datetime | None) -> bool:
    if start is None and end is None:
        return True
    stamp = timefmt.parse(value) if isinstance(value, str) else None
    if stamp is None:
        return False
    return (start is None or stamp >= start) and (end is None or stamp <= end)


def _dates(query: Query, row: JSON, fields: Mapping[str, str]) -> bool:
    return all(
        _in_range(row.get(field), query.date(f"{param}Start"), query.date(f"{param}End"))
        for param, field in fields.items()
    )


def _matches_number(value: str, wanted: str, prefix: bool, case_sensitive: bool) -> bool:
    if not case_sensitive:
        value, wanted = value.lower(), wanted.lower()
    return value.startswith(wanted) if prefix else value == wanted


def _contains(haystack: Any, needle: str) -> bool:
    return isinstance(haystack, str) and needle.lower() in haystack.lower()


def _sorted(rows: list[JSON], query: Query, fields: Mapping[str, str], id_field: str) -> list[JSON]:
    """``sortBy`` one of ``fields`` (case-insensitive), else ascending id; ``sortDir`` ASC|DESC."""
    field = fields.get((query.text("sortBy") or "").lower())
    if field is None:
        ordered = sorted(rows, key=lambda r: int(r[id_field]))
    else:
        ordered = sorted(rows, key=lambda r: (_stamp(r.get(field)), int(r[id_field])))
    descending = (query.text("sortDir") or "ASC").upper() == "DESC"
    return ordered[::-1] if descending else ordered


def _stamp(value: Any) -> datetime:
    parsed = timefmt.parse(value) if isinstance(value, str) else None
    return parsed or datetime.min


ORDER_DATES = {
    "createDate": "createDate",
    "modifyDate": "modifyDate",
    "orderDate": "orderDate",
    "paymentDate": "paymentDate",
}


def filter_orders(
    rows: Iterable[tuple[JSON, str]], query: Query, settings: ShipStationSettings
) -> list[JSON]:
    """``rows`` are (order, importBatch) pairs of visible orders."""
    number = query.text("orderNumber")
    status = query.text("orderStatus")
    store_id = query.int("storeId")
    name = query.text("customerName")
    keyword = query.text("itemKeyword")
    batch = query.text("importBatch")
    out = []
    for order, order_batch in rows:
        if number and not _matches_number(
            order["orderNumber"] or "", number, True, settings.order_number_case_sensitive
        ):
            continue
        if status and order["orderStatus"] != status.lower():
            continue
        if store_id is not None and order["advancedOptions"]["storeId"] != store_id:
            continue
        if name and not (
            _contains(order["billTo"]["name"], name) or _contains(order["shipTo"]["name"], name)
        ):
            continue
        if keyword and not any(_item_has(item, keyword) for item in order["items"]):
            continue
        if batch and order_batch != batch:
            continue
        if not _dates(query, order, ORDER_DATES):
            continue
        out.append(order)
    sort_fields = {"orderdate": "orderDate", "modifydate": "modifyDate", "createdate": "createDate"}
    return _sorted(out, query, sort_fields, "orderId")


def _item_has(item: JSON, keyword: str) -> bool:
    options = [o.get("value") for o in item.get("options") or [] if isinstance(o, dict)]
    return any(_contains(v, keyword) for v in (item.get("sku"), item.get("name"), *options))


def _common_shipment_filters(row: JSON, query: Query, settings: ShipStationSettings) -> bool:
    """Filters /shipments and /fulfillments share (orderNumber: prefix or exact, a setting)."""
    number = query.text("orderNumber")
    if number and not _matches_number(
        row["orderNumber"] or "",
        number,
        settings.shipment_order_number_match == "prefix",
        settings.order_number_case_sensitive,
    ):
        return False
    if query.int("orderId") not in (None, row["orderId"]):
        return False
    if query.text("trackingNumber") not in (None, row["trackingNumber"]):
        return False
    recipient = query.text("recipientName")
    return not recipient or _contains(row["shipTo"]["name"], recipient)


def filter_shipments(
    rows: Iterable[tuple[JSON, str, int]], query: Query, settings: ShipStationSettings
) -> list[JSON]:
    """``rows`` are (label, batch, storeId). ``shipmentItems`` is null unless requested."""
    include_items = query.bool("includeShipmentItems")
    dates = {"createDate": "createDate", "shipDate": "shipDate", "voidDate": "voidDate"}
    out = []
    for label, batch, store_id in rows:
        if not _common_shipment_filters(label, query, settings):
            continue
        country = query.text("recipientCountryCode")
        if country and (label["shipTo"]["country"] or "").upper() != country.upper():
            continue
        if query.text("carrierCode") not in (None, label["carrierCode"]):
            continue
        if query.text("serviceCode") not in (None, label["serviceCode"]):
            continue
        if query.int("storeId") not in (None, store_id):
            continue
        if query.text("batchId") not in (None, batch):
            continue
        if not _dates(query, label, dates):
            continue
        out.append(label if include_items else {**label, "shipmentItems": None})
    return _sorted(out, query, {"shipdate": "shipDate", "createdate": "createDate"}, "shipmentId")


def filter_fulfillments(
    rows: Iterable[tuple[JSON, str, int]], query: Query, settings: ShipStationSettings
) -> list[JSON]:
    dates = {"createDate": "createDate", "shipDate": "shipDate"}
    out = []
    for row, batch, store_id in rows:
        if not _common_shipment_filters(row, query, settings):
            continue
        if query.int("fulfillmentId") not in (None, row["fulfillmentId"]):
            continue
        if query.int("storeId") not in (None, store_id):
            continue
        if query.text("batchId") not in (None, batch):
            continue
        if not _dates(query, row, dates):
            continue
        out.append(row)
    return _sorted(
        out, query, {"shipdate": "shipDate", "createdate": "createDate"}, "fulfillmentId"
    )
