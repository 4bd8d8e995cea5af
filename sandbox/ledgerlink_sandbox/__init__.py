"""Local, faithful emulators of the three external APIs ledgerlink talks to.

A distribution of its own (``ledgerlink-sandbox``), installed for development and tests only:
the product and its plugins never depend on it, and it imports nothing from ``ledgerlink``. It
follows the providers' documents (``shared/reference/``), never the product's reading of them.

Layout, bottom to top (each module imports only modules above it in this list):

- ``ledgerlink_sandbox.reference``: where the providers' documents and samples live.
- ``ledgerlink_sandbox.framework``: the shared building blocks (clock, fault injection, request
  accounting, rate limiting, settings, admin endpoints, app builder, in-thread server runner).
- ``ledgerlink_sandbox.quickbooks``: QuickBooks Online (OAuth + Accounting API v3 + webhooks).
- ``ledgerlink_sandbox.pipedrive``: Pipedrive (API v1/v2, OAuth, token budget, webhooks); it
  names its organizations after the QuickBooks emulator's customers.
- ``ledgerlink_sandbox.shipstation``: ShipStation V1 (orders, shipments, webhooks).
- ``ledgerlink_sandbox.sandbox``: the ``Sandbox`` object that builds every service from one seed
  and one clock and serves them on consecutive ports.
- ``ledgerlink_sandbox.cli``: the ``ledgerlink-sandbox serve|env`` command.

This package imports nothing at import time, so importing a data-only module (for example the
QBO store) does not pull in the web stack.
"""
