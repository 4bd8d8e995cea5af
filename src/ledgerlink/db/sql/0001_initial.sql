-- The ledgerlink store. Every row belongs to a tenant: one QuickBooks company, one Pipedrive
-- company and one ShipStation account. Constraints make duplicates impossible rather than unlikely.

CREATE DOMAIN tenant_name AS text
    CHECK (VALUE ~ '^[a-z0-9][a-z0-9_-]{0,62}$');

-- Credentials per tenant and provider. Secret values are sealed (AES-256-GCM, bound to tenant,
-- provider and field); only the TokenStore reads or writes this table.
CREATE TABLE connections (
    tenant                  tenant_name NOT NULL,
    provider                text NOT NULL CHECK (provider IN ('quickbooks', 'pipedrive', 'shipstation')),
    auth_kind               text NOT NULL CHECK (auth_kind IN ('oauth', 'api_token', 'api_key')),
    account_id              text,          -- QBO realm id, Pipedrive company domain, ShipStation store
    api_url                 text NOT NULL, -- API base for this account (Pipedrive: its api_domain)
    token_url               text,
    revoke_url              text,
    client_id               text,
    secrets                 jsonb NOT NULL DEFAULT '{}'::jsonb,  -- field -> sealed value
    access_expires_at       timestamptz,
    refresh_expires_at      timestamptz,   -- rolling window (QBO ~101 days, Pipedrive 60 days unused)
    refresh_hard_expires_at timestamptz,   -- QBO 5-year cap
    status                  text NOT NULL DEFAULT 'active'
                            CHECK (status IN ('active', 'needs_reauth', 'disabled')),
    status_detail           text,
    version                 integer NOT NULL DEFAULT 1,
    last_refreshed_at       timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, provider)
);

-- One Pipedrive organization per QBO customer and one customer per organization.
CREATE TABLE customer_org_map (
    tenant           tenant_name NOT NULL,
    qbo_customer_id  text NOT NULL,
    pipedrive_org_id bigint NOT NULL,
    match_method     text NOT NULL CHECK (match_method IN ('created', 'external_id', 'name', 'manual')),
    last_pushed      jsonb NOT NULL DEFAULT '{}'::jsonb,  -- the mapped field values last written
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_customer_id),
    UNIQUE (tenant, pipedrive_org_id)
);

CREATE TABLE deal_map (
    tenant            tenant_name NOT NULL,
    pipedrive_deal_id bigint NOT NULL,
    pipedrive_org_id  bigint,
    qbo_customer_id   text,
    linked_at         timestamptz NOT NULL DEFAULT now(),
    unlinked_at       timestamptz,
    PRIMARY KEY (tenant, pipedrive_deal_id)
);
CREATE INDEX deal_map_customer ON deal_map (tenant, qbo_customer_id) WHERE unlinked_at IS NULL;

-- Invoices seen but not yet shippable (Due on Receipt waits for payment).
CREATE TABLE pending_invoices (
    tenant         tenant_name NOT NULL,
    qbo_invoice_id text NOT NULL,
    doc_number     text,
    terms          text,
    balance        numeric(15, 2),
    first_seen     timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    PRIMARY KEY (tenant, qbo_invoice_id)
);
CREATE INDEX pending_invoices_open ON pending_invoices (tenant) WHERE resolved_at IS NULL;

-- One ShipStation order per invoice; order_key is the idempotency key sent to ShipStation.
CREATE TABLE invoice_order_map (
    tenant               tenant_name NOT NULL,
    qbo_invoice_id       text NOT NULL,
    doc_number           text,
    order_key            text NOT NULL,
    order_number         text,
    shipstation_order_id bigint,
    state                text NOT NULL DEFAULT 'submitting'
                         CHECK (state IN ('submitting', 'created', 'updated', 'cancelled', 'failed')),
    fulfilment           text NOT NULL DEFAULT 'awaiting'
                         CHECK (fulfilment IN ('awaiting', 'partial', 'shipped', 'delivered')),
    items_shipped        integer NOT NULL DEFAULT 0,
    items_ordered        integer NOT NULL DEFAULT 0,
    shipments            jsonb NOT NULL DEFAULT '[]'::jsonb,
    error                text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_invoice_id),
    UNIQUE (tenant, order_key)
);

-- One row per decision a target makes; replays and support questions read from here.
CREATE TABLE sync_audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id     text,
    tenant     tenant_name NOT NULL,
    stream     text NOT NULL,
    source_key text NOT NULL,
    target_key text,
    action     text NOT NULL CHECK (action IN ('create', 'update', 'skip', 'noop', 'fail')),
    changed    jsonb,  -- {"field": {"before": ..., "after": ...}}
    error      text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_audit_lookup ON sync_audit (tenant, stream, source_key, at);
CREATE INDEX sync_audit_run ON sync_audit (run_id);
