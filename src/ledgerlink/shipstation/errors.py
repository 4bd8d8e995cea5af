"""ShipStation V1 error responses (reference §2.8) and what a client should do about each.

- 400 ``{"Message": "The request is invalid.", "ModelState": {"apiOrder.orderDate": [...]}}``
  or ``{"Message": "The order X has a status of shipped and cannot be updated."}``
- 401 (empty or text body; "random 401's" are reported under load), 404 ``{"Message": ...}``
- 429 ``{"message": "Too Many Requests"}`` with ``X-Rate-Limit-Reset`` seconds to wait
- 5xx ``{"Message": "An error has occurred.", "ExceptionMessage": ...}`` or a gateway HTML page

``ShipStationApiError`` names the operation (method and path, never a header or the key) and,
when known, the order it was about, and says what to do.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any

from ledgerlink.errors import LedgerlinkError

DEFAULT_RESET_SECONDS = 60.0  # the V1 window; used when a 429 carries no usable header


class Category(enum.Enum):
    AUTH = "auth"  # 401: the key pair was refused
    THROTTLED = "throttled"  # 429: wait for X-Rate-Limit-Reset, then the same request again
    TRANSIENT = "transient"  # 5xx, 408: back off and retry (idempotent requests only)
    NOT_FOUND = "not_found"  # 404: unknown or merged-away order
    FATAL = "fatal"  # other 4xx: retrying cannot help; the message says what to fix


_ADVICE = {
    Category.AUTH: (
        "ShipStation refused the API key and secret; reconnect with: "
        "ledgerlink connect shipstation --tenant {tenant}"
    ),
    Category.THROTTLED: "the 40-requests-a-minute budget of the key was used up; retry later",
    Category.TRANSIENT: "ShipStation had a temporary failure; the next run retries",
    Category.NOT_FOUND: "the order no longer exists in ShipStation (deleted or merged)",
    Category.FATAL: "fix the order's data in QuickBooks (or the setting named) and rerun",
}


class ShipStationError(LedgerlinkError):
    """A ShipStation problem a user must act on (base of the client's errors)."""


class ShipStationApiError(ShipStationError):
    def __init__(
        self,
        *,
        status: int,
        category: Category,
        message: str,
        operation: str,
        tenant: str = "",
        order: str | None = None,
        reset_seconds: float | None = None,
    ) -> None:
        self.status = status
        self.category = category
        self.message = message
        self.operation = operation
        self.order = order
        self.reset_seconds = reset_seconds
        about = f" for order {order}" if order else ""
        advice = _ADVICE[category].format(tenant=tenant or "<tenant>")
        super().__init__(
            f"ShipStation answered HTTP {status} to {operation}{about}: {message} ({advice})"
        )


def header_number(headers: Mapping[str, str], name: str) -> float | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _message(payload: Any, text: str) -> str:
    if isinstance(payload, dict):
        lower = {str(k).lower(): v for k, v in payload.items()}
        message = str(lower.get("message") or lower.get("exceptionmessage") or "")
        state = lower.get("modelstate")
        if isinstance(state, dict) and state:
            details = "; ".join(
                f"{field}: {' '.join(str(t) for t in texts) if isinstance(texts, list) else texts}"
                for field, texts in state.items()
            )
            message = f"{message} {details}".strip()
        if message:
            return message
    snippet = " ".join(text.split())[:200]
    if snippet.lower().startswith(("<!doctype", "<html")):
        return "an HTML error page (gateway)"
    return snippet or "empty body"


def failure_of(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    operation: str,
    *,
    tenant: str = "",
    order: str | None = None,
) -> ShipStationApiError | None:
    """The error a response stands for, or ``None`` when it is a success."""
    if status < 400:
        return None
    text = body.decode("utf-8", "replace")
    try:
        payload = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    reset: float | None = None
    if status == 401:
        category = Category.AUTH
    elif status == 429:
        category = Category.THROTTLED
        reset = header_number(headers, "x-rate-limit-reset")
        if reset is None:
            reset = header_number(headers, "retry-after")
        reset = DEFAULT_RESET_SECONDS if reset is None else max(reset, 1.0)
    elif status >= 500 or status == 408:
        category = Category.TRANSIENT
    elif status == 404:
        category = Category.NOT_FOUND
    else:
        category = Category.FATAL
    return ShipStationApiError(
        status=status,
        category=category,
        message=_message(payload, text),
        operation=operation,
        tenant=tenant,
        order=order,
        reset_seconds=reset,
    )
