-- How far the scheduled check found the audit chain to hold (one row), so the audit page
-- walks only the events recorded since, not the whole chain at every view.
CREATE TABLE audit_verification (
    id INTEGER PRIMARY KEY NOT NULL,
    verified_seq BIGINT NOT NULL,
    verified_hash TEXT NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    full_walk_at TIMESTAMP
);
