"""Settings of the ShipStation V1 emulator, served by ``GET|PATCH /_sandbox/settings``.

Defaults are the best-known real behaviour (``/work/shared/reference/shipstation.md``); every
behaviour the reference marks UNVERIFIED is a setting so a test can check that the product
survives each plausible variant. Message settings are ``str.format`` templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Credentials of the seeded account (fake, sandbox only). Also served by GET /_sandbox/credentials.
DEFAULT_API_KEY = "5b1e0c9f3a7d4e2b8c6f1a0d9e8b7c6a"
DEFAULT_API_SECRET = "e4d3c2b1a0f98e7d6c5b4a3928171605"  # noqa: S105 - fake sandbox credential

AddressVerified = Literal[
    "Address not yet validated",
    "Address validated successfully",
    "Address validation warning",
    "Address validation failed",
]


@dataclass
class ShipStationSettings:
    # --- Rate limit (reference §3): fixed window per API key, starting at the first request ---
    rate_limit_per_window: int = 40
    rate_limit_window_seconds: int = 60

    # --- createorder / createorders (reference §2.1, §2.2) ---
    # Updating a shipped/cancelled order: 400 with ``locked_order_message`` or a silent no-op
    # answering 200 with the unchanged order (UNVERIFIED which one ShipStation does).
    locked_order_update: Literal["error", "ignore"] = "error"
    locked_order_message: str = (
        "The order {orderNumber} has a status of {orderStatus} and cannot be updated."
    )
    # ModelState text for a missing required field (UNVERIFIED; iPaaS catalogues quote
    # "OrderDate Is Required", ASP.NET's own wording is the default).
    required_field_message: str = "The {field} field is required."
    bulk_max_orders: int = 100
    # An invalid order inside createorders: its own result with success=false (default), or a
    # 400 for the whole request as ASP.NET model validation would do (UNVERIFIED).
    bulk_invalid_order: Literal["per_order", "reject_request"] = "per_order"
    # What shipTo.addressVerified says after creation (address validation is ShipStation-side).
    ship_to_address_verified: AddressVerified = "Address not yet validated"

    # --- Lists (reference §2.3-§2.5) ---
    # pageSize above 500: 400 (blueprint's pick) or silently clamped (UNVERIFIED).
    page_size_over_max: Literal["error", "clamp"] = "error"
    # /orders?orderNumber= is documented as starts-with; its case sensitivity is UNVERIFIED.
    order_number_case_sensitive: bool = False
    # /shipments and /fulfillments ?orderNumber=: exact or starts-with (UNVERIFIED; prefix is the
    # stricter default: clients must filter exact matches themselves).
    shipment_order_number_match: Literal["prefix", "exact"] = "prefix"

    # --- Error bodies (reference §2.8) ---
    # Body of a 401 (UNVERIFIED: "assume empty or text"). Empty by default; JSON if it starts "{".
    unauthorized_body: str = ""
    # 404 for an unknown id (GET /orders/{id}, /stores/{id}, DELETE /webhooks/{id}) - UNVERIFIED;
    # default reuses the recorded unknown-route text. ``{uri}`` is the internal request URI.
    unknown_id_message: str = "No HTTP resource was found that matches the request URI '{uri}'."

    # --- Fulfilment behaviour (reference §4) ---
    # When a label moves its order to "shipped": at the first label (ShipStation UI behaviour)
    # or only once every item quantity is covered by non-voided labels.
    label_marks_order_shipped: Literal["first_label", "all_items"] = "first_label"
    # orderKey of split children: the parent's key (default) or a fresh generated one (UNVERIFIED).
    split_child_order_key: Literal["parent", "generated"] = "parent"
    # A delivered label (``POST /_sandbox/shipments/{id}/deliver``): V1's shipment object has no
    # delivery date (reference §2.4, only fulfillments carry ``deliveryDate``), so by default the
    # delivery stays invisible to /shipments; ``listed`` adds ``deliveryDate`` to every label
    # (null until delivered), for accounts or versions that may expose one (UNVERIFIED).
    label_delivery_date: Literal["hidden", "listed"] = "hidden"

    # --- Webhooks (reference §2.7) ---
    # HTTP status of POST /webhooks/subscribe (docs say 200, the agritheory client checks 201).
    webhook_subscribe_status: int = 201
    # Fire ORDER_NOTIFY for orders created through createorder(s) (and for admin imports).
    order_notify_on_api_create: bool = True
    # resource_url of the SHIP_NOTIFY sent after markasshipped: /shipments (which never lists
    # fulfillments, so the consumer gets an empty batch), /fulfillments, or no notification.
    fulfillment_ship_notify: Literal["shipments_url", "fulfillments_url", "off"] = "shipments_url"
    webhook_timeout_seconds: float = 5.0
