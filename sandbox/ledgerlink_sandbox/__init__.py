"""Local, faithful emulators of the three external APIs ledgerlink talks to.

Layout:

- ``ledgerlink.sandbox.framework``: the shared building blocks (clock, fault injection, request
  accounting, rate limiting, settings, admin endpoints, in-thread server runner).
- ``ledgerlink.sandbox.quickbooks``: QuickBooks Online (OAuth + Accounting API v3 + webhooks).
- ``ledgerlink.sandbox.sandbox``: the ``Sandbox`` object that builds every service from one seed
  and one clock and serves them on consecutive ports.

This package deliberately imports nothing at import time, so importing a data-only module (for
example the QBO store) does not pull in the web stack.
"""
