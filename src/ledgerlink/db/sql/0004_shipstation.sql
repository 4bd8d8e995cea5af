-- target-shipstation: what an order needs from earlier runs, and the order mapping's read-back.

-- QuickBooks records the targets keep between runs (items for SKUs and names, terms for the ship
-- rule, customers for addresses and email), so an incremental run carrying one changed invoice
-- still builds a complete order. One row per record; `data` is the tap's record as last seen.
CREATE TABLE qbo_reference (
    tenant     tenant_name NOT NULL,
    entity     text NOT NULL CHECK (entity IN ('item', 'term', 'customer')),
    qbo_id     text NOT NULL,
    data       jsonb NOT NULL,
    active     boolean NOT NULL DEFAULT true,  -- false once QuickBooks deactivated it
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, entity, qbo_id)
);

-- The order mapping, extended for updates, retries and fulfilment read-back.
ALTER TABLE invoice_order_map
    ADD COLUMN realm_id              text,         -- QuickBooks company of the invoice
    ADD COLUMN order_status          text,         -- ShipStation orderStatus last sent or read
    ADD COLUMN paid_on               date,         -- the order's paymentDate: kept, so a later
                                                   -- run without the payment sends the same
    ADD COLUMN payload_digest        text,         -- SHA-256 of the order body last sent: an
                                                   -- unchanged invoice sends nothing
    ADD COLUMN attempts              integer NOT NULL DEFAULT 0,  -- failed sends so far
    ADD COLUMN fulfilment_label      text,         -- "Awaiting Shipment", "3/5 Shipped", ...
    ADD COLUMN fulfilment_checked_at timestamptz,  -- last read-back
    ADD COLUMN noted_shipments       text[] NOT NULL DEFAULT '{}';  -- shipment keys already
                                                   -- noted on the Pipedrive deal (never twice)

ALTER TABLE invoice_order_map DROP CONSTRAINT invoice_order_map_fulfilment_check;
ALTER TABLE invoice_order_map
    ADD CONSTRAINT invoice_order_map_fulfilment_check
        CHECK (fulfilment IN ('awaiting', 'partial', 'shipped', 'delivered', 'cancelled'));

-- The read-back reads open orders only.
CREATE INDEX invoice_order_map_unfulfilled ON invoice_order_map (tenant)
    WHERE fulfilment IN ('awaiting', 'partial') AND state IN ('created', 'updated');

-- Why an invoice waits ("awaiting payment (Due on receipt)").
ALTER TABLE pending_invoices ADD COLUMN reason text;

-- For analysts: one row per ordered invoice, and one per live shipment.
CREATE VIEW invoice_fulfilment AS
SELECT tenant, qbo_invoice_id, doc_number, order_number, shipstation_order_id, state,
       order_status, fulfilment, fulfilment_label, items_shipped, items_ordered,
       jsonb_array_length(shipments) AS shipment_count, fulfilment_checked_at AS checked_at,
       error, created_at, updated_at
FROM invoice_order_map;

CREATE VIEW invoice_shipments AS
SELECT m.tenant, m.qbo_invoice_id, m.doc_number, m.order_number,
       s ->> 'order_number'            AS shipstation_order_number,
       s ->> 'kind'                    AS kind,
       s ->> 'tracking_number'         AS tracking_number,
       s ->> 'carrier'                 AS carrier,
       s ->> 'service'                 AS service,
       (s ->> 'ship_date')::date       AS ship_date,
       (s ->> 'delivery_date')::date   AS delivery_date,
       s ->> 'tracking_url'            AS tracking_url,
       s -> 'items'                    AS items
FROM invoice_order_map AS m
CROSS JOIN LATERAL jsonb_array_elements(m.shipments) AS s;
