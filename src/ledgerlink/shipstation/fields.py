"""Length limits of ShipStation order fields, in one place.

Only ``orderNumber`` (50) is documented (shipstation-node JSDoc, reference §2.1) and V2's
``external_shipment_id`` (our orderKey there) is "≤ 50 chars" (reference §5). The others are
conservative guesses (UNVERIFIED), kept low so an order that passes here is not refused for
length by ShipStation.
"""

from __future__ import annotations

ORDER_NUMBER_MAX = 50
ORDER_KEY_MAX = 50
ITEM_NAME_MAX = 200  # UNVERIFIED
SKU_MAX = 100  # UNVERIFIED
ADDRESS_FIELD_MAX = 100  # name, company, street1-3, city (UNVERIFIED)
CUSTOM_FIELD_MAX = 100  # advancedOptions.customField1-3 (UNVERIFIED)
