"""The base stream: QBO requests, fault handling, pacing and retries.

Credentials come from the foundation's ``TokenStoreAuthenticator`` (``ledgerlink.singer``), held
by the run's ``QboSession`` with everything else the streams share. Every request of the tap
goes through ``QuickBooksStream.call`` or the SDK's pagination loop, and both go through
``request_decorator``: the per-realm pacer, then the core retry policy
(``ledgerlink.quickbooks.pacing.QboRetry``). ``validate_response`` reads the body once (money as
Decimal), turns any fault (JSON, gateway, XML, Fault-in-200) into a ``QboApiError`` naming the
entity, the query window and the realm, and keeps the parsed payload for ``parse_response``.
"""

from __future__ import annotations

import typing as t
from decimal import Decimal
from typing import Any

import requests
from singer_sdk import RESTStream, Tap
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.faults import Category, QboApiError, classify, parse_body
from ledgerlink.singer.auth import TokenStoreAuthenticator
from ledgerlink.singer.http import RequestFunc, retried
from tap_quickbooks.pagination import Sweep, WindowPaginator
from tap_quickbooks.session import QboSession

MINOR_VERSION = "75"  # every request; values below 75 are ignored since 2025-08-01 (§6.1)
PAYLOAD = "_ledgerlink_payload"  # attribute holding the parsed body on a validated response


class QuickBooksStream(RESTStream[Any]):
    """One QBO entity. Subclasses set ``name``, ``entity``, ``schema``."""

    entity: t.ClassVar[str]
    primary_keys: t.ClassVar[tuple[str, ...]] = ("Id",)
    replication_key = "updated_at"
    path = "/query"
    # QBO answers XML unless asked for JSON (§1.1).
    http_headers_base: t.ClassVar[dict[str, str]] = {"Accept": "application/json"}
    includes: t.ClassVar[tuple[str, ...]] = ()

    _sweep: Sweep | None = None
    _describe: str = ""

    def __init__(self, tap: Tap, *, session: QboSession) -> None:
        self.session = session
        super().__init__(tap)

    @property
    @override
    def url_base(self) -> str:
        return f"{self.session.api_url}/v3/company/{self.session.realm_id}"

    @property
    @override
    def http_headers(self) -> dict[str, str]:
        return {**self.http_headers_base, "User-Agent": self.user_agent}

    @property
    @override
    def authenticator(self) -> TokenStoreAuthenticator:
        return self.session.authenticator

    @property
    @override
    def timeout(self) -> int:
        return self.session.settings.timeout

    # -- requests ------------------------------------------------------------------------------

    def base_params(self) -> dict[str, str]:
        params = {"minorversion": MINOR_VERSION}
        if self.includes:
            params["include"] = ",".join(self.includes)
        return params

    @override
    def get_new_paginator(self) -> WindowPaginator:
        assert self._sweep is not None, "a sweep is set before requesting records"
        planner = self.session.planner
        return WindowPaginator(self._sweep, lambda: planner.hi)

    @override
    def get_http_request(self, *, page: PageContext[Any]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        sweep = self._sweep
        assert sweep is not None
        statement = sweep.statement(page.next_page_token, self.session.planner.hi)
        self._describe = f"{self.entity} {sweep.describe(page.next_page_token)}"
        request.params = {"query": statement, **self.base_params()}
        return request

    def call(self, path: str, params: dict[str, str], describe: str) -> Any:
        """One GET outside the pagination loop (CDC, Id checks), with the same safeguards."""
        self._describe = describe
        prepared = self.build_prepared_request(
            method="GET",
            url=self.url_base + path,
            params={**self.base_params(), **params},
            headers=self.http_headers,
        )
        response = self.request_decorator(self._request)(prepared, None)
        return getattr(response, PAYLOAD)

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Pacing and the core retry policy instead of the SDK's generic backoff."""

        def reauthorize(error: QboApiError) -> None:
            self.authenticator.reject(error.token)

        retry = self.session.retry
        return retried(func, lambda _prepared, call: retry.run(call, reauthorize=reauthorize))

    @override
    def validate_response(self, response: requests.Response) -> None:
        payload, fault = parse_body(
            response.content, response.headers.get("Content-Type", ""), parse_float=Decimal
        )
        category = classify(response.status_code, fault, readable=payload is not None)
        if category is Category.OK:
            setattr(response, PAYLOAD, payload)
            return
        token = None
        if category is Category.AUTH and response.request is not None:
            header = str(response.request.headers.get("Authorization", ""))
            token = header.partition(" ")[2] or None
        raise QboApiError(
            category,
            response.status_code,
            fault,
            context=f"{self._describe or self.entity} (realm {self.session.realm_id})",
            intuit_tid=response.headers.get("intuit_tid"),
            token=token,
        )

    @override
    def response_error_message(self, response: requests.Response) -> str:
        # Never the body or URL: they may hold customer data (and the SDK would log them).
        return f"{response.status_code} for {self._describe or self.entity}"

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, Any]]:
        payload = getattr(response, PAYLOAD)
        sweep = self._sweep
        assert sweep is not None
        self.session.planner.observe_time(payload.get("time"))
        rows = (payload.get("QueryResponse") or {}).get(self.entity) or []
        yield from sweep.take_page(rows, self.session.planner.hi)


def record_of(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    """The emitted form: the row plus ``updated_at`` and ``_sdc_deleted_at``."""
    stamp = (row.get("MetaData") or {}).get("LastUpdatedTime")
    updated = q.utc_iso(q.parse_time(stamp)) if stamp else None
    deleted = None
    if row.get("status") == "Deleted":
        deleted = updated
    elif entity in q.TRANSACTIONS and _voided(row):
        deleted = updated  # a void keeps the row but cancels the transaction (§6.3)
    return {**row, "updated_at": updated, "_sdc_deleted_at": deleted}


def _voided(row: dict[str, Any]) -> bool:
    note = row.get("PrivateNote")
    return isinstance(note, str) and note.startswith("Voided") and not row.get("TotalAmt")
