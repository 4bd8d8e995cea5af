"""QuickBooks Online emulator: OAuth 2.0 endpoints, the Accounting API v3 gateway and webhooks.

The HTTP surface (``oauth*``, ``gateway``, ``api_routes``, ``webhooks``, ``service``) is built on
``ledgerlink_sandbox.framework``; the company data (query engine, entity store, CDC, batch, PDF,
generator) lives in ``store`` and its siblings.
"""
