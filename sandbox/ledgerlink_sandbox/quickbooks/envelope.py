"""QBO response envelopes: ``time``, content negotiation, Fault bodies, common headers.

- Every API JSON body gets ``"time"``: US-Pacific with milliseconds (``timefmt.envelope_time``).
- JSON unless the ``Accept`` header lacks JSON and there is no ``format=json`` (then XML, as QBO;
  setting ``non_json_accept``).
- Business errors: ``{"Fault": {"Error": [...], "type": ...}, "time": ...}`` with the fault's
  status. Gateway errors (401/403) use the lower-case ``{"fault": {"error": [...]}}`` shape and
  carry no ``time``: they come from Intuit's gateway, not the accounting service.
- Headers: ``intuit_tid`` on every response (added by the framework hook), ``QBO-Version`` and
  ``Content-Type: application/json;charset=UTF-8`` on API responses.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.quickbooks.faults import QboFault
from ledgerlink_sandbox.quickbooks.service_settings import QboServiceSettings
from ledgerlink_sandbox.quickbooks.timefmt import envelope_time
from ledgerlink_sandbox.quickbooks.xmlbody import throttle_xml, to_xml

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "application/xml;charset=UTF-8"
THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached.  Try again later"


def new_tid(clock: Clock) -> str:
    """``1-<8 hex>-<24 hex>``, like ``1-6aa36f3e-7c887528297dc3cd2d23dbe2`` (epoch-prefixed)."""
    return f"1-{int(clock.timestamp()) & 0xFFFFFFFF:08x}-{secrets.token_hex(12)}"


def _dumps(payload: Any) -> bytes:
    # Compact UTF-8 like QBO. orjson because a 1000-invoice page is ~1 MB of JSON, and the
    # stdlib encoder alone would take most of the 50 ms we allow a page.
    return orjson.dumps(payload)


class Envelope:
    """Builds API responses for one service (needs the clock and the live settings)."""

    def __init__(self, clock: Clock, settings: QboServiceSettings) -> None:
        self.clock = clock
        self.settings = settings

    def wants_xml(self, scope: Scope) -> bool:
        request = Request(scope)
        if self.settings.non_json_accept == "json":
            return False
        if request.query_params.get("format", "").lower() == "json":
            return False
        return "json" not in request.headers.get("accept", "").lower()

    def _headers(self) -> dict[str, str]:
        return {"QBO-Version": self.settings.qbo_version}

    def ok(self, scope: Scope, payload: dict[str, Any], status: int = 200) -> Response:
        body = {**payload, "time": envelope_time(self.clock.now())}
        if self.wants_xml(scope):
            return Response(to_xml(body), status, self._headers(), media_type=XML_TYPE)
        return Response(_dumps(body), status, self._headers(), media_type=JSON_TYPE)

    def fault(self, scope: Scope, fault: QboFault, status: int | None = None) -> Response:
        code = fault.status if status is None else status
        return self.ok(scope, {"Fault": fault.to_fault()}, code)

    def system_fault(self, scope: Scope, status: int = 500) -> Response:
        fault = QboFault(
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving your "
            "data. Please wait a few minutes and try again. If the problem persists, contact "
            "customer support.",
            status=status,
            type="SystemFault",
        )
        return self.fault(scope, fault)

    def throttled(self, scope: Scope) -> Response:
        """A throttled request as configured: JSON 429, historical XML 429, or Fault in HTTP 200."""
        mode = self.settings.throttle_response
        if mode == "xml":
            return Response(throttle_xml(), 429, self._headers(), media_type=XML_TYPE)
        fault = {
            "Error": [{"Message": THROTTLE_MESSAGE, "Detail": THROTTLE_DETAIL, "code": "3001"}],
            "type": "SERVICE",
        }
        body = {"Fault": fault, "time": envelope_time(self.clock.now())}
        status = 200 if mode == "fault_in_200" else 429
        return Response(_dumps(body), status, self._headers(), media_type=JSON_TYPE)

    def gateway_fault(
        self, status: int, code: str, message: str, detail: str | None, fault_type: str | None
    ) -> Response:
        error: dict[str, str] = {"message": message}
        if detail is not None:
            error["detail"] = detail
        error["code"] = code
        fault: dict[str, Any] = {"error": [error]}
        if fault_type is not None:
            fault["type"] = fault_type
        return Response(_dumps({"fault": fault}), status, self._headers(), media_type=JSON_TYPE)
