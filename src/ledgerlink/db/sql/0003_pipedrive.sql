-- target-pipedrive: match states of customer_org_map and the decisions sync_audit records.
--
-- A mapping row is now in one of three states:
--   linked    - the customer's organization is known (pipedrive_org_id set);
--   pending   - a create is about to be sent: committed first, so a crash or an unknown outcome
--               is followed by a look-up through the external-id field, never a blind second create;
--   ambiguous - several organizations could be the customer's: nothing is guessed, the candidates
--               wait for a person (or a rule) to pick one.

ALTER TABLE customer_org_map
    ALTER COLUMN pipedrive_org_id DROP NOT NULL,
    ALTER COLUMN match_method DROP NOT NULL,
    ADD COLUMN state text NOT NULL DEFAULT 'linked',
    ADD COLUMN candidates bigint[];

ALTER TABLE customer_org_map
    ADD CONSTRAINT customer_org_map_state_check CHECK (
        (state = 'linked' AND pipedrive_org_id IS NOT NULL AND match_method IS NOT NULL)
        OR (state = 'pending' AND pipedrive_org_id IS NULL)
        OR (state = 'ambiguous' AND pipedrive_org_id IS NULL AND candidates IS NOT NULL)
    );

CREATE INDEX customer_org_map_open ON customer_org_map (tenant, state) WHERE state <> 'linked';

-- 'ambiguous': a customer not linked because several organizations matched (candidates in
-- `changed`); dry_run marks rows that describe a plan, not a write.
ALTER TABLE sync_audit DROP CONSTRAINT sync_audit_action_check;
ALTER TABLE sync_audit
    ADD CONSTRAINT sync_audit_action_check
        CHECK (action IN ('create', 'update', 'skip', 'noop', 'fail', 'ambiguous')),
    ADD COLUMN dry_run boolean NOT NULL DEFAULT false;

-- The company's field definitions as last read (GET /api/v2/<entity>Fields), so a run with
-- nothing to write makes no request at all; refreshed when older than the target allows or when
-- Pipedrive refuses a field key.
CREATE TABLE pipedrive_fields (
    tenant      tenant_name NOT NULL,
    entity      text NOT NULL CHECK (entity IN ('organization', 'person', 'deal')),
    definitions jsonb NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, entity)
);
