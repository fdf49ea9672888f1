ALTER TABLE users DROP COLUMN committee_digest;
DROP TABLE user_tokens;
DROP TABLE outbox_messages;
