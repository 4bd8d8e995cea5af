"""The main job's closing figures: mapping tables from the store, API calls and Pipedrive tokens
from the sandbox's own counters (`GET /_sandbox/stats`, `GET /_sandbox/tokens`)."""

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from ledgerlink import db

SERVICES = ("quickbooks", "pipedrive", "shipstation")

# Each figure: its label, and the query counting it for one tenant.
_STORE_FIGURES: dict[str, tuple[str, str]] = {
    "organizations_created": (
        "organizations created",
        "SELECT count(*) AS n FROM customer_org_map"
        " WHERE tenant = %s AND state = 'linked' AND match_method = 'created'",
    ),
    "organizations_linked": (
        "organizations linked (already in Pipedrive)",
        "SELECT count(*) AS n FROM customer_org_map"
        " WHERE tenant = %s AND state = 'linked' AND match_method <> 'created'",
    ),
    "organizations_updated": (
        "organizations updated",
        "SELECT count(DISTINCT target_key) AS n FROM sync_audit WHERE tenant = %s"
        " AND stream = 'customers' AND action = 'update' AND NOT dry_run",
    ),
    "ambiguous_names": (
        "ambiguous names (left for a person)",
        "SELECT count(*) AS n FROM customer_org_map WHERE tenant = %s AND state = 'ambiguous'",
    ),
    "deal_links": (
        "deals linked to their customer's organization",
        "SELECT count(*) AS n FROM deal_map"
        " WHERE tenant = %s AND unlinked_at IS NULL AND qbo_customer_id IS NOT NULL",
    ),
    "orders_created": (
        "ShipStation orders created",
        "SELECT count(*) AS n FROM invoice_order_map"
        " WHERE tenant = %s AND state IN ('created', 'updated')",
    ),
    "pending_invoices": (
        "invoices pending (waiting for payment)",
        "SELECT count(*) AS n FROM pending_invoices WHERE tenant = %s AND resolved_at IS NULL",
    ),
    "shipments_read_back": (
        "shipments read back",
        "SELECT coalesce(sum(jsonb_array_length(shipments)), 0) AS n FROM invoice_order_map"
        " WHERE tenant = %s",
    ),
}


def store_figures(tenant: str) -> dict[str, int]:
    figures = {}
    with db.connection() as conn:
        for name, (_label, query) in _STORE_FIGURES.items():
            row = conn.execute(query, (tenant,)).fetchone()
            figures[name] = int(row["n"]) if row else 0
    return figures


class SandboxCounters:
    """API calls per service as the sandbox counted them, and the share the business made
    itself (counted around each of its actions; the rest is the product's)."""

    def __init__(self, urls: Mapping[str, str]) -> None:
        self.urls = dict(urls)
        self.business: Counter[str] = Counter()

    def served(self) -> dict[str, int]:
        with httpx.Client(timeout=10) as http:
            return {
                name: int(http.get(f"{url}/_sandbox/stats").json()["total"])
                for name, url in self.urls.items()
            }

    @contextmanager
    def by_business(self) -> Iterator[None]:
        before = self.served()
        try:
            yield
        finally:
            self.business.update(Counter(self.served()) - Counter(before))

    def pipedrive_tokens(self) -> int:
        with httpx.Client(timeout=10) as http:
            answer = http.get(f"{self.urls['pipedrive']}/_sandbox/tokens").json()
        return int(answer["spent_total"])


@dataclass(frozen=True)
class Summary:
    store: dict[str, int]
    api_calls: dict[str, int]  # everything the sandbox served
    business_calls: dict[str, int]  # of which the business's own actions
    pipedrive_tokens: int

    @classmethod
    def read(cls, tenant: str, counters: SandboxCounters) -> "Summary":
        return cls(
            store_figures(tenant),
            counters.served(),
            {name: counters.business[name] for name in SERVICES},
            counters.pipedrive_tokens(),
        )

    def lines(self) -> list[str]:
        width = max(len(label) for label, _ in _STORE_FIGURES.values())
        out = [
            f"{label:<{width}}  {self.store[name]}" for name, (label, _) in _STORE_FIGURES.items()
        ]
        for name in SERVICES:
            label = f"API calls to {name}"
            out.append(
                f"{label:<{width}}  {self.api_calls[name]}"
                f" ({self.business_calls[name]} of them the business's own)"
            )
        out.append(f"{'Pipedrive tokens spent':<{width}}  {self.pipedrive_tokens}")
        return out
