"""Test controls under ``/_sandbox`` (no auth, no rate limit, not counted), for flows V1 cannot
drive through its public API. Errors answer 400/404 ``{"error": "..."}`` like the framework's.

- ``GET /_sandbox/credentials`` → ``{"apiKey", "apiSecret"}`` of the seeded account.
- ``POST /_sandbox/credentials`` → a new key pair for the same account (its own rate window).
- ``POST /_sandbox/orders/{id}/shipments`` ``{"shipments": [{"items": [{"lineItemKey" |
  "orderItemId" | "sku", "quantity"}], "carrierCode", "serviceCode", "trackingNumber",
  "shipDate", "shipmentCost"}], "orderStatus"?}`` → ``{"shipments", "order"}``; one label per
  entry (a partial shipment when quantities are partial); ``items`` omitted = all not yet shipped.
- ``POST /_sandbox/orders/{id}/split`` ``{"parts": [{"items": [...]}]}`` → ``{"order",
  "children"}``.
- ``POST /_sandbox/orders/{id}/status`` ``{"orderStatus", "holdUntilDate"?}`` → the order.
- ``POST /_sandbox/orders/{id}/cancel`` → the order, now ``cancelled``.
- ``POST /_sandbox/orders/{id}/merge`` ``{"orderIds": [...]}`` → the surviving order.
- ``POST /_sandbox/shipments/{id}/void`` → the voided label.
- ``POST /_sandbox/shipments/{id}/deliver`` / ``POST /_sandbox/fulfillments/{id}/deliver``
  ``{"deliveryDate"?}`` → the label / fulfillment, delivered (today by default). A label's
  delivery is listed only under the ``label_delivery_date: listed`` setting (``delivery``).
- ``GET /_sandbox/webhooks/deliveries`` → ``{"deliveries": [...]}``;
  ``POST /_sandbox/webhooks/drain`` waits for queued deliveries, then answers the same.
- ``GET /_sandbox/summary`` → order counts per status, label and fulfillment counts.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ledgerlink_sandbox.framework.service import ADMIN_PREFIX
from ledgerlink_sandbox.shipstation import dataset, delivery, errors, shipping
from ledgerlink_sandbox.shipstation.orders import ALL_STATUSES
from ledgerlink_sandbox.shipstation.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET
from ledgerlink_sandbox.shipstation.store import Store
from ledgerlink_sandbox.shipstation.webhooks import WebhookSender

Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except shipping.AdminError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except errors.ApiError as exc:
            return JSONResponse({"error": exc.text}, status_code=exc.status)

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise shipping.AdminError(f"invalid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise shipping.AdminError("the body must be a JSON object")
    return body


def _int(request: Request, name: str) -> int:
    value = str(request.path_params[name])
    if not value.isdigit():
        raise shipping.AdminError(f"{name} must be an integer")
    return int(value)


class AdminRoutes:
    def __init__(self, store: Callable[[], Store], webhooks: WebhookSender) -> None:
        self.store = store
        self.webhooks = webhooks

    def routes(self) -> list[BaseRoute]:
        p = ADMIN_PREFIX
        table: list[tuple[str, Handler, str]] = [
            (f"{p}/credentials", self.get_credentials, "GET"),
            (f"{p}/credentials", self.new_credentials, "POST"),
            (f"{p}/orders/{{orderId}}/shipments", self.ship, "POST"),
            (f"{p}/orders/{{orderId}}/split", self.split, "POST"),
            (f"{p}/orders/{{orderId}}/status", self.status, "POST"),
            (f"{p}/orders/{{orderId}}/cancel", self.cancel, "POST"),
            (f"{p}/orders/{{orderId}}/merge", self.merge, "POST"),
            (f"{p}/shipments/{{shipmentId}}/void", self.void, "POST"),
            (f"{p}/shipments/{{shipmentId}}/deliver", self.deliver_label, "POST"),
            (f"{p}/fulfillments/{{fulfillmentId}}/deliver", self.deliver_fulfillment, "POST"),
            (f"{p}/webhooks/deliveries", self.deliveries, "GET"),
            (f"{p}/webhooks/drain", self.drain, "POST"),
            (f"{p}/summary", self.summary, "GET"),
        ]
        return [Route(path, _guarded(handler), methods=[verb]) for path, handler, verb in table]

    async def get_credentials(self, request: Request) -> Response:
        return JSONResponse({"apiKey": DEFAULT_API_KEY, "apiSecret": DEFAULT_API_SECRET})

    async def new_credentials(self, request: Request) -> Response:
        key, secret = secrets.token_hex(16), secrets.token_hex(16)
        store = self.store()
        with store.lock:
            store.account.credentials[key] = secret
        return JSONResponse({"apiKey": key, "apiSecret": secret}, status_code=201)

    async def ship(self, request: Request) -> Response:
        body = await _body(request)
        status = body.get("orderStatus")
        if status is not None and status not in ALL_STATUSES:
            raise shipping.AdminError(f"orderStatus must be one of {list(ALL_STATUSES)}")
        labels, order, events = shipping.create_labels(
            self.store(), _int(request, "orderId"), body.get("shipments"), status
        )
        self.webhooks.emit(events, str(request.base_url))
        return JSONResponse({"shipments": labels, "order": order}, status_code=201)

    async def split(self, request: Request) -> Response:
        body = await _body(request)
        parent, children = shipping.split(self.store(), _int(request, "orderId"), body.get("parts"))
        return JSONResponse({"order": parent, "children": children}, status_code=201)

    async def status(self, request: Request) -> Response:
        body = await _body(request)
        status = body.get("orderStatus")
        if status not in ALL_STATUSES:
            raise shipping.AdminError(f"orderStatus must be one of {list(ALL_STATUSES)}")
        hold = body.get("holdUntilDate")
        order = self.store().set_status(
            _int(request, "orderId"), str(status), str(hold) if hold else None
        )
        return JSONResponse(order)

    async def cancel(self, request: Request) -> Response:
        return JSONResponse(self.store().set_status(_int(request, "orderId"), "cancelled"))

    async def merge(self, request: Request) -> Response:
        body = await _body(request)
        survivor = shipping.merge(self.store(), _int(request, "orderId"), body.get("orderIds"))
        return JSONResponse(survivor)

    async def void(self, request: Request) -> Response:
        return JSONResponse(shipping.void_label(self.store(), _int(request, "shipmentId")))

    async def deliver_label(self, request: Request) -> Response:
        body = await _body(request)
        ident = _int(request, "shipmentId")
        return JSONResponse(
            delivery.deliver(self.store(), "label", ident, body.get("deliveryDate"))
        )

    async def deliver_fulfillment(self, request: Request) -> Response:
        body = await _body(request)
        ident = _int(request, "fulfillmentId")
        answer = delivery.deliver(self.store(), "fulfillment", ident, body.get("deliveryDate"))
        return JSONResponse(answer)

    async def deliveries(self, request: Request) -> Response:
        return JSONResponse({"deliveries": self.webhooks.snapshot()})

    async def drain(self, request: Request) -> Response:
        await asyncio.to_thread(self.webhooks.drain)
        return JSONResponse({"deliveries": self.webhooks.snapshot()})

    async def summary(self, request: Request) -> Response:
        return JSONResponse(dataset.seed_summary(self.store()))
