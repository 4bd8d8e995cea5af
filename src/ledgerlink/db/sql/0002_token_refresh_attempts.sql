-- Refresh attempts: a refresh is recorded (and committed) before the token endpoint is called, and
-- finished in the transaction that stores the new tokens. A row left unfinished means a process
-- died or lost the answer while the provider may have acted: the next refresh waits out the
-- provider's processing window before presenting the stored refresh token again.
CREATE TABLE token_refresh_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant          tenant_name NOT NULL,
    provider        text NOT NULL,
    -- connections.version when the attempt started: the row (and so the refresh token) presented.
    refresh_version integer NOT NULL,
    host            text NOT NULL,
    pid             integer NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    -- NULL while in flight; 'unknown' = timeout, lost connection or 5xx (the provider may have
    -- acted); 'failed' = a definite answer that changed nothing (e.g. invalid_client).
    outcome         text CHECK (outcome IN ('refreshed', 'rejected', 'unknown', 'failed')),
    detail          text,
    FOREIGN KEY (tenant, provider) REFERENCES connections (tenant, provider) ON DELETE CASCADE
);
CREATE INDEX token_refresh_attempts_latest ON token_refresh_attempts (tenant, provider, id DESC);

-- Why a person must reconnect, as a short key next to the readable status_detail, and the exact
-- command that does it.
ALTER TABLE connections
    ADD COLUMN reauth_cause text CHECK (reauth_cause IN (
        'response_lost', 'expired_unused', 'hard_expiry', 'revoked')),
    ADD COLUMN reconnect_command text;
