"""QBO error bodies, all four shapes (reference §1.6), and what a client should do about them.

- ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}, "time"}`` (service)
- ``{"fault": {"error": [{"message", "detail", "code"}], "type"}}`` (gateway 401/403)
- ``<Fault type="SERVICE"><Error code="3001"><Message>…`` (throttling, even to JSON clients)
- any of them inside HTTP 200 (a ``Fault`` body is a failure whatever the status)

``parse_body`` returns the JSON payload (when there is one) and the fault (when there is one);
``classify`` turns status + fault into a ``Category``; ``QboApiError`` carries everything a
person needs to ask Intuit about it: status, code, texts, ``intuit_tid`` and what was asked.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Any

from ledgerlink.errors import LedgerlinkError

CDC_TOO_OLD_TEXT = "older than fixed days"


@dataclass(frozen=True)
class FaultError:
    code: str
    message: str
    detail: str
    element: str = ""


@dataclass(frozen=True)
class Fault:
    type: str
    errors: tuple[FaultError, ...]
    time: str | None = None

    @property
    def code(self) -> str:
        return self.errors[0].code if self.errors else ""

    def text(self) -> str:
        parts = []
        for error in self.errors:
            text = f"{error.code} {error.message}".strip()
            if error.detail:
                text += f": {error.detail}"
            if error.element:
                text += f" (element {error.element})"
            parts.append(text)
        return "; ".join(parts) or self.type


def _fault_from_json(payload: Any) -> Fault | None:
    if not isinstance(payload, dict):
        return None
    raw = payload.get("Fault", payload.get("fault"))
    if not isinstance(raw, dict):
        return None
    items = raw.get("Error", raw.get("error")) or []
    errors = tuple(
        FaultError(
            code=str(item.get("code", "")),
            message=str(item.get("Message", item.get("message", ""))),
            detail=str(item.get("Detail", item.get("detail", "")) or ""),
            element=str(item.get("element", "") or ""),
        )
        for item in items
        if isinstance(item, dict)
    )
    time = payload.get("time")
    return Fault(str(raw.get("type", "")), errors, time if isinstance(time, str) else None)


_XML_FAULT = re.compile(r"<(?:\w+:)?Fault\b([^>]*)>(.*?)</(?:\w+:)?Fault>", re.DOTALL)
_XML_ERROR = re.compile(r"<(?:\w+:)?Error\b([^>]*)>(.*?)</(?:\w+:)?Error>", re.DOTALL)
_XML_ATTR = re.compile(r'(\w+)="([^"]*)"')
_XML_TIME = re.compile(r'<(?:\w+:)?IntuitResponse\b[^>]*\btime="([^"]+)"')


def _xml_child(body: str, name: str) -> str:
    found = re.search(rf"<(?:\w+:)?{name}>(.*?)</(?:\w+:)?{name}>", body, re.DOTALL)
    return found.group(1).strip() if found else ""


def _fault_from_xml(text: str) -> Fault | None:
    """A regex read of the few fields we need: no XML parser sees untrusted input."""
    found = _XML_FAULT.search(text)
    if found is None:
        return None
    attrs = dict(_XML_ATTR.findall(found.group(1)))
    errors = []
    for error in _XML_ERROR.finditer(found.group(2)):
        error_attrs = dict(_XML_ATTR.findall(error.group(1)))
        errors.append(
            FaultError(
                code=error_attrs.get("code", ""),
                message=_xml_child(error.group(2), "Message"),
                detail=_xml_child(error.group(2), "Detail"),
                element=error_attrs.get("element", ""),
            )
        )
    time = _XML_TIME.search(text)
    return Fault(attrs.get("type", ""), tuple(errors), time.group(1) if time else None)


def parse_body(content: bytes, content_type: str = "") -> tuple[Any, Fault | None]:
    """``(json payload or None, fault or None)`` of a response body."""
    stripped = content.lstrip()
    if stripped.startswith(b"<") or "xml" in content_type.lower():
        return None, _fault_from_xml(content.decode("utf-8", errors="replace"))
    if not stripped:
        return None, None
    try:
        payload = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, None
    return payload, _fault_from_json(payload)


class Category(enum.Enum):
    OK = "ok"
    AUTH = "auth"  # the access token was refused: refresh once, retry once
    THROTTLED = "throttled"  # wait (60 s) and retry
    TRANSIENT = "transient"  # 5xx, SystemFault, unreadable 200: back off with jitter and retry
    CDC_TOO_OLD = "cdc_too_old"  # changedSince beyond the look-back: use queries instead
    FATAL = "fatal"  # validation, authorization, anything a retry cannot fix


def classify(status: int, fault: Fault | None, *, readable: bool = True) -> Category:
    code = fault.code if fault else ""
    if status == 401 or code == "3200":
        return Category.AUTH
    if status == 429 or code == "3001":
        return Category.THROTTLED
    if fault is not None and any(CDC_TOO_OLD_TEXT in e.detail for e in fault.errors):
        return Category.CDC_TOO_OLD
    if status >= 500 or code == "10000" or (fault is not None and fault.type == "SystemFault"):
        return Category.TRANSIENT
    if status >= 400 or fault is not None:
        return Category.FATAL
    return Category.OK if readable else Category.TRANSIENT


class QboApiError(LedgerlinkError):
    """A failed QBO call, with what was asked (``context``) and Intuit's transaction id."""

    def __init__(
        self,
        category: Category,
        status: int,
        fault: Fault | None,
        *,
        context: str,
        intuit_tid: str | None,
        token: str | None = None,
    ) -> None:
        self.category = category
        self.status = status
        self.fault = fault
        self.context = context
        self.intuit_tid = intuit_tid
        self.token = token  # the refused access token (AUTH); never part of the message
        what = fault.text() if fault else "no readable error body"
        super().__init__(
            f"QuickBooks {context}: HTTP {status} {category.value}: {what}"
            f" (intuit_tid {intuit_tid or 'none'})"
        )

    @property
    def server_time(self) -> str | None:
        return self.fault.time if self.fault else None
