"""The ShipStation emulator (through the sandbox tests' own fixtures, so this folder never imports
the emulator's modules) and a tenant connected to it in the TokenStore."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ledgerlink.retry import Backoff
from ledgerlink.shipstation import ShipStationV1
from ledgerlink.shipstation.limits import RatePacer
from ledgerlink.tokens import TokenStore
from tests.sandbox.shipstation.conftest import api, service

__all__ = ["api", "service"]

TENANT = "acme"


def sandbox_url(api: httpx.Client) -> str:
    return str(api.base_url).rstrip("/")


@pytest.fixture
def connect(clean_db: str, api: httpx.Client) -> Callable[..., None]:
    """Saves the tenant's ShipStation connection (the seeded key pair unless told otherwise)."""

    def save(key: str | None = None, secret: str | None = None) -> None:
        pair = api.get("/_sandbox/credentials").json()
        TokenStore().save(
            TENANT,
            "shipstation",
            auth_kind="api_key",
            api_url=sandbox_url(api),
            secrets={
                "api_key": key or pair["apiKey"],
                "api_secret": secret or pair["apiSecret"],
            },
        )

    return save


@pytest.fixture
def client(connect: Callable[..., None]) -> Iterator[ShipStationV1]:
    """A client of the connected tenant with its own pacer and short backoffs."""
    connect()
    with ShipStationV1.for_tenant(
        TENANT, pacer=RatePacer(), backoff=Backoff(base=0.01, cap=0.05, max_tries=5)
    ) as made:
        yield made


def stats(api: httpx.Client) -> dict[str, int]:
    routes: dict[str, int] = api.get("/_sandbox/stats").json()["routes"]
    return routes


def order_payload(number: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "orderNumber": number,
        "orderKey": key or f"key-{number}",
        "orderDate": "2026-03-02",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Grace Pariente"},
        "shipTo": {
            "name": "Grace Pariente",
            "street1": "65 Ocean Dr.",
            "city": "Half Moon Bay",
            "state": "CA",
            "postalCode": "94019",
            "country": "US",
        },
        "items": [
            {"lineItemKey": "1", "sku": "WID", "name": "Widget", "quantity": 3, "unitPrice": 5},
            {"lineItemKey": "2", "sku": "GAD", "name": "Gadget", "quantity": 2, "unitPrice": 9},
        ],
        "amountPaid": 33,
        **extra,
    }
