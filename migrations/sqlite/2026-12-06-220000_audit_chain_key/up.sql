-- The audit chain becomes keyed (README, Security, "The audit log"): from
-- event `keyed_from` on, an event's hash is an HMAC-SHA-256 under a key the database holds
-- only sealed under SECRET_KEY, so the chain cannot be recomputed from the database alone.
-- Events before the cut-over keep their plain SHA-256. `chain_id` names the chain, so a
-- server knows which of its secrets opens it, and a backup copy is the same chain.
-- `audit_chain_keys` holds each key, from the event it first hashed: a new one starts only
-- when the one in use does not open (SECRET_KEY was replaced without rotate-secret-key).
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN chain_id TEXT NOT NULL DEFAULT '';
UPDATE audit_head SET keyed_from = last_seq + 1, chain_id = lower(hex(randomblob(16)));
CREATE TABLE audit_chain_keys (
    from_seq BIGINT PRIMARY KEY NOT NULL,
    sealed_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TRIGGER audit_chain_keys_no_delete BEFORE DELETE ON audit_chain_keys
BEGIN SELECT RAISE(ABORT, 'audit chain keys are never removed'); END;
CREATE TRIGGER audit_chain_keys_no_move BEFORE UPDATE OF from_seq ON audit_chain_keys
BEGIN SELECT RAISE(ABORT, 'audit chain keys are never removed'); END;
CREATE TRIGGER audit_head_keyed_from_fixed BEFORE UPDATE OF keyed_from, chain_id ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit chain''s cut-over is fixed'); END;
