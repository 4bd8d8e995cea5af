-- target-pipedrive lifecycle: sub-customers (jobs) whose money rolls up to their parent, and
-- merged customers whose mapping points at the survivor.

-- Every QuickBooks sub-customer (Job: true) and its direct parent (ParentRef), as the customers
-- stream last said; a parent's money figures (jobs: parent) are its own and its jobs' (nested
-- jobs included).
CREATE TABLE customer_parents (
    tenant          tenant_name NOT NULL,
    qbo_customer_id text NOT NULL,
    parent_id       text NOT NULL CHECK (parent_id <> qbo_customer_id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_customer_id)
);

-- A customer merged into another in QuickBooks: its row is kept, inactive, state 'merged',
-- pointing at the surviving customer (whose row holds the organization); nothing is deleted in
-- Pipedrive. The organization it had stays in the audit (`changed`).
ALTER TABLE customer_org_map ADD COLUMN merged_into text;
ALTER TABLE customer_org_map DROP CONSTRAINT customer_org_map_state_check;
ALTER TABLE customer_org_map
    ADD CONSTRAINT customer_org_map_state_check CHECK (
        (state = 'linked' AND pipedrive_org_id IS NOT NULL AND match_method IS NOT NULL)
        OR (state = 'pending' AND pipedrive_org_id IS NULL)
        OR (state = 'ambiguous' AND pipedrive_org_id IS NULL AND candidates IS NOT NULL)
        OR (state = 'merged' AND pipedrive_org_id IS NULL AND merged_into IS NOT NULL
            AND NOT active)
    );

-- For analysts: each customer's organization, a merged customer's being its survivor's.
CREATE VIEW customer_organization AS
SELECT m.tenant, m.qbo_customer_id,
       coalesce(s.pipedrive_org_id, m.pipedrive_org_id) AS pipedrive_org_id,
       m.state, m.active, m.merged_into, p.parent_id
FROM customer_org_map m
LEFT JOIN customer_org_map s
       ON m.state = 'merged' AND s.tenant = m.tenant AND s.qbo_customer_id = m.merged_into
LEFT JOIN customer_parents p
       ON p.tenant = m.tenant AND p.qbo_customer_id = m.qbo_customer_id;

-- For analysts: the latest decision a target made about each record (dry runs aside), without
-- the copy of the record the targets keep for retries and replays (`changed -> 'record'`).
CREATE VIEW latest_decisions AS
SELECT DISTINCT ON (tenant, stream, source_key)
       tenant, stream, source_key, target_key, action, changed - 'record' AS changed, error,
       run_id, at
FROM sync_audit
WHERE NOT dry_run
ORDER BY tenant, stream, source_key, id DESC;
