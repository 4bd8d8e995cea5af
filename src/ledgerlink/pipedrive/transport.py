"""Sending Pipedrive requests: credentials, the company's limits, the retry policy, counting.

``PipedriveHttp`` is the one place a ledgerlink process talks HTTP to Pipedrive (``client``
puts typed operations on top). Every request:

- carries the tenant's credential (a ``HeldCredential``), never in the URL;
- is checked against the company's daily token budget and its reserve, paced by the burst
  window's headers, and retried by the policy of ``limits.PipedriveRetry``;
- is counted per operation (requests and tokens), so a run can say what it spent.

Creates are not idempotent (Pipedrive has no idempotency key, reference §7): a create whose
outcome is unknown (a timeout or a 5xx after the request left) is never retried here; it raises
``WriteOutcomeUnknown`` so the caller looks the record up before trying again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerlink.errors import LedgerlinkError
from ledgerlink.pipedrive.costs import cost_of, operation
from ledgerlink.pipedrive.errors import Category, PipedriveApiError, failure_of
from ledgerlink.pipedrive.limits import Limits, PipedriveRetry, Reserve
from ledgerlink.pipedrive.urls import company_base_url
from ledgerlink.retry import Backoff, Decision, Verdict
from ledgerlink.tokens import HeldCredential

log = logging.getLogger(__name__)
USER_AGENT = "ledgerlink/0.1"
PAGE_SIZE = 500  # a v2 list page costs the same for 1 or 500 rows (reference §3.1)
# `Usage.describe()` as a plugin prints it at the end of a run; the orchestration reads it back.
USAGE_LINE = re.compile(r"\b(\d+) Pipedrive requests, (\d+) tokens\b")


class WriteOutcomeUnknown(LedgerlinkError):
    """A create may or may not have happened: look the record up before sending it again."""


@dataclass(frozen=True)
class Usage:
    """Requests answered and tokens charged in this process, in all and per operation."""

    requests: int
    tokens: int
    by_operation: Mapping[str, tuple[int, int]]  # label -> (requests, tokens)

    def describe(self) -> str:
        parts = ", ".join(f"{k}: {r} ({t} tokens)" for k, (r, t) in self.by_operation.items())
        return f"{self.requests} Pipedrive requests, {self.tokens} tokens" + (
            f" [{parts}]" if parts else ""
        )


class _CreateRetry(PipedriveRetry):
    """Creates wait out rate limits and refresh credentials like any request (refused requests
    change nothing), but a 5xx may come after the record was stored: the outcome is unknown."""

    def _judge(self, error: Exception) -> Verdict:
        verdict = super()._judge(error)
        if verdict.decision is Decision.BACKOFF:
            unknown = WriteOutcomeUnknown(
                f"The outcome of a Pipedrive create is unknown ({error}); the record is looked "
                "up before it is sent again."
            )
            return Verdict(Decision.RAISE, instead=unknown)
        return verdict


def label_of(method: str, path: str) -> str:
    """``GET /api/v2/organizations/{id}``: the operation of a request, for counting."""
    found = operation(method, path)
    return f"{method} {path}" if found is None else f"{method} /api/{found[0]}{found[1]}"


class PipedriveHttp:
    """Requests to one Pipedrive company on behalf of one tenant."""

    def __init__(
        self,
        credential: HeldCredential,
        *,
        base_url: str | None = None,
        reserve: Reserve | None = None,
        limits: Limits | None = None,
        backoff: Backoff | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.credential = credential
        self._base_url = base_url.rstrip("/") if base_url else None
        self.limits = limits or Limits()
        if reserve is not None:
            self.limits.budget.reserve = reserve
        backoff = backoff or Backoff()
        self.retry = PipedriveRetry(
            self.limits, backoff, transient_exceptions=(httpx.TransportError,)
        )
        # A create is retried only when the request surely never left (no connection made).
        self.create_retry = _CreateRetry(
            self.limits, backoff, transient_exceptions=(httpx.ConnectError, httpx.ConnectTimeout)
        )
        self.http = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            # The company's API host (no ``/api/v2``), as the connection stored it.
            creds = self.credential.current
            self._base_url = company_base_url(creds.api_url, creds.account_id)
        return self._base_url

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The decoded JSON answer of ``method path`` (``/api/v2/...`` or ``/api/v1/...``).

        Raises ``PipedriveApiError`` (after the retries), ``BudgetReserveReached`` (a clean
        stop), or for a POST whose outcome is unknown ``WriteOutcomeUnknown``."""
        method = method.upper()
        cost, label = cost_of(method, path), label_of(method, path)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        creating = method == "POST"

        def send() -> dict[str, Any]:
            try:
                response = self.http.request(
                    method,
                    self.base_url + path,
                    params=query,
                    json=body,
                    headers=self.credential.headers(),
                )
            except httpx.TransportError as error:
                self.limits.budget.release(cost)  # no answer: not in flight any more
                unsent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
                if creating and not unsent:  # it may have reached Pipedrive
                    raise WriteOutcomeUnknown(
                        f"{type(error).__name__} during {method} {path}: the outcome is "
                        "unknown; the record is looked up before it is sent again."
                    ) from error
                raise
            self.limits.observe(response.status_code, response.headers, cost, label)
            failure = failure_of(
                response.status_code, response.headers, response.content, f"{method} {path}"
            )
            if failure is not None:
                raise failure
            answer = response.json()
            return answer if isinstance(answer, dict) else {"data": answer}

        retry = self.create_retry if creating else self.retry
        return retry.run(
            send,
            cost=cost,
            operation=f"{method} {path}",
            reauthorize=lambda error: self.credential.reject(),
        )

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = PAGE_SIZE
    ) -> Iterator[list[dict[str, Any]]]:
        """The pages of a v2 list (``additional_data.next_cursor`` until it is null)."""
        cursor: str | None = None
        while True:
            answer = self.request(
                "GET", path, params={**(params or {}), "limit": page_size, "cursor": cursor}
            )
            yield list(answer.get("data") or [])
            cursor = (answer.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return

    def usage(self) -> Usage:
        budget = self.limits.budget
        labels = sorted(set(budget.requests) | set(budget.spent))
        return Usage(
            requests=sum(budget.requests.values()),
            tokens=sum(budget.spent.values()),
            by_operation={k: (budget.requests[k], budget.spent[k]) for k in labels},
        )

    def close(self) -> None:
        self.http.close()


def is_not_found(error: PipedriveApiError) -> bool:
    return error.status in (404, 410) and error.category is Category.FATAL
