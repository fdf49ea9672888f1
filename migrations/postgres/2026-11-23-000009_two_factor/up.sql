-- Two-factor sign-in (TOTP, RFC 6238). The shared secret is sealed under a key derived
-- from SECRET_KEY; `totp_pending` holds the secret being enrolled until a first code
-- confirms it. `totp_last_step` is the last time step accepted, so no code works twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- A session is `full` once every factor the user needs has been given; before that it is
-- `second_factor` (password accepted, code awaited) or `enrol` (the user must set up a
-- second factor first).
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';

-- One-time recovery codes, kept as SHA-256 hashes.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
