"""Transient network failures and the request wrapper every stream uses.

Each API judges its own errors (``ledgerlink.quickbooks.pacing.QboRetry``,
``ledgerlink.pipedrive.limits.PipedriveRetry``, both built on ``ledgerlink.retry.RetryLoop``);
what counts as a network failure worth a retry is the same for all of them: the exceptions
``requests`` raises for timeouts, resets and broken bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

RequestFunc = Callable[[requests.PreparedRequest, Any], requests.Response]
Attempt = Callable[[], requests.Response]


def retried(
    func: RequestFunc, run: Callable[[requests.PreparedRequest, Attempt], requests.Response]
) -> RequestFunc:
    """``func`` with every call run by ``run(prepared, attempt)`` (a retry policy), in place of
    the SDK's generic backoff."""

    def request(prepared: requests.PreparedRequest, context: Any) -> requests.Response:
        return run(prepared, lambda: func(prepared, context))

    return request
