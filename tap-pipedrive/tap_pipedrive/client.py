"""The base stream: TokenStore auth, the v2 cursor paginator, limits and the budget stop.

Everything Pipedrive-specific that other clients reuse (costs, error parsing, the pacer, the
budget, field resolution, incremental watermarks) lives in ``ledgerlink.pipedrive``; this module
only plugs it into singer-sdk's ``RESTStream``.
"""

from __future__ import annotations

import logging
import typing as t
from datetime import UTC, datetime, timedelta
from functools import cached_property
from urllib.parse import urlsplit

import requests
from singer_sdk import RESTStream
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from ledgerlink.pipedrive.costs import cost_of
from ledgerlink.pipedrive.errors import PipedriveApiError, failure_of
from ledgerlink.pipedrive.fields import FieldCatalog
from ledgerlink.pipedrive.limits import BudgetReserveReached, Limits, PipedriveRetry, Reserve
from ledgerlink.pipedrive.urls import company_base_url
from ledgerlink.tokens import Credentials, TokenStore
from tap_pipedrive import schemas

if t.TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_pipedrive.streams import FieldsStream

    RequestFunc = t.Callable[[requests.PreparedRequest, Context | None], requests.Response]

log = logging.getLogger(__name__)
USER_AGENT = "ledgerlink-tap-pipedrive/0.1"
_REFRESH_MARGIN = timedelta(minutes=5)


class TokenStoreAuth(requests.auth.AuthBase):
    """Sets the tenant's credential headers (``x-api-token`` or ``Bearer``) on every request.

    Never a query parameter: URLs end up in logs and metrics, headers do not."""

    def __init__(self, tenant: str, store: TokenStore | None = None) -> None:
        self.tenant = tenant
        self.store = store or TokenStore()
        self._credentials: Credentials | None = None

    def credentials(self) -> Credentials:
        creds = self._credentials
        expires = creds.access_expires_at if creds else None
        if creds is None or (
            creds.auth_kind == "oauth"
            and (expires is None or expires - _REFRESH_MARGIN <= datetime.now(UTC))
        ):
            creds = self._credentials = self.store.credentials(self.tenant, "pipedrive")
        return creds

    def reauthorize(self, error: PipedriveApiError) -> bool:
        """After a 401: one forced OAuth refresh (unless another process already replaced the
        token). An API token cannot be refreshed, so the 401 stands."""
        creds = self.credentials()
        if creds.auth_kind != "oauth":
            return False
        self._credentials = self.store.credentials(
            self.tenant, "pipedrive", rejected=creds.access_token
        )
        return True

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.credentials().headers())
        return request


class TapSession:
    """What all streams of one tap run share: auth, the company's limits, field definitions,
    and whether the run stopped at the budget reserve."""

    def __init__(self, config: t.Mapping[str, t.Any]) -> None:
        self.auth = TokenStoreAuth(config["tenant"])
        self.limits = Limits()
        self.limits.budget.reserve = Reserve.parse(config.get("budget_reserve"))
        self.retry = PipedriveRetry(
            self.limits,
            transient_exceptions=(
                ConnectionResetError,
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ),
        )
        self.api_url: str | None = config.get("api_url")
        self.page_size = int(config.get("page_size") or 500)
        if not 1 <= self.page_size <= 500:  # also in the config schema; discovery only warns
            raise ValueError(f"page_size must be between 1 and 500, not {self.page_size}")
        self.field_streams: dict[str, FieldsStream] = {}
        self._definitions: dict[str, list[dict[str, t.Any]]] = {}
        self.stopped: BudgetReserveReached | None = None

    @cached_property
    def base_url(self) -> str:
        """The company's API base: the ``api_url`` setting, else the connection's (OAuth: the
        token answer's ``api_domain``; API token: ``https://<company_domain>.pipedrive.com``)."""
        if self.api_url:
            return self.api_url.rstrip("/") + "/api/v2"
        creds = self.auth.credentials()
        return company_base_url(creds.api_url, creds.account_id) + "/api/v2"

    def definitions(self, entity: str) -> list[dict[str, t.Any]]:
        """The entity's field definitions, fetched once per run by its fields stream."""
        if entity not in self._definitions:
            stream = self.field_streams[entity]
            self._definitions[entity] = list(stream.request_records(None))
        return self._definitions[entity]

    def catalog(self, entity: str, reserved: t.Iterable[str]) -> FieldCatalog:
        return FieldCatalog(self.definitions(entity), reserved)

    def stop(self, reason: BudgetReserveReached, stream: str) -> None:
        if self.stopped is None:
            self.stopped = reason
            log.warning("Stream '%s': %s", stream, reason)


class CursorPaginator(BaseAPIPaginator[str | None]):
    """v2 lists: ``additional_data.next_cursor`` until it is null (reference §1.3)."""

    def __init__(self) -> None:
        super().__init__(None)

    @override
    def get_next(self, response: requests.Response) -> str | None:
        additional = response.json().get("additional_data") or {}
        cursor = additional.get("next_cursor")
        return str(cursor) if cursor else None


class PipedriveStream(RESTStream[str | None]):
    """A v2 list endpoint, read in ``page_size`` pages (500: the cost is per page, not per row)."""

    records_jsonpath = "$.data[*]"

    def __init__(
        self, tap: Tap, *, session: TapSession, schema: dict[str, t.Any] | None = None
    ) -> None:
        self.session = session
        super().__init__(tap, schema=schema or schemas.load(self.name))

    @property
    @override
    def url_base(self) -> str:
        return self.session.base_url

    @property
    @override
    def authenticator(self) -> TokenStoreAuth:
        return self.session.auth

    @property
    @override
    def http_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "User-Agent": USER_AGENT}

    @override
    def get_new_paginator(self) -> CursorPaginator:
        return CursorPaginator()

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: str | None
    ) -> dict[str, t.Any]:
        return {"limit": self.session.page_size, "cursor": next_page_token}

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Budget check, burst pacing and the retry policy of ``ledgerlink.pipedrive.limits``
        around every attempt (instead of the SDK's generic backoff)."""

        def request(
            prepared: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            method, path = prepared.method or "GET", urlsplit(prepared.url or "").path
            return self.session.retry.run(
                lambda: func(prepared, context),
                cost=cost_of(method, path),
                operation=f"{method} {path}",
                reauthorize=self.session.auth.reauthorize,
            )

        return request

    @override
    def validate_response(self, response: requests.Response) -> None:
        request = response.request
        method, path = request.method or "GET", urlsplit(request.url or "").path
        self.session.limits.observe(
            response.status_code, response.headers, cost_of(method, path), self.name
        )
        error = failure_of(
            response.status_code, response.headers, response.content, f"{method} {path}"
        )
        if error is not None:
            raise error

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """Records until the budget reserve is reached; then a clean end (resumable state)."""
        if self.session.stopped is not None:
            self.logger.warning(
                "Skipping stream '%s': the run stopped at the budget reserve", self.name
            )
            return
        try:
            yield from self.read(context)
        except BudgetReserveReached as reason:
            self.session.stop(reason, self.name)

    def read(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """The stream's records; streams that need more than the pages override this."""
        return super().get_records(context)

    @override
    def log_sync_costs(self) -> None:
        budget = self.session.limits.budget
        if budget.requests.get(self.name):
            count = budget.requests[self.name]
            self.logger.info(
                "Pipedrive tokens spent by stream '%s': %d in %d request%s",
                self.name,
                budget.spent.get(self.name, 0),
                count,
                "" if count == 1 else "s",
            )
        streams = list(self._tap.streams.values())
        if streams and streams[-1] is self:  # the SDK logs costs stream by stream, this is the end
            self.logger.info("Pipedrive tokens spent this run: %s", budget.summary())
            if self.session.stopped is not None:
                self.logger.warning(
                    "Run ended early at the token budget reserve; state is resumable. %s",
                    self.session.stopped,
                )
