"""The base stream: v2 list requests through the run's limits, retry policy and budget stop.

Everything Pipedrive-specific that other clients reuse (costs, error parsing, the pacer, the
budget, field resolution, incremental watermarks) lives in ``ledgerlink.pipedrive``; this module
only plugs it into singer-sdk's ``RESTStream``.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

import requests
from singer_sdk import RESTStream, Tap
from singer_sdk.helpers.types import Context
from typing_extensions import override

from ledgerlink.pipedrive.costs import cost_of
from ledgerlink.pipedrive.errors import failure_of
from ledgerlink.pipedrive.limits import BudgetReserveReached
from ledgerlink.singer.auth import TokenStoreAuthenticator
from ledgerlink.singer.http import RequestFunc, retried
from tap_pipedrive import schemas
from tap_pipedrive.pagination import CursorPaginator
from tap_pipedrive.session import TapSession

USER_AGENT = "ledgerlink-tap-pipedrive/0.1"


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
    def authenticator(self) -> TokenStoreAuthenticator:
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

        def run(
            prepared: requests.PreparedRequest, attempt: t.Callable[[], requests.Response]
        ) -> requests.Response:
            method, path = prepared.method or "GET", urlsplit(prepared.url or "").path
            return self.session.retry.run(
                attempt,
                cost=cost_of(method, path),
                operation=f"{method} {path}",
                reauthorize=self.session.reauthorize,
            )

        return retried(func, run)

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
