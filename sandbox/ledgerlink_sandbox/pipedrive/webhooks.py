"""Webhooks v2: subscriptions (``/v1/webhooks``) and deliveries with Pipedrive's retry schedule.

Delivery (pipedrive.md §4): JSON POST of ``{"meta": ..., "data": ..., "previous": ...}`` with
HTTP Basic auth when the subscription has credentials; any 2xx is success; otherwise (or after
the timeout) retried 3, 30 and 150 s later (``meta.attempt`` 2..4). Those delays are wall-clock
seconds multiplied by the ``webhook_time_factor`` setting so tests run them in milliseconds.
Each failed first attempt counts towards a ban: at ``webhook_ban_after_failures`` the webhook is
banned for ``webhook_ban_minutes`` (sandbox clock) and events in that time are dropped.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ledgerlink_sandbox.pipedrive.render import iso, render, render_note
from ledgerlink_sandbox.pipedrive.settings import PipedriveSettings
from ledgerlink_sandbox.pipedrive.store import Change, Store

RETRY_DELAYS = (3.0, 30.0, 150.0)
EVENT_ACTIONS = ("create", "change", "delete", "*")
EVENT_OBJECTS = (
    "activity",
    "deal",
    "lead",
    "note",
    "organization",
    "person",
    "pipeline",
    "product",
    "stage",
    "user",
    "*",
)


@dataclass
class Subscription:
    id: int
    url: str
    event_action: str
    event_object: str
    name: str
    user_id: int
    add_time: datetime
    auth: tuple[str, str] | None = None
    version: str = "2.0"
    last_delivery_time: datetime | None = None
    last_http_status: int | None = None
    failures: int = 0
    banned_until: datetime | None = None

    def wants(self, change: Change) -> bool:
        return self.event_action in ("*", change.action) and self.event_object in (
            "*",
            change.entity,
        )


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    webhook_id: int = field(compare=False)
    payload: dict[str, Any] = field(compare=False)


class Webhooks:
    def __init__(self, store: Store, settings: PipedriveSettings, host: str) -> None:
        self.store = store
        self.settings = settings
        self.host = host
        self.subscriptions: dict[int, Subscription] = {}
        self.log: list[dict[str, Any]] = []  # one entry per delivery attempt (admin view)
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._jobs: list[_Job] = []
        self._cv = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        store.listeners.append(self.on_change)

    # --- subscriptions -------------------------------------------------------------------------
    def add(self, sub_fields: dict[str, Any]) -> Subscription:
        sub = Subscription(id=next(self._ids), add_time=self.store.clock.now(), **sub_fields)
        self.subscriptions[sub.id] = sub
        return sub

    def render(self, sub: Subscription) -> dict[str, Any]:
        company = self.store.company
        return {
            "id": sub.id,
            "company_id": company.id,
            "owner_id": sub.user_id,
            "user_id": sub.user_id,
            "event_action": sub.event_action,
            "event_object": sub.event_object,
            "subscription_url": sub.url,
            "version": sub.version,
            "is_active": 1,
            "add_time": _millis(sub.add_time),
            "remove_time": None,
            "type": "general",
            # The password is never echoed back (it would end up in client logs).
            "http_auth_user": sub.auth[0] if sub.auth else None,
            "http_auth_password": None,
            "remove_reason": None,
            "last_delivery_time": _millis(sub.last_delivery_time),
            "last_http_status": sub.last_http_status,
            "admin_id": company.user_id,
            "name": sub.name,
        }

    def reset(self) -> None:
        with self._cv:
            self.subscriptions.clear()
            self._jobs.clear()
            self.log.clear()

    # --- events --------------------------------------------------------------------------------
    def on_change(self, change: Change) -> None:
        now = self.store.clock.now()
        for sub in list(self.subscriptions.values()):
            if not sub.wants(change):
                continue
            if sub.banned_until is not None and now < sub.banned_until:
                continue  # banned: events are lost, as documented
            self._enqueue(sub.id, self._payload(sub, change), delay=0.0)

    def _entity_json(self, entity: str, record: dict[str, Any] | None) -> dict[str, Any] | None:
        if record is None:
            return None
        if entity == "note":
            return render_note(self.store, record)
        return render(self.store, entity, record)

    def _payload(self, sub: Subscription, change: Change) -> dict[str, Any]:
        company = self.store.company
        previous: dict[str, Any] | None = None
        if change.action == "change" and change.previous is not None:
            previous = {
                k: iso(v) if isinstance(v, datetime) else v
                for k, v in change.previous.items()
                if not k.startswith("_")
            }
        elif change.action == "delete":
            previous = self._entity_json(change.entity, change.previous)
        meta = {
            "action": change.action,
            "entity": change.entity,
            "company_id": str(company.id),
            "correlation_id": str(uuid.uuid4()),
            "entity_id": str(change.id),
            "id": str(uuid.uuid4()),
            "is_bulk_edit": False,
            "timestamp": _millis(change.at),
            "type": "general",
            "user_id": str(change.user_id),
            "version": "2.0",
            "webhook_id": str(sub.id),
            "webhook_owner_id": str(sub.user_id),
            "change_source": change.source,
            "attempt": 1,
            "host": self.host,
            "permitted_user_ids": [str(u["id"]) for u in company.users],
        }
        return {
            "meta": meta,
            "data": self._entity_json(change.entity, change.current),
            "previous": previous,
        }

    # --- delivery worker -----------------------------------------------------------------------
    def _enqueue(self, webhook_id: int, payload: dict[str, Any], delay: float) -> None:
        with self._cv:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pipedrive-webhooks", daemon=True
                )
                self._thread.start()
            heapq.heappush(
                self._jobs, _Job(time.monotonic() + delay, next(self._seq), webhook_id, payload)
            )
            self._cv.notify()

    def _run(self) -> None:
        with httpx.Client(headers={"User-Agent": "Pipedrive-Webhook"}) as client:
            while True:
                with self._cv:
                    while not self._stop and (
                        not self._jobs or self._jobs[0].due > time.monotonic()
                    ):
                        wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                        self._cv.wait(timeout=wait)
                    if self._stop:
                        return
                    job = heapq.heappop(self._jobs)
                self._deliver(client, job)

    def _deliver(self, client: httpx.Client, job: _Job) -> None:
        sub = self.subscriptions.get(job.webhook_id)
        if sub is None:
            return
        attempt = job.payload["meta"]["attempt"]
        status: int | None = None
        try:
            response = client.post(
                sub.url,
                json=job.payload,
                auth=httpx.BasicAuth(*sub.auth) if sub.auth else httpx.USE_CLIENT_DEFAULT,
                timeout=self.settings.webhook_timeout_seconds,
            )
            status = response.status_code
        except httpx.HTTPError:
            status = None
        now = self.store.clock.now()
        self.log.append(
            {
                "webhook_id": sub.id,
                "event_id": job.payload["meta"]["id"],
                "attempt": attempt,
                "status": status,
                "at": now.isoformat(),
            }
        )
        sub.last_delivery_time, sub.last_http_status = now, status
        if status is not None and 200 <= status < 300:
            return
        if attempt == 1:
            sub.failures += 1
            if sub.failures >= self.settings.webhook_ban_after_failures:
                sub.banned_until = now + timedelta(minutes=self.settings.webhook_ban_minutes)
                sub.failures = 0
        if attempt <= len(RETRY_DELAYS):
            retry = {**job.payload, "meta": {**job.payload["meta"], "attempt": attempt + 1}}
            delay = RETRY_DELAYS[attempt - 1] * self.settings.webhook_time_factor
            self._enqueue(sub.id, retry, delay)

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)


def _millis(value: datetime | None) -> str | None:
    """Webhook time format: ``2019-10-25T08:25:27.000Z``."""
    if value is None:
        return None
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )
