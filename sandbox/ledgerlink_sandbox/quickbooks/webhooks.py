"""Webhook emitter: store change log → signed POSTs to the configured URL, Intuit's retry schedule.

- Source: ``store.changes_since(seq)`` per realm (Create/Update/Delete/Void/Merge). Changes made
  before a ``webhook_url`` is set, and the generated data set, are never sent.
- Payload (setting ``webhook_format``): legacy ``{"eventNotifications": [...]}`` with one element
  for the realm, or a CloudEvents array (``type: qbo.invoice.created.v1``...).
- Header ``intuit-signature`` = base64(HMAC-SHA256(verifier token, raw body)).
- Delivery succeeds on HTTP 200 within ``webhook_timeout_seconds``; otherwise the same body is
  retried after 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h, then every 6 h (each delay counted
  from the failed attempt, on the sandbox clock, divided by ``webhook_retry_compression``).
- Events are coalesced per notification (``coalesce``): duplicates and an Update right behind its
  own Create are dropped.
- Per-realm ordering: a realm's later notifications wait until its head is acknowledged.
A background thread calls ``pump()`` every ``webhook_poll_seconds``; tests can also call it (or
``POST /_sandbox/webhooks/pump``) and read ``GET /_sandbox/webhooks``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.quickbooks.service_settings import QboServiceSettings
from ledgerlink_sandbox.quickbooks.store_api import ChangeLike, RealmStoreLike

RETRY_SCHEDULE_SECONDS = (10, 20, 30, 300, 1200, 7200, 14400, 21600)
log = logging.getLogger(__name__)
_VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Void": "voided",
    "Merge": "merged",
    "Emailed": "emailed",
}


def sign(verifier_token: str, body: bytes) -> str:
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def retry_delay(failed_attempts: int) -> int:
    """Seconds to wait after the ``failed_attempts``-th failure (1-based)."""
    index = min(failed_attempts, len(RETRY_SCHEDULE_SECONDS)) - 1
    return RETRY_SCHEDULE_SECONDS[index]


def _utc(at: datetime, timespec: str = "milliseconds") -> str:
    return at.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def coalesce(changes: Sequence[ChangeLike]) -> list[ChangeLike]:
    """One event per (entity, id, operation); an Update right behind its own Create is dropped.

    The store logs side effects separately (a create can also log an Update of the same row);
    one notification naming the entity once per operation is what a receiver acts on.
    """
    seen: set[tuple[str, str, str]] = set()
    out: list[ChangeLike] = []
    for change in changes:
        key = (change.entity, change.id, change.operation)
        created = (change.entity, change.id, "Create") in seen
        if key in seen or (change.operation == "Update" and created):
            continue
        seen.add(key)
        out.append(change)
    return out


def legacy_payload(realm_id: str, changes: Sequence[ChangeLike]) -> dict[str, Any]:
    entities = [
        {"name": c.entity, "id": c.id, "operation": c.operation, "lastUpdated": _utc(c.at)}
        for c in changes
    ]
    event = {"realmId": realm_id, "dataChangeEvent": {"entities": entities}}
    return {"eventNotifications": [event]}


def cloudevents_payload(realm_id: str, changes: Sequence[ChangeLike]) -> list[dict[str, Any]]:
    source = "intuit." + base64.b64encode(hashlib.sha256(realm_id.encode()).digest()).decode()
    return [
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source,
            "type": f"qbo.{c.entity.lower()}.{_VERBS.get(c.operation, c.operation.lower())}.v1",
            "datacontenttype": "application/json",
            "time": _utc(c.at, "microseconds"),
            "intuitentityid": c.id,
            "intuitaccountid": realm_id,
            "data": {},
        }
        for c in changes
    ]


@dataclass
class Delivery:
    id: int
    realm_id: str
    url: str
    body: bytes
    next_at: datetime
    delivered: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "realm_id": self.realm_id,
            "url": self.url,
            "delivered": self.delivered,
            "next_attempt_at": self.next_at.isoformat(),
            "attempts": list(self.attempts),
            "body": self.body.decode(),
        }


class WebhookEmitter:
    def __init__(
        self,
        clock: Clock,
        settings: QboServiceSettings,
        stores: Callable[[], dict[str, RealmStoreLike]],
        store_lock: threading.RLock,
    ) -> None:
        self.clock = clock
        self.settings = settings
        self.stores = stores
        self.store_lock = store_lock
        self.deliveries: list[Delivery] = []
        self._seen: dict[str, int] = {}
        self._queues: dict[str, deque[Delivery]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._pump_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def collect(self) -> None:
        """Turn new store changes into queued notifications (one per realm per call)."""
        with self.store_lock:
            fresh = {
                realm: list(store.changes_since(self._seen.get(realm, -1)))
                for realm, store in self.stores().items()
            }
        url = self.settings.webhook_url
        with self._lock:
            for realm, changes in fresh.items():
                first_sight = realm not in self._seen
                if changes or first_sight:
                    self._seen[realm] = max((c.seq for c in changes), default=-1)
                if changes and url and not first_sight:
                    # The generated data set (first sight) and changes made while no URL was
                    # configured are not sent.
                    self._enqueue(realm, url, changes)

    def _enqueue(self, realm: str, url: str, changes: Sequence[ChangeLike]) -> None:
        changes = coalesce(changes)
        payload: Any
        if self.settings.webhook_format == "cloudevents":
            payload = cloudevents_payload(realm, changes)
        else:
            payload = legacy_payload(realm, changes)
        body = json.dumps(payload, separators=(",", ":")).encode()
        delivery = Delivery(next(self._ids), realm, url, body, self.clock.now())
        self.deliveries.append(delivery)
        self._queues.setdefault(realm, deque()).append(delivery)

    def pump(self) -> int:
        """Collect changes and attempt every due head-of-queue delivery; returns attempts made."""
        with self._pump_lock:
            self.collect()
            attempts = 0
            for realm in list(self._queues):
                while True:
                    with self._lock:
                        queue = self._queues[realm]
                        head = queue[0] if queue else None
                    if head is None or self.clock.now() < head.next_at:
                        break
                    attempts += 1
                    if not self._attempt(head):
                        break
                    with self._lock:
                        queue.popleft()
            return attempts

    def _attempt(self, delivery: Delivery) -> bool:
        signature = sign(self.settings.webhook_verifier_token, delivery.body)
        headers = {"content-type": "application/json", "intuit-signature": signature}
        status: int | None = None
        error: str | None = None
        try:
            with httpx.Client(timeout=self.settings.webhook_timeout_seconds) as client:
                response = client.post(delivery.url, content=delivery.body, headers=headers)
                status = response.status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        now = self.clock.now()
        with self._lock:
            delivery.attempts.append({"at": now.isoformat(), "status": status, "error": error})
            if status == 200:
                delivery.delivered = True
                return True
            delay = retry_delay(len(delivery.attempts)) / self.settings.webhook_retry_compression
            delivery.next_at = now + timedelta(seconds=delay)
            return False

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.to_json() for d in self.deliveries]

    def reset(self) -> None:
        """Forget deliveries and take a new baseline of the (possibly regenerated) stores."""
        with self._lock:
            self.deliveries.clear()
            self._queues.clear()
            self._seen.clear()
        self.collect()

    def start(self) -> None:
        self.collect()  # baseline now, so changes made right after start are not swallowed
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="qbo-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.settings.webhook_poll_seconds):
            try:
                self.pump()
            except Exception:
                # Keep the emitter alive (e.g. a store mid-regeneration); the next tick retries.
                log.exception("webhook pump failed")
