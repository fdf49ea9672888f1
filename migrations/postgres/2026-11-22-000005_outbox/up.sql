-- Notifications: every message waits in the outbox, written in the transaction of the
-- event that caused it, until the delivery worker has handed it to the mail server.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY NOT NULL,
    message TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    recipient_user_id TEXT REFERENCES users (id),
    language TEXT NOT NULL,
    params TEXT NOT NULL,
    -- held (waiting for a daily digest), queued, sent, failed, digested
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    digest_id TEXT
);
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
CREATE INDEX outbox_messages_recipient ON outbox_messages (recipient_user_id, status);
CREATE INDEX outbox_messages_created ON outbox_messages (created_at);

-- Single-use tokens sent by e-mail (invitations, password resets). Only the id is stored;
-- the link carries the id and an HMAC of it under the server's secret key.
CREATE TABLE user_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

ALTER TABLE users ADD COLUMN committee_digest BOOLEAN NOT NULL DEFAULT FALSE;
