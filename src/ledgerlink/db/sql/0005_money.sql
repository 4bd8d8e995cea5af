-- target-pipedrive, money on the CRM: what the money-to-pipedrive job keeps between runs, so an
-- incremental run (a few changed invoices and payments) computes the same per-customer figures as
-- a full one.

-- Every live invoice of a customer, as last seen (voided and deleted ones leave the table). The
-- open ones (balance > 0) give the open and overdue balances, the count and the pay-online link;
-- all of them give the last invoice date, which must survive the invoice being paid.
CREATE TABLE money_invoices (
    tenant          tenant_name NOT NULL,
    qbo_invoice_id  text NOT NULL,
    qbo_customer_id text NOT NULL,
    doc_number      text,
    total           numeric(15, 2) NOT NULL,
    balance         numeric(15, 2) NOT NULL,
    currency        text,
    txn_date        date,
    due_date        date,
    invoice_link    text,           -- QuickBooks InvoiceLink (pay online), when there is one
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_invoice_id)
);
CREATE INDEX money_invoices_customer ON money_invoices (tenant, qbo_customer_id);
CREATE INDEX money_invoices_open ON money_invoices (tenant, due_date) WHERE balance > 0;

-- Every live payment (voided and deleted ones leave): the last payment date, and the notes.
CREATE TABLE money_payments (
    tenant          tenant_name NOT NULL,
    qbo_payment_id  text NOT NULL,
    qbo_customer_id text NOT NULL,
    amount          numeric(15, 2) NOT NULL,
    currency        text,
    txn_date        date,
    invoices        jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{"id": "12", "number": "1004"}, ...]
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_payment_id)
);
CREATE INDEX money_payments_customer ON money_payments (tenant, qbo_customer_id);

-- Per customer: whether its figures still have to be pushed (set when an invoice or payment of
-- the customer arrives, cleared once Pipedrive holds them), and which day the overdue balance
-- was last computed for (an invoice falling due since then changes it without any new record).
CREATE TABLE money_customers (
    tenant          tenant_name NOT NULL,
    qbo_customer_id text NOT NULL,
    dirty           boolean NOT NULL DEFAULT true,
    as_of           date,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_customer_id)
);
CREATE INDEX money_customers_dirty ON money_customers (tenant) WHERE dirty;

-- What was last written to each organization or deal's money fields (diff before write).
CREATE TABLE money_pushed (
    tenant          tenant_name NOT NULL,
    entity          text NOT NULL CHECK (entity IN ('organization', 'deal')),
    pipedrive_id    bigint NOT NULL,
    qbo_customer_id text NOT NULL,
    pushed          jsonb NOT NULL DEFAULT '{}'::jsonb,  -- field key -> value
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, entity, pipedrive_id)
);

-- One note per payment per linked deal, never twice. The row is committed as 'sending' before the
-- POST leaves; a row left 'sending' (crash, lost answer) makes the next run look for the note on
-- the deal (by the payment reference it carries) before sending it again.
CREATE TABLE payment_notes (
    tenant            tenant_name NOT NULL,
    qbo_payment_id    text NOT NULL,
    pipedrive_deal_id bigint NOT NULL,
    state             text NOT NULL CHECK (state IN ('sending', 'sent')),
    note_id           bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    PRIMARY KEY (tenant, qbo_payment_id, pipedrive_deal_id),
    CHECK (state = 'sending' OR note_id IS NOT NULL)
);

-- For analysts: each customer's figures as the store holds them.
CREATE VIEW customer_money AS
SELECT i.tenant, i.qbo_customer_id,
       sum(i.balance) FILTER (WHERE i.balance > 0) AS open_balance,
       count(*) FILTER (WHERE i.balance > 0) AS open_invoices,
       max(i.txn_date) AS last_invoice_date
FROM money_invoices i
GROUP BY i.tenant, i.qbo_customer_id;

-- Optional (`invoice_deals: create`): one deal per invoice dated on or after the notes' cutoff.
-- 'pending' is committed before the create is sent; after a crash or a lost answer the deal is
-- looked up among the organization's deals by its "QuickBooks Invoice ID" field first.
CREATE TABLE invoice_deal_map (
    tenant            tenant_name NOT NULL,
    qbo_invoice_id    text NOT NULL,
    qbo_customer_id   text NOT NULL,
    pipedrive_deal_id bigint,
    state             text NOT NULL CHECK (state IN ('pending', 'linked')),
    last_pushed       jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_invoice_id),
    CHECK (state = 'pending' OR pipedrive_deal_id IS NOT NULL)
);
CREATE INDEX invoice_deal_map_customer ON invoice_deal_map (tenant, qbo_customer_id);
