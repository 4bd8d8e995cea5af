"""The ShipStation and Pipedrive emulators, tenant ``acme`` connected to both, and the rows the
read-back starts from (seeded here: the target that writes them is built elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ledgerlink import db
from ledgerlink.fulfilment.readback import ReadBack, Summary
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.retry import Backoff
from ledgerlink.shipstation import ShipStationV1
from ledgerlink.shipstation.limits import RatePacer
from tests.shipstation.conftest import TENANT, api, connect, order_payload, service, stats
from tests.tap_pipedrive.conftest import PipedriveSandbox, pd, pd_sandbox

__all__ = ["TENANT", "api", "connect", "pd", "pd_sandbox", "service", "stats"]

CUSTOMER = "58"


@pytest.fixture
def tenant(connect: Callable[..., None], pd: PipedriveSandbox) -> str:
    """acme, connected to both emulators on a fresh database."""
    connect()
    return TENANT


def create_order(api: httpx.Client, number: str, quantity: int = 3) -> int:
    """A ShipStation order of ``quantity`` units of one item (through the public API)."""
    body = order_payload(number, key=f"qbo-9341-{number}")
    body["items"] = [
        {"lineItemKey": "1", "sku": "WID", "name": "Widget", "quantity": quantity, "unitPrice": 5},
        {"lineItemKey": "9", "sku": None, "name": "Discount", "quantity": 1, "unitPrice": -2,
         "adjustment": True},
    ]  # fmt: skip
    answer = api.post("/orders/createorder", json=body)
    answer.raise_for_status()
    return int(answer.json()["orderId"])


def map_invoice(
    invoice_id: str,
    number: str,
    order_id: int,
    *,
    ordered: int = 3,
    customer: str | None = CUSTOMER,
) -> None:
    """The row target-shipstation writes once the order exists."""
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO invoice_order_map (tenant, qbo_invoice_id, doc_number, order_key,"
            " order_number, shipstation_order_id, state, items_ordered, qbo_customer_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'created', %s, %s)",
            (TENANT, invoice_id, number.rsplit("-", 1)[-1], f"qbo-9341-{number}", number,
             order_id, ordered, customer),
        )  # fmt: skip


def link_deal(deal_id: int, customer: str = CUSTOMER) -> None:
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO deal_map (tenant, pipedrive_deal_id, qbo_customer_id) VALUES (%s, %s, %s)",
            (TENANT, deal_id, customer),
        )


def mapping(invoice_id: str) -> dict[str, Any]:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT * FROM invoice_order_map WHERE tenant = %s AND qbo_invoice_id = %s",
            (TENANT, invoice_id),
        ).fetchone()
    assert row is not None
    return dict(row)


def query(sql: str, *params: Any) -> list[dict[str, Any]]:
    with db.connection() as conn:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]


def ship(api: httpx.Client, order_id: int, quantity: int, **label: Any) -> dict[str, Any]:
    body = {"shipments": [{"items": [{"sku": "WID", "quantity": quantity}], **label}]}
    answer = api.post(f"/_sandbox/orders/{order_id}/shipments", json=body)
    answer.raise_for_status()
    [made] = answer.json()["shipments"]
    return dict(made)


@pytest.fixture
def read_back(tenant: str) -> Iterator[Callable[[], Summary]]:
    """Runs the read-back in this process with a pacer of its own."""
    clients: list[ShipStationV1] = []

    def run() -> Summary:
        client = ShipStationV1.for_tenant(
            TENANT, pacer=RatePacer(), backoff=Backoff(base=0.01, cap=0.05, max_tries=5)
        )
        clients.append(client)

        def pipedrive() -> PipedriveClient:
            return PipedriveClient.for_tenant(TENANT, backoff=Backoff(base=0.01, cap=0.05))

        return ReadBack(TENANT, client, pipedrive).run()

    yield run
    for client in clients:
        client.close()


def deal_notes(pd: PipedriveSandbox, deal_id: int) -> list[str]:
    return [str(n["content"]) for n in pd.rows("note") if n.get("deal_id") == deal_id]
