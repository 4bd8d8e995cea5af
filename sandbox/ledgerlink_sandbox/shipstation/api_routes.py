"""The public V1 surface (reference §2): every route sits behind ``Gateway.wrap``.

Routes: ``POST /orders/createorder|createorders|markasshipped``, ``GET /orders``,
``GET|DELETE /orders/{orderId}``, ``GET /shipments``, ``POST /shipments/voidlabel``,
``GET /fulfillments``, ``GET /stores``, ``GET /stores/{storeId}``, ``GET /webhooks``,
``POST /webhooks/subscribe``, ``DELETE /webhooks/{webhookId}``; anything else is answered like
ASP.NET Web API does (404 "No HTTP resource ...", 405 for a known path with the wrong verb).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from ledgerlink_sandbox.shipstation import delivery, errors, listing, shipping
from ledgerlink_sandbox.shipstation.gateway import Gateway
from ledgerlink_sandbox.shipstation.settings import ShipStationSettings
from ledgerlink_sandbox.shipstation.store import JSON, Event, Store
from ledgerlink_sandbox.shipstation.webhooks import (
    WebhookSender,
    hook_object,
    validate_subscription,
)

_ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


async def read_body(request: Request, prefix: str) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        snippet = raw.decode("utf-8", "replace")[exc.pos : exc.pos + 1]
        raise errors.invalid_json(
            prefix, f"{snippet}. Path '', line {exc.lineno}, position {exc.colno}."
        ) from None


def path_and_query(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def listed(order: JSON) -> JSON:
    """List/get responses also carry the fulfillment-provider keys (v1_list_orders sample)."""
    out = copy.deepcopy(order)
    out.setdefault("externallyFulfilledById", None)
    out.setdefault("externallyFulfilledByName", None)
    return out


class ApiRoutes:
    def __init__(
        self,
        store: Callable[[], Store],
        gateway: Gateway,
        webhooks: WebhookSender,
        settings: ShipStationSettings,
    ) -> None:
        self.store = store  # the store is replaced on a data reset: always read it through this
        self.gateway = gateway
        self.webhooks = webhooks
        self.settings = settings
        self._known: list[BaseRoute] = []

    def routes(self) -> list[BaseRoute]:
        wrap = self.gateway.wrap
        self._known = [
            Route("/orders/createorder", wrap(self.create_order), methods=["POST"]),
            Route("/orders/createorders", wrap(self.create_orders), methods=["POST"]),
            Route("/orders/markasshipped", wrap(self.mark_shipped), methods=["POST"]),
            Route("/orders", wrap(self.list_orders), methods=["GET"]),
            Route("/orders/{orderId}", wrap(self.get_order), methods=["GET"]),
            Route("/orders/{orderId}", wrap(self.delete_order), methods=["DELETE"]),
            Route("/shipments", wrap(self.list_shipments), methods=["GET"]),
            Route("/shipments/voidlabel", wrap(self.void_label), methods=["POST"]),
            Route("/fulfillments", wrap(self.list_fulfillments), methods=["GET"]),
            Route("/stores", wrap(self.list_stores), methods=["GET"]),
            Route("/stores/{storeId}", wrap(self.get_store), methods=["GET"]),
            Route("/webhooks", wrap(self.list_webhooks), methods=["GET"]),
            Route("/webhooks/subscribe", wrap(self.subscribe), methods=["POST"]),
            Route("/webhooks/{webhookId}", wrap(self.unsubscribe), methods=["DELETE"]),
        ]
        fallback = Route("/{path:path}", wrap(self.fallback), methods=_ALL_METHODS)
        return [*self._known, fallback]

    def _emit(self, request: Request, events: list[Event]) -> None:
        if events:
            self.webhooks.emit(events, str(request.base_url))

    def _id(self, request: Request, name: str) -> int:
        value = request.path_params[name]
        if not value.isdigit():
            raise errors.not_found(path_and_query(request))
        return int(value)

    def _unknown(self, request: Request) -> errors.ApiError:
        return errors.not_found(path_and_query(request), self.settings.unknown_id_message)

    # --- orders -----------------------------------------------------------------------------
    async def create_order(self, request: Request) -> Response:
        body = await read_body(request, "apiOrder")
        if isinstance(body, list):
            raise errors.array_into_object("apiOrder")
        if not isinstance(body, dict):
            raise errors.model_state({"apiOrder": ["The apiOrder field is required."]})
        result = self.store().upsert(body)
        self._emit(request, result.events)
        return errors.json_response(result.order)

    async def create_orders(self, request: Request) -> Response:
        body = await read_body(request, "apiOrders")
        if isinstance(body, dict):
            raise errors.object_into_array("apiOrders", next(iter(body), None))
        if not isinstance(body, list):
            raise errors.model_state({"apiOrders": ["The apiOrders field is required."]})
        result, events = self.store().upsert_many(body)
        self._emit(request, events)
        return errors.json_response(result)

    async def mark_shipped(self, request: Request) -> Response:
        result, events = shipping.mark_shipped(self.store(), await read_body(request, "request"))
        self._emit(request, events)
        return errors.json_response(result)

    async def list_orders(self, request: Request) -> Response:
        store = self.store()
        query = listing.Query(request.query_params.multi_items())
        with store.lock:
            rows = [(listed(r.data), r.import_batch) for r in store.visible_orders()]
        found = listing.filter_orders(rows, query, self.settings)
        return errors.json_response(listing.page(found, "orders", query, self.settings))

    async def get_order(self, request: Request) -> Response:
        order = self.store().order(self._id(request, "orderId"))
        if order is None:
            raise self._unknown(request)
        return errors.json_response(listed(order))

    async def delete_order(self, request: Request) -> Response:
        if not self.store().delete(self._id(request, "orderId")):
            raise self._unknown(request)
        return errors.json_response(
            {"success": True, "message": "The requested order has been deleted."}
        )

    # --- shipments and fulfillments ----------------------------------------------------------
    async def list_shipments(self, request: Request) -> Response:
        store = self.store()
        query = listing.Query(request.query_params.multi_items())
        with store.lock:
            rows = [
                (delivery.listed_label(store, r), r.batch, r.store_id)
                for r in store.labels.values()
            ]
        found = listing.filter_shipments(rows, query, self.settings)
        return errors.json_response(listing.page(found, "shipments", query, self.settings))

    async def void_label(self, request: Request) -> Response:
        body = await read_body(request, "request")
        shipment_id = body.get("shipmentId") if isinstance(body, dict) else None
        if not isinstance(shipment_id, int):
            raise errors.model_state({"request.shipmentId": ["The shipmentId field is required."]})
        shipping.void_label(self.store(), shipment_id)
        return errors.json_response({"approved": True, "message": "Label voided successfully"})

    async def list_fulfillments(self, request: Request) -> Response:
        store = self.store()
        query = listing.Query(request.query_params.multi_items())
        with store.lock:
            rows = [
                (copy.deepcopy(r.data), r.batch, r.store_id) for r in store.fulfillments.values()
            ]
        found = listing.filter_fulfillments(rows, query, self.settings)
        return errors.json_response(listing.page(found, "fulfillments", query, self.settings))

    # --- stores --------------------------------------------------------------------------------
    async def list_stores(self, request: Request) -> Response:
        query = listing.Query(request.query_params.multi_items())
        show_inactive = query.bool("showInactive")
        marketplace = query.int("marketplaceId")
        stores = [
            s
            for s in self.store().account.stores
            if (show_inactive or s["active"]) and marketplace in (None, s["marketplaceId"])
        ]
        return errors.json_response(stores)  # a bare array, not a page

    async def get_store(self, request: Request) -> Response:
        store_id = self._id(request, "storeId")
        account = self.store().account
        for item in account.stores:
            if item["storeId"] == store_id:
                mappings = account.status_mappings.get(store_id)
                return errors.json_response({**item, "statusMappings": mappings})
        raise self._unknown(request)

    # --- webhooks ------------------------------------------------------------------------------
    async def list_webhooks(self, request: Request) -> Response:
        return errors.json_response({"webhooks": list(self.store().webhooks.values())})

    async def subscribe(self, request: Request) -> Response:
        body = await read_body(request, "request")
        problems = validate_subscription(body)
        if problems:
            raise errors.model_state(problems)
        store = self.store()
        with store.lock:
            if body.get("store_id") is not None and body["store_id"] not in store.store_ids():
                raise errors.message(400, f"The store_id {body['store_id']} is not valid.")
            hook_id = store.next_id("webhook")
            store.webhooks[hook_id] = hook_object(hook_id, store.account.seller_id, body)
        return errors.json_response({"id": hook_id}, self.settings.webhook_subscribe_status)

    async def unsubscribe(self, request: Request) -> Response:
        store = self.store()
        with store.lock:
            if store.webhooks.pop(self._id(request, "webhookId"), None) is None:
                raise self._unknown(request)
        return Response(b"", status_code=200)

    # --- anything else ---------------------------------------------------------------------
    async def fallback(self, request: Request) -> Response:
        if any(route.matches(request.scope)[0] is Match.PARTIAL for route in self._known):
            raise errors.method_not_allowed(request.method)
        raise errors.not_found(path_and_query(request))
