-- target-pipedrive contacts (`contacts: person`): the customer's primary contact as a Pipedrive
-- person linked to the customer's organization.
--   linked  - the person is known (pipedrive_person_id set); last_pushed holds what was written;
--   pending - a create is about to be sent: committed first, so a crash or an unknown outcome is
--             followed by a look-up (by email, or by name among the organization's persons),
--             never a blind second create.
CREATE TABLE customer_person_map (
    tenant              tenant_name NOT NULL,
    qbo_customer_id     text NOT NULL,
    pipedrive_person_id bigint,
    state               text NOT NULL CHECK (state IN ('linked', 'pending')),
    last_pushed         jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, qbo_customer_id),
    CHECK (state = 'pending' OR pipedrive_person_id IS NOT NULL)
);
