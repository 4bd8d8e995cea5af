-- Fulfilment read-back (`ledgerlink shipments refresh`): which deal an invoice's shipments go to,
-- and what was already said on that deal, so a rerun never repeats a note or a field write.

-- The invoice's QuickBooks customer: with deal_map (deal <-> customer) it names the linked deal.
-- Written by target-shipstation with the rest of the row; NULL means no deal is told.
ALTER TABLE invoice_order_map
    ADD COLUMN qbo_customer_id  text,
    -- Shipment keys whose note request was sent but whose outcome is not recorded yet (a crash
    -- or a timeout in between): before sending again the deal's notes are searched for the key.
    ADD COLUMN noting_shipments text[] NOT NULL DEFAULT '{}';

CREATE INDEX invoice_order_map_customer ON invoice_order_map (tenant, qbo_customer_id);

-- The fulfilment label last written to the deal's status field: written again only when it
-- changes, never blank.
ALTER TABLE deal_map
    ADD COLUMN fulfilment_label     text,
    ADD COLUMN fulfilment_pushed_at timestamptz;

-- The read-back reads shipped orders too, until delivered (or past the delivery watch).
CREATE INDEX invoice_order_map_undelivered ON invoice_order_map (tenant)
    WHERE fulfilment IN ('awaiting', 'partial', 'shipped') AND state IN ('created', 'updated');
