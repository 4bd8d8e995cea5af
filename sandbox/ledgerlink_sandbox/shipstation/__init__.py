"""ShipStation V1 ("Legacy") emulator: orders, shipments, fulfillments, stores, webhooks.

Entry point: ``ledgerlink_sandbox.shipstation.service.build(seed, size, clock)``. Module map:
``settings`` (every unverified behaviour), ``timefmt`` (Pacific timestamps), ``errors``
(ASP.NET-style bodies), ``orders`` (request → stored order), ``store`` (account state and order
upsert), ``shipping`` (labels, fulfillments, splits), ``listing`` (filters and pages),
``dataset`` (seeded account), ``gateway`` (Basic auth + 40/min window), ``webhooks``,
``api_routes`` (public V1 surface), ``admin_routes`` (``/_sandbox/...`` controls).
"""
