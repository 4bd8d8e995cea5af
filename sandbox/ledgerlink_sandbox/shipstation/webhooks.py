"""V1 webhooks: subscriptions (PascalCase list objects) and unsigned ``resource_url`` deliveries.

``POST target_url`` with ``{"resource_url": ..., "resource_type": "SHIP_NOTIFY"}``; the receiver
then GETs ``resource_url`` with its Basic credentials, and the sandbox serves it (``/orders`` with
``importBatch``, ``/shipments`` with ``batchId``). ``ITEM_ORDER_NOTIFY``/``ITEM_SHIP_NOTIFY``
hooks receive the same URLs under their own type (UNVERIFIED). V1 does not sign deliveries and
publishes no retry policy, so each delivery is attempted once and logged
(``GET /_sandbox/webhooks/deliveries``). Deliveries run on a worker thread so a slow receiver
never blocks the API; ``drain()`` lets a test wait for them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerlink_sandbox.shipstation.settings import ShipStationSettings
from ledgerlink_sandbox.shipstation.store import JSON, Event

log = logging.getLogger(__name__)

EVENTS = (
    "ORDER_NOTIFY",
    "ITEM_ORDER_NOTIFY",
    "SHIP_NOTIFY",
    "ITEM_SHIP_NOTIFY",
    "FULFILLMENT_SHIPPED",
    "FULFILLMENT_REJECTED",
)
_FAMILY = {
    "ORDER_NOTIFY": ("ORDER_NOTIFY", "ITEM_ORDER_NOTIFY"),
    "SHIP_NOTIFY": ("SHIP_NOTIFY", "ITEM_SHIP_NOTIFY"),
}


@dataclass
class Delivery:
    webhook_id: int
    url: str
    payload: JSON
    status: int | None = None
    error: str | None = None

    def to_json(self) -> JSON:
        return {
            "webhookId": self.webhook_id,
            "url": self.url,
            "payload": self.payload,
            "status": self.status,
            "error": self.error,
        }


class _Marker:
    """Queued behind pending deliveries; set when the worker reaches it."""

    def __init__(self, done: threading.Event) -> None:
        self.done = done


def hook_object(hook_id: int, seller_id: int, body: JSON) -> JSON:
    """The stored subscription in the ``GET /webhooks`` shape."""
    return {
        "IsLabelAPIHook": False,
        "WebHookID": hook_id,
        "SellerID": seller_id,
        "StoreID": body.get("store_id"),
        "HookType": body["event"],
        "MessageFormat": "Json",
        "Url": body["target_url"],
        "Name": body.get("friendly_name"),
        "BulkCopyBatchID": None,
        "BulkCopyRecordID": None,
        "Active": True,
        "WebhookLogs": [],
        "Seller": None,
        "Store": None,
    }


class WebhookSender:
    def __init__(self, settings: ShipStationSettings, hooks: Callable[[], list[JSON]]) -> None:
        self.settings = settings
        self.hooks = hooks  # current subscriptions, read at emit time
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery | _Marker | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def emit(self, events: list[Event], base_url: str) -> None:
        base = base_url.rstrip("/")
        for event in events:
            for hook in self.hooks():
                if hook["HookType"] not in _FAMILY[event.kind] or not hook["Active"]:
                    continue
                if hook["StoreID"] not in (None, event.store_id):
                    continue
                payload = {"resource_url": base + event.path, "resource_type": hook["HookType"]}
                delivery = Delivery(hook["WebHookID"], hook["Url"], payload)
                with self._lock:
                    self.deliveries.append(delivery)
                self._queue.put(delivery)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="shipstation-webhooks", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(5)
            self._thread = None

    def drain(self, timeout: float = 5.0) -> None:
        """Block until every queued delivery was attempted (for tests)."""
        self.start()
        done = threading.Event()
        self._queue.put(_Marker(done))
        done.wait(timeout)

    def snapshot(self) -> list[JSON]:
        with self._lock:
            return [d.to_json() for d in self.deliveries]

    def reset(self) -> None:
        with self._lock:
            self.deliveries.clear()

    def _run(self) -> None:
        with httpx.Client(timeout=self.settings.webhook_timeout_seconds) as client:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if isinstance(item, _Marker):
                    item.done.set()
                    continue
                self._send(client, item)

    def _send(self, client: httpx.Client, delivery: Delivery) -> None:
        try:
            answer = client.post(
                delivery.url, json=delivery.payload, headers={"User-Agent": "ShipStation Webhook"}
            )
            delivery.status = answer.status_code
        except httpx.HTTPError as exc:
            delivery.error = type(exc).__name__
            # Never log the URL: a receiver's secret often lives in its path or query.
            log.warning(
                "ShipStation sandbox webhook %s failed: %s", delivery.webhook_id, type(exc).__name__
            )


def validate_subscription(body: Any) -> dict[str, list[str]]:
    """ModelState problems of a subscribe body (texts are approximations)."""
    if not isinstance(body, dict):
        return {"request": ["The request is invalid."]}
    problems: dict[str, list[str]] = {}
    if not isinstance(body.get("target_url"), str) or not body["target_url"]:
        problems["request.target_url"] = ["The target_url field is required."]
    if body.get("event") not in EVENTS:
        problems["request.event"] = [f"The event must be one of {', '.join(EVENTS)}."]
    store_id = body.get("store_id")
    if store_id is not None and (not isinstance(store_id, int) or isinstance(store_id, bool)):
        problems["request.store_id"] = ["The store_id field must be an integer or null."]
    return problems
