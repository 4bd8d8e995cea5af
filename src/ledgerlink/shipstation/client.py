"""The ShipStation V1 client (``ShipStationClient``), authenticated from the TokenStore.

    client = ShipStationV1.for_tenant("acme")
    results = client.upsert_orders(payloads)          # ceil(n / 100) createorders requests
    family = client.order_family("QB-acme-1042")      # exact number + split children
    for order in family: client.shipments(order.order_id)

Every request goes through ``ShipStationRetry`` (pacing on ``X-Rate-Limit-*``, 429 → wait for
the reset, backoff for idempotent calls only). Every create carries an ``orderKey``, which makes
createorder(s) an upsert and therefore safe to resend; nothing else that writes is retried after
it may have reached ShipStation.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from ledgerlink.retry import Backoff
from ledgerlink.shipstation.errors import (
    Category,
    ShipStationApiError,
    ShipStationError,
    failure_of,
)
from ledgerlink.shipstation.limits import RatePacer, ShipStationRetry, pacer_for
from ledgerlink.shipstation.models import (
    JSON,
    Order,
    OrderResult,
    Shipment,
    fulfillment_from_v1,
    order_from_v1,
    result_from_v1,
    shipment_from_v1,
)
from ledgerlink.shipstation.protocol import BULK_MAX
from ledgerlink.tokens import HeldCredential, TokenStore

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # the V1 maximum: fewest requests per listing
PACIFIC = ZoneInfo("America/Los_Angeles")  # V1's times: Pacific wall time, no offset
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Read-only keys of a V1 order: what a read-modify-write must not send back.
_READ_ONLY = frozenset(
    {
        "orderId",
        "orderTotal",
        "createDate",
        "modifyDate",
        "customerId",
        "userId",
        "externallyFulfilled",
        "externallyFulfilledBy",
        "externallyFulfilledById",
        "externallyFulfilledByName",
        "labelMessages",
    }
)
_READ_ONLY_ADVANCED = frozenset({"mergedOrSplit", "mergedIds", "parentId"})
_READ_ONLY_ITEM = frozenset({"orderItemId", "createDate", "modifyDate", "productId"})


class MissingOrderKey(ShipStationError):
    """An order without ``orderKey`` would be created anew by every retry: never sent."""


class OrderLocked(ShipStationError):
    """The order is shipped, cancelled, split or merged: ShipStation (or our rule) forbids
    changing it through the API."""

    def __init__(self, order: Order, reason: str) -> None:
        self.order = order
        super().__init__(
            f"ShipStation order {order.order_number} (id {order.order_id}) was left unchanged: "
            f"{reason}. Change it in ShipStation by hand if it must change."
        )


def writable(order: Mapping[str, Any]) -> JSON:
    """An order as read, minus what the API computes or owns (for read-modify-write)."""
    body: JSON = {k: v for k, v in order.items() if k not in _READ_ONLY}
    advanced = order.get("advancedOptions")
    if isinstance(advanced, Mapping):
        body["advancedOptions"] = {
            k: v for k, v in advanced.items() if k not in _READ_ONLY_ADVANCED
        }
    items = order.get("items")
    if isinstance(items, list):
        body["items"] = [
            {k: v for k, v in item.items() if k not in _READ_ONLY_ITEM}
            for item in items
            if isinstance(item, Mapping)
        ]
    return body


class ShipStationV1:
    """``ShipStationClient`` for the V1 API (``https://ssapi.shipstation.com``)."""

    def __init__(
        self,
        credential: HeldCredential,
        *,
        tenant: str = "",
        http: httpx.Client | None = None,
        pacer: RatePacer | None = None,
        retry: ShipStationRetry | None = None,
        margin: int = 1,
        backoff: Backoff | None = None,
    ) -> None:
        self.credential = credential
        creds = credential.current
        self.tenant = tenant or creds.tenant
        if creds.auth_kind != "api_key" or not {"api_key", "api_secret"} <= set(creds.secrets):
            raise ShipStationError(
                f"The ShipStation connection of tenant '{self.tenant}' has no V1 API key and "
                f"secret; reconnect with: ledgerlink connect shipstation --tenant {self.tenant}"
            )
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._owns_http = http is None
        self.pacer = pacer or pacer_for(creds.secrets["api_key"], margin)
        self._retry = retry or ShipStationRetry(
            self.pacer,
            transient_exceptions=(httpx.TransportError,),
            unsent_exceptions=(httpx.ConnectError, httpx.ConnectTimeout),
        )
        if backoff is not None:
            self._retry.backoff = backoff
        self.requests = 0  # requests sent by this client, retries included
        # ShipStation's clock at the last response (its Date header), in the Pacific wall time
        # its stamps and date filters use: where the read-back's next listings start.
        self.server_time: datetime | None = None

    @classmethod
    def for_tenant(
        cls, tenant: str, store: TokenStore | None = None, **kwargs: Any
    ) -> ShipStationV1:
        """A client with the tenant's ``shipstation`` connection from the TokenStore."""
        credential = HeldCredential(store or TokenStore(), tenant, "shipstation")
        return cls(credential, tenant=tenant, **kwargs)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ShipStationV1:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ------------------------------------------------------------------------
    def _reauthorize(self, error: ShipStationApiError) -> bool:
        """After a 401: worth another try only if a reconnect stored another key pair since."""
        return self.credential.reject()

    def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        order: str | None = None,
    ) -> Any:
        operation = f"{method} {path}"

        def call() -> Any:
            creds = self.credential.current
            self.requests += 1
            response = self._http.request(
                method,
                creds.api_url.rstrip("/") + path,
                params=dict(params) if params else None,
                json=body,
                headers={**creds.headers(), "Accept": "application/json"},
            )
            self.pacer.observe(response.headers)
            self.server_time = server_time(response.headers) or self.server_time
            error = failure_of(
                response.status_code,
                response.headers,
                response.content,
                operation,
                tenant=self.tenant,
                order=order,
            )
            if error is not None:
                raise error
            return response.json() if response.content.strip() else None

        return self._retry.run(
            call, operation=operation, idempotent=idempotent, reauthorize=self._reauthorize
        )

    def _pages(self, path: str, resource: str, params: Mapping[str, Any]) -> Iterator[JSON]:
        page = 1
        while True:
            answer = self._request(
                "GET", path, idempotent=True, params={**params, "page": page, "pageSize": PAGE_SIZE}
            )
            rows = answer.get(resource) if isinstance(answer, dict) else None
            yield from (r for r in rows or [] if isinstance(r, dict))
            pages = answer.get("pages") if isinstance(answer, dict) else None
            if not rows or not isinstance(pages, int) or page >= pages:
                return
            page += 1

    # --- orders -----------------------------------------------------------------------------
    def upsert_orders(self, orders: Sequence[Mapping[str, Any]]) -> list[OrderResult]:
        keys = [_require_key(o) for o in orders]
        twice = sorted(k for k, n in Counter(keys).items() if n > 1)
        if twice:
            # In one request the second would silently overwrite the first.
            raise ShipStationError(f"orderKey {twice[0]} appears twice in one bulk write")
        results: list[OrderResult] = []
        for start in range(0, len(orders), BULK_MAX):
            batch = orders[start : start + BULK_MAX]
            results += self._upsert_batch(batch, keys[start : start + BULK_MAX])
        return results

    def _upsert_batch(
        self, batch: Sequence[Mapping[str, Any]], keys: list[str]
    ) -> list[OrderResult]:
        try:
            answer = self._request(
                "POST", "/orders/createorders", idempotent=True, body=[dict(o) for o in batch]
            )
        except ShipStationApiError as error:
            if error.category is not Category.FATAL:
                raise
            # The whole batch was refused (one invalid order can do that): find out which
            # orders are at fault by sending them one by one; the valid ones go through.
            log.warning(
                "createorders refused a batch of %d (%s); sending one by one",
                len(batch),
                error.message,
            )
            return [self._upsert_alone(o, k) for o, k in zip(batch, keys, strict=True)]
        rows = answer.get("results") if isinstance(answer, dict) else None
        by_key = {
            str(r.get("orderKey")): r
            for r in rows or []
            if isinstance(r, dict) and r.get("orderKey")
        }
        out = []
        for index, key in enumerate(keys):
            row = by_key.get(key)
            if row is None and isinstance(rows, list) and index < len(rows):
                row = rows[index]
            if not isinstance(row, dict):
                out.append(OrderResult(key, None, None, False, "no result returned for the order"))
            else:
                out.append(result_from_v1(row, key))
        return out

    def _upsert_alone(self, order: Mapping[str, Any], key: str) -> OrderResult:
        try:
            made = self.upsert_order(order)
        except ShipStationApiError as error:
            if error.category is not Category.FATAL:
                raise
            return OrderResult(key, _number(order), None, False, error.message)
        return OrderResult(key, made.order_number, made.order_id, True, None)

    def upsert_order(self, order: Mapping[str, Any]) -> Order:
        _require_key(order)
        raw = self._request(
            "POST", "/orders/createorder", idempotent=True, body=dict(order), order=_number(order)
        )
        return order_from_v1(raw)

    def get_order(self, order_id: int) -> Order | None:
        try:
            raw = self._request("GET", f"/orders/{int(order_id)}", idempotent=True)
        except ShipStationApiError as error:
            if error.category is Category.NOT_FOUND:
                return None
            raise
        return order_from_v1(raw)

    def _by_prefix(self, order_number: str) -> list[Order]:
        # orderNumber is a starts-with search (reference §2.3): callers filter what they need.
        rows = self._pages("/orders", "orders", {"orderNumber": order_number})
        return [order_from_v1(r) for r in rows]

    def orders_by_number(self, order_number: str) -> list[Order]:
        return [o for o in self._by_prefix(order_number) if o.order_number == order_number]

    def order_family(self, order_number: str) -> list[Order]:
        found = self._by_prefix(order_number)
        family = [o for o in found if o.order_number == order_number]
        ids = {o.order_id for o in family}
        # Split children start with the parent's number (``N-1``), so the same search found them;
        # they are recognised by parentId, not by the suffix (a child can be split again).
        grew = True
        while grew:
            more = [o for o in found if o.parent_id in ids and o.order_id not in ids]
            family += more
            ids |= {o.order_id for o in more}
            grew = bool(more)
        return family

    # --- shipments ------------------------------------------------------------------------------
    def labels(self, order_id: int) -> list[Shipment]:
        params = {"orderId": int(order_id), "includeShipmentItems": "true"}
        return [shipment_from_v1(r) for r in self._pages("/shipments", "shipments", params)]

    def fulfillments(self, order_id: int) -> list[Shipment]:
        params = {"orderId": int(order_id)}
        return [
            fulfillment_from_v1(r) for r in self._pages("/fulfillments", "fulfillments", params)
        ]

    def shipments(self, order_id: int) -> list[Shipment]:
        return [*self.labels(order_id), *self.fulfillments(order_id)]

    # --- account-wide listings (the read-back: pages of 500, not a request per order) ---------
    def list_orders(
        self, *, modified_since: datetime | None = None, number_prefix: str | None = None
    ) -> list[Order]:
        params: dict[str, Any] = {}
        if modified_since is not None:
            params["modifyDateStart"] = wall_time(modified_since)
        if number_prefix:
            params["orderNumber"] = number_prefix
        return [order_from_v1(r) for r in self._pages("/orders", "orders", params)]

    def list_labels(
        self,
        *,
        created_since: datetime | None = None,
        voided_since: datetime | None = None,
        shipped_since: date | None = None,
    ) -> list[Shipment]:
        params: dict[str, Any] = {"includeShipmentItems": "true"}
        if created_since is not None:
            params["createDateStart"] = wall_time(created_since)
        if voided_since is not None:
            params["voidDateStart"] = wall_time(voided_since)
        if shipped_since is not None:
            params["shipDateStart"] = shipped_since.isoformat()
        return [shipment_from_v1(r) for r in self._pages("/shipments", "shipments", params)]

    def list_fulfillments(
        self, *, created_since: datetime | None = None, shipped_since: date | None = None
    ) -> list[Shipment]:
        params: dict[str, Any] = {}
        if created_since is not None:
            params["createDateStart"] = wall_time(created_since)
        if shipped_since is not None:
            params["shipDateStart"] = shipped_since.isoformat()
        rows = self._pages("/fulfillments", "fulfillments", params)
        return [fulfillment_from_v1(r) for r in rows]

    # --- changes after ordering ---------------------------------------------------------------
    def _current_open(self, order: Order) -> Order:
        current = self.get_order(order.order_id)
        if current is None:
            raise OrderLocked(order, "it no longer exists in ShipStation (deleted or merged)")
        if current.merged_or_split:
            raise OrderLocked(current, "it was split or merged in ShipStation")
        if not current.open:
            raise OrderLocked(current, f"its status is {current.status}")
        return current

    def update_order(self, order: Order, changes: Mapping[str, Any]) -> Order:
        current = self._current_open(order)
        body = writable(current.raw)
        for key, value in changes.items():
            if key == "advancedOptions" and isinstance(value, Mapping):
                body[key] = {**body.get(key, {}), **value}
            elif key not in _READ_ONLY:
                body[key] = value
        # orderId makes the update land on this order; orderKey keeps it the same upsert key.
        body["orderId"] = current.order_id
        body["orderKey"] = current.order_key
        return self.upsert_order(body)

    def cancel_order(self, order: Order) -> Order:
        return self.update_order(order, {"orderStatus": "cancelled"})


def server_time(headers: Mapping[str, str]) -> datetime | None:
    """The response's ``Date`` as naive Pacific wall time (None when absent or unreadable)."""
    value = headers.get("date")
    if not value:
        return None
    try:
        stamp = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if stamp.tzinfo is None:
        return None
    return stamp.astimezone(PACIFIC).replace(tzinfo=None)


def wall_time(at: datetime) -> str:
    """A date filter as V1 wants it: ``yyyy-mm-dd hh:mm:ss``, Pacific wall time (the naive
    stamps ShipStation answers with are already that)."""
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _number(order: Mapping[str, Any]) -> str | None:
    number = order.get("orderNumber")
    return None if number is None else str(number)


def _require_key(order: Mapping[str, Any]) -> str:
    key = order.get("orderKey")
    if not isinstance(key, str) or not key.strip():
        raise MissingOrderKey(
            f"ShipStation order {_number(order) or '(no number)'} has no orderKey; without one "
            "every retry would create another order, so it was not sent"
        )
    return key
