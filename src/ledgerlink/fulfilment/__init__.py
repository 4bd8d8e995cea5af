"""Fulfilment read-back: what ShipStation shipped for each ordered invoice, on the invoice's
mapping and on the linked Pipedrive deal (``ledgerlink shipments refresh``).

Modules, in the order they build on each other: ``state`` (orders + shipments → the invoice's
state and shipment list, pure), ``store`` (the rows), ``deal_push`` (status field and notes on
the deal), ``readback`` (one tenant's run). The core CLI and the orchestration both run it, so
it lives in the core, not in a plugin.
"""
