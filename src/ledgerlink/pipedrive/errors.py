"""Pipedrive error responses, every shape the reference lists (§2.1, §3.4, §3.5), and what a
client should do about each.

- gateway: ``{"success":false,"error":"unauthorized access","errorCode":401,"error_info":…}``
  (401 with ``x-401-by-gw``, 429, 5xx from the edge)
- v2: ``{"success":false,"error":"Validation failed: …","code":"ERR_SCHEMA_VALIDATION_FAILED"}``
- v1 odd ones: ``{"success":false,"message":"Forbidden"}``, ``{"errors":{field:[…]}}``
- Cloudflare's HTML ban page (403) for clients that keep hammering after 429s
- ``success: false`` inside an HTTP 200 (undocumented, checked anyway)

``PipedriveApiError`` carries what a person needs to ask Pipedrive: status, code, message,
``x-correlation-id`` and the operation (method and path; never the query, never a header).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any

from ledgerlink.errors import LedgerlinkError


class Category(enum.Enum):
    AUTH = "auth"  # 401: the token was refused; OAuth gets one forced refresh
    BUDGET = "budget"  # 429 with the daily token budget at 0: nothing helps until the reset
    BURST = "burst"  # 429 otherwise: wait for x-ratelimit-reset and retry
    TRANSIENT = "transient"  # 5xx, Cloudflare 52x: back off and retry
    FATAL = "fatal"  # everything else: retrying cannot help


class PipedriveApiError(LedgerlinkError):
    def __init__(
        self,
        *,
        status: int,
        category: Category,
        message: str,
        operation: str,
        code: str | None = None,
        correlation_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.category = category
        self.message = message
        self.operation = operation
        self.code = code
        self.correlation_id = correlation_id
        self.retry_after = retry_after  # seconds, for BURST
        text = f"Pipedrive answered HTTP {status} to {operation}: {message}"
        if code:
            text += f" ({code})"
        if correlation_id:
            text += f" [x-correlation-id {correlation_id}]"
        super().__init__(text)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def header_number(headers: Mapping[str, str], name: str) -> float | None:
    raw = _header(headers, name)
    try:
        return float(raw) if raw is not None and raw.strip() != "" else None
    except ValueError:
        return None


def _message(payload: Any, text: str, content_type: str) -> tuple[str, str | None]:
    if isinstance(payload, dict):
        message = payload.get("error") or payload.get("message")
        if not message and isinstance(payload.get("errors"), dict):
            message = "; ".join(f"{k}: {v}" for k, v in payload["errors"].items())
        code = payload.get("code") or payload.get("errorCode")
        detail = payload.get("error_info")
        text_out = str(message or "no error message")
        if detail and detail != "Please check developers.pipedrive.com":
            text_out += f" - {detail}"
        return text_out, None if code is None else str(code)
    if "html" in content_type and "cloudflare" in text.lower():
        return "Cloudflare denied access (ban after repeated ignored 429 answers)", None
    snippet = " ".join(text.split())[:200]
    return snippet or "empty body", None


def parse_body(body: bytes | str) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None


def failure_of(
    status: int,
    headers: Mapping[str, str],
    body: bytes | str,
    operation: str,
) -> PipedriveApiError | None:
    """The error a response stands for, or ``None`` when it is a success."""
    payload = parse_body(body)
    failed_in_200 = isinstance(payload, dict) and payload.get("success") is False
    if status < 400 and not failed_in_200:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    content_type = _header(headers, "content-type") or ""
    message, code = _message(payload, text, content_type)
    retry_after: float | None = None
    if status == 401:
        category = Category.AUTH
    elif status == 429:
        # Budget: the daily balance is 0, or cannot cover the request while the burst window
        # still has room. Burst: the window is used up, or nothing says otherwise (a short wait
        # is harmless).
        budget_left = header_number(headers, "x-daily-ratelimit-token-remaining")
        burst_left = header_number(headers, "x-ratelimit-remaining")
        if budget_left is not None and (
            budget_left <= 0 or (burst_left is not None and burst_left > 0)
        ):
            category = Category.BUDGET
        else:
            category = Category.BURST
            waits = [
                header_number(headers, "retry-after"),
                header_number(headers, "x-ratelimit-reset"),
            ]
            retry_after = max([w for w in waits if w is not None], default=2.0)
    elif status >= 500 or status == 408:
        category = Category.TRANSIENT
    else:
        category = Category.FATAL
    return PipedriveApiError(
        status=status,
        category=category,
        message=message,
        operation=operation,
        code=code,
        correlation_id=_header(headers, "x-correlation-id"),
        retry_after=retry_after,
    )
