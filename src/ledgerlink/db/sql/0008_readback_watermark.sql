-- Fulfilment read-back without a request per order (issue 13): account-wide listings of what
-- changed since the tenant's last read-back, matched to the mapping rows in memory.

-- Per tenant: the newest ShipStation stamp (its own clock, Pacific wall time, as it answers)
-- seen by the last read-back's listings; the next one lists from there minus an overlap.
-- `labels_list_delivery`: whether this account's labels carry a `deliveryDate` (V1 documents
-- none); NULL until a label was seen.
CREATE TABLE shipstation_readback (
    tenant               tenant_name PRIMARY KEY,
    seen_until           timestamp without time zone,
    labels_list_delivery boolean,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- What the read-back knows of an order's family and shipments (orders: id, number, status,
-- units, parent; live labels and fulfillments), so news merges into it and the state is
-- recomputed without reading the order again. NULL until first read.
ALTER TABLE invoice_order_map ADD COLUMN readback jsonb;
