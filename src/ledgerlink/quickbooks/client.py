"""A small QuickBooks Online client for ledgerlink's own code (not the tap): CDC and queries.

Requests go through the realm's pacer and the core retry policy (``pacing.QboRetry``); the
credential comes from the TokenStore and is refreshed once when QuickBooks refuses it. Money
stays exact (``Decimal``).

    client = QboClient.for_tenant("acme")
    changes = client.cdc(["Invoice", "Payment"], since)     # one request
    invoices = client.query(query.ids_query("Invoice", ids))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.errors import LedgerlinkError
from ledgerlink.quickbooks import query as q
from ledgerlink.quickbooks.faults import Category, QboApiError, classify, parse_body
from ledgerlink.quickbooks.pacing import QboRetry, pacer_for
from ledgerlink.tokens import HeldCredential, TokenStore

MINOR_VERSION = "75"  # every request; values below 75 are ignored since 2025-08-01 (§6.1)


@dataclass
class Changes:
    """A CDC answer: the changed objects per entity (tombstones say ``status: "Deleted"``) and
    the server's time of the answer, the natural next ``changedSince``."""

    time: datetime | None
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, entity: str) -> list[dict[str, Any]]:
        return self.objects.get(entity, [])


class QboClient:
    def __init__(
        self,
        credential: HeldCredential,
        *,
        retry: QboRetry | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.credential = credential
        self._retry = retry
        self._http = httpx.Client(transport=transport, timeout=timeout)

    @classmethod
    def for_tenant(
        cls,
        tenant: str,
        *,
        store: TokenStore | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> QboClient:
        return cls(HeldCredential(store or TokenStore(), tenant, "quickbooks"), transport=transport)

    def close(self) -> None:
        self._http.close()

    @property
    def realm_id(self) -> str:
        realm = self.credential.current.account_id
        if not realm:
            tenant = self.credential.tenant
            raise LedgerlinkError(
                f"The QuickBooks connection of tenant '{tenant}' has no company id: reconnect "
                f"with `ledgerlink connect quickbooks --tenant {tenant}`"
            )
        return realm

    @property
    def retry(self) -> QboRetry:
        if self._retry is None:
            self._retry = QboRetry(
                pacer_for(self.realm_id), transient_exceptions=(httpx.TransportError,)
            )
        return self._retry

    def get(self, path: str, params: dict[str, str], describe: str) -> dict[str, Any]:
        """One GET under /v3/company/<realm>; the parsed body, or ``QboApiError``."""
        realm = self.realm_id

        def call() -> dict[str, Any]:
            creds = self.credential.current
            response = self._http.get(
                f"{creds.api_url.rstrip('/')}/v3/company/{realm}{path}",
                params={"minorversion": MINOR_VERSION, **params},
                headers={**creds.headers(), "Accept": "application/json"},
            )
            payload, fault = parse_body(
                response.content, response.headers.get("content-type", ""), parse_float=Decimal
            )
            category = classify(response.status_code, fault, readable=isinstance(payload, dict))
            if category is not Category.OK:
                raise QboApiError(
                    category,
                    response.status_code,
                    fault,
                    context=f"{describe} (realm {realm})",
                    intuit_tid=response.headers.get("intuit_tid"),
                    token=creds.access_token,
                )
            assert isinstance(payload, dict)  # readable=False above made anything else an error
            return payload

        return self.retry.run(call, reauthorize=lambda error: self._reauthorize(error))

    def _reauthorize(self, error: QboApiError) -> None:
        if not self.credential.reject(error.token):
            raise error

    def cdc(self, entities: Sequence[str], since: datetime) -> Changes:
        """Every object of ``entities`` changed since ``since`` (at most 30 days back)."""
        params = {"entities": ",".join(entities), "changedSince": q.format_time(since)}
        payload = self.get(
            "/cdc", params, f"CDC of {', '.join(entities)} since {params['changedSince']}"
        )
        stamp = payload.get("time")
        changes = Changes(q.parse_time(stamp) if isinstance(stamp, str) else None)
        for block in payload.get("CDCResponse") or []:
            for group in block.get("QueryResponse") or []:
                for name, value in group.items():
                    if isinstance(value, list):
                        wanted = next((e for e in entities if e.lower() == name.lower()), name)
                        changes.objects.setdefault(wanted, []).extend(value)
        return changes

    def query(self, statement: str, entity: str) -> list[dict[str, Any]]:
        """The rows of one query page (``statement`` from ``query.select`` and friends)."""
        payload = self.get("/query", {"query": statement}, f"query of {entity}")
        rows = (payload.get("QueryResponse") or {}).get(entity) or []
        return [row for row in rows if isinstance(row, dict)]
