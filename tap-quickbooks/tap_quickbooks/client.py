"""The base stream: TokenStore auth, QBO requests, fault handling, pacing and retries.

Every request of the tap goes through ``QuickBooksStream.call`` or the SDK's pagination loop,
and both go through ``request_decorator``: the per-realm pacer, then the core retry policy
(``ledgerlink.quickbooks.pacing.QboRetry``). ``validate_response`` reads the body once (money as
Decimal), turns any fault (JSON, gateway, XML, Fault-in-200) into a ``QboApiError`` naming the
entity, the query window and the realm, and keeps the parsed payload for ``parse_response``.
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

import requests
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIAuthenticatorBase
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from ledgerlink.config import AppCredentials
from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.faults import Category, QboApiError, classify, parse_body
from ledgerlink.quickbooks.pacing import QboRetry
from ledgerlink.tokens import Credentials, TokenStore

if TYPE_CHECKING:
    from tap_quickbooks.sync import Sweep, WindowPaginator
    from tap_quickbooks.tap import TapQuickBooks

MINOR_VERSION = "75"  # every request; values below 75 are ignored since 2025-08-01 (§6.1)
PAYLOAD = "_ledgerlink_payload"  # attribute holding the parsed body on a validated response
RequestFunc = t.Callable[[requests.PreparedRequest, Any], requests.Response]


class TokenStoreAuthenticator(APIAuthenticatorBase):
    """Bearer header from the ledgerlink TokenStore; one instance per tap run.

    The store refreshes ahead of expiry under a PostgreSQL lock and persists rotated refresh
    tokens, so nothing here ever sees a refresh token or writes configuration. ``reject`` is the
    401 path: the store refreshes unless another process already replaced the refused token.
    """

    def __init__(self, *, tenant: str, app: AppCredentials | None, store: TokenStore) -> None:
        super().__init__()
        self.tenant = tenant
        self.app = app
        self.store = store
        self._credentials: Credentials | None = None

    @property
    def credentials(self) -> Credentials:
        creds = self._credentials
        expires = creds.access_expires_at if creds else None
        if creds is None or (expires is not None and expires - self.store.margin <= _now(expires)):
            creds = self._credentials = self.store.credentials(
                self.tenant, "quickbooks", app=self.app
            )
        return creds

    def reject(self, token: str | None) -> None:
        self._credentials = self.store.credentials(
            self.tenant, "quickbooks", rejected=token, app=self.app
        )

    @override
    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.credentials.headers())
        return request


def _now(like: datetime) -> datetime:
    return datetime.now(like.tzinfo)


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

    @property
    def qbo_tap(self) -> TapQuickBooks:
        return t.cast("TapQuickBooks", self._tap)

    @property
    @override
    def url_base(self) -> str:
        return f"{self.qbo_tap.api_url}/v3/company/{self.qbo_tap.realm_id}"

    @property
    @override
    def http_headers(self) -> dict[str, str]:
        return {**self.http_headers_base, "User-Agent": self.user_agent}

    @property
    @override
    def authenticator(self) -> TokenStoreAuthenticator:
        return self.qbo_tap.authenticator

    @property
    @override
    def timeout(self) -> int:
        return int(self.config.get("request_timeout_seconds", 130))

    # -- requests ------------------------------------------------------------------------------

    def base_params(self) -> dict[str, str]:
        params = {"minorversion": MINOR_VERSION}
        if self.includes:
            params["include"] = ",".join(self.includes)
        return params

    @override
    def get_new_paginator(self) -> WindowPaginator:
        from tap_quickbooks.sync import WindowPaginator

        assert self._sweep is not None, "a sweep is set before requesting records"
        planner = self.qbo_tap.planner
        return WindowPaginator(self._sweep, lambda: planner.hi)

    @override
    def get_http_request(self, *, page: PageContext[Any]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        sweep = self._sweep
        assert sweep is not None
        statement = sweep.statement(page.next_page_token, self.qbo_tap.planner.hi)
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

    @cached_property
    def retry(self) -> QboRetry:
        return self.qbo_tap.retry_policy

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Pacing and the core retry policy instead of the SDK's generic backoff."""

        def reauthorize(error: QboApiError) -> None:
            self.authenticator.reject(error.token)

        def wrapped(prepared: requests.PreparedRequest, context: Any) -> requests.Response:
            return self.retry.run(lambda: func(prepared, context), reauthorize=reauthorize)

        return wrapped

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
            context=f"{self._describe or self.entity} (realm {self.qbo_tap.realm_id})",
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
        self.qbo_tap.planner.observe_time(payload.get("time"))
        rows = (payload.get("QueryResponse") or {}).get(self.entity) or []
        yield from sweep.take_page(rows, self.qbo_tap.planner.hi)


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
