"""Routes of the Accounting API v3 (``/v3/company/{realm}/...``), wired to the realm stores.

Every handler: gateway (auth, realm, limits) → parse parameters → call the store → envelope.
``minorversion`` is accepted with any value and everything is served as 75 (values < 75 are
ignored since 2025-08-01); ``include`` is a comma list (``invoiceLink``, ``void``,
``allowduplicatedocnum``); ``requestid`` goes to the store's idempotency cache.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ledgerlink_sandbox.quickbooks.envelope import Envelope
from ledgerlink_sandbox.quickbooks.faults import QboFault, request_rejected
from ledgerlink_sandbox.quickbooks.gateway import Gateway
from ledgerlink_sandbox.quickbooks.store_api import RealmStoreLike

log = logging.getLogger(__name__)

# Capitalisation of entity names in bodies; paths use lower case (reference §1.1).
ENTITY_NAMES = {
    name.lower(): name
    for name in (
        "Account",
        "Attachable",
        "Bill",
        "BillPayment",
        "Budget",
        "Class",
        "CompanyCurrency",
        "CompanyInfo",
        "CreditMemo",
        "Customer",
        "CustomerType",
        "Department",
        "Deposit",
        "Employee",
        "Estimate",
        "ExchangeRate",
        "Invoice",
        "Item",
        "JournalCode",
        "JournalEntry",
        "Payment",
        "PaymentMethod",
        "Preferences",
        "Purchase",
        "PurchaseOrder",
        "RefundReceipt",
        "SalesReceipt",
        "TaxAgency",
        "TaxCode",
        "TaxRate",
        "Term",
        "TimeActivity",
        "Transfer",
        "Vendor",
        "VendorCredit",
    )
}


def entity_name(path_name: str) -> str:
    return ENTITY_NAMES.get(path_name.lower(), path_name[:1].upper() + path_name[1:])


def includes(request: Request) -> set[str]:
    raw = ",".join(request.query_params.getlist("include"))
    return {part.strip() for part in raw.split(",") if part.strip()}


def invalid_body(detail: str) -> QboFault:
    return request_rejected("Request has invalid or unsupported property", detail)


class ApiRoutes:
    def __init__(
        self,
        stores: Callable[[], dict[str, RealmStoreLike]],
        gateway: Gateway,
        envelope: Envelope,
        lock: threading.RLock,
    ) -> None:
        self.stores = stores
        self.lock = lock  # the stores are not thread-safe; tests may mutate them between pages
        self.gateway = gateway
        self.envelope = envelope

    def routes(self) -> list[BaseRoute]:
        base = "/v3/company/{realm}"
        return [
            Route(f"{base}/query", self.query, methods=["GET", "POST"]),
            Route(f"{base}/cdc", self.cdc, methods=["GET"]),
            Route(f"{base}/batch", self.batch, methods=["POST"]),
            Route(f"{base}/companyinfo/{{id}}", self.company_info, methods=["GET"]),
            Route(f"{base}/preferences", self.preferences, methods=["GET"]),
            Route(f"{base}/invoice/{{id}}/pdf", self.invoice_pdf, methods=["GET"]),
            Route(f"{base}/{{entity}}/{{id}}", self.read, methods=["GET"]),
            Route(f"{base}/{{entity}}", self.write, methods=["POST"]),
        ]

    async def _run(
        self, request: Request, work: Callable[[RealmStoreLike], Any], *, batch: bool = False
    ) -> Response:
        realm = request.path_params["realm"]
        denied = self.gateway.admit(request, realm, batch=batch)
        if denied is not None:
            return denied
        store = self.stores().get(realm)
        try:
            if store is None:
                # A valid token for this realm but no company behind it: the service's 3100.
                raise QboFault(
                    "3100",
                    "ApplicationAuthorizationFailed",
                    f"Company {realm} not found",
                    status=403,
                    type="AuthorizationFault",
                )
            with self.lock:
                result = work(store)
        except QboFault as fault:
            return self.envelope.fault(request.scope, fault)
        except Exception:
            log.exception("QBO sandbox handler failed")
            return self.envelope.system_fault(request.scope)
        if isinstance(result, Response):
            return result
        return self.envelope.ok(request.scope, result)

    async def query(self, request: Request) -> Response:
        if request.method == "POST":
            text = (await request.body()).decode("utf-8", errors="replace")
        else:
            text = request.query_params.get("query", "")
        inc = includes(request)

        def work(store: RealmStoreLike) -> Any:
            if not text.strip():
                raise QboFault("4000", "Error parsing query", "QueryParserError: empty query")
            return {"QueryResponse": store.query(text, include=inc)}

        return await self._run(request, work)

    async def read(self, request: Request) -> Response:
        name = entity_name(request.path_params["entity"])
        entity_id = request.path_params["id"]
        inc = includes(request)
        return await self._run(request, lambda s: {name: s.read(name, entity_id, include=inc)})

    async def write(self, request: Request) -> Response:
        name = entity_name(request.path_params["entity"])
        raw = await request.body()
        operation = request.query_params.get("operation")
        request_id = request.query_params.get("requestid")
        inc = includes(request)

        def work(store: RealmStoreLike) -> Any:
            body = _json_object(raw)
            # Clients may wrap the entity ({"Invoice": {...}}) or send it bare; QBO takes both.
            if len(body) == 1 and name in body and isinstance(body[name], dict):
                body = body[name]
            result = store.write(
                name, body, operation=operation, include=inc, request_id=request_id
            )
            return {name: result}

        return await self._run(request, work)

    async def cdc(self, request: Request) -> Response:
        entities = [e.strip() for e in request.query_params.get("entities", "").split(",")]
        changed_since = request.query_params.get("changedSince", "")
        inc = frozenset(includes(request))

        def work(store: RealmStoreLike) -> Any:
            if not [e for e in entities if e] or not changed_since:
                raise request_rejected(
                    "Request is missing required parameters",
                    "entities and changedSince are required",
                )
            result = store.cdc([e for e in entities if e], changed_since, include=inc)
            if isinstance(result, dict) and "CDCResponse" in result:
                return result
            return {"CDCResponse": result if isinstance(result, list) else [result]}

        return await self._run(request, work)

    async def batch(self, request: Request) -> Response:
        raw = await request.body()
        request_id = request.query_params.get("requestid")

        def work(store: RealmStoreLike) -> Any:
            items = _json_object(raw).get("BatchItemRequest")
            if not isinstance(items, list):
                raise invalid_body("BatchItemRequest is missing or not a list")
            return {"BatchItemResponse": store.batch(items, request_id=request_id)}

        return await self._run(request, work, batch=True)

    async def company_info(self, request: Request) -> Response:
        return await self._run(request, lambda s: {"CompanyInfo": s.company_info()})

    async def preferences(self, request: Request) -> Response:
        return await self._run(request, lambda s: {"Preferences": s.preferences()})

    async def invoice_pdf(self, request: Request) -> Response:
        entity_id = request.path_params["id"]

        def work(store: RealmStoreLike) -> Any:
            pdf = store.invoice_pdf(entity_id)
            return Response(pdf, media_type="application/pdf")

        return await self._run(request, work)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise invalid_body(f"Request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise invalid_body("Request body must be a JSON object")
    return body
