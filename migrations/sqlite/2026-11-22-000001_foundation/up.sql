CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_lo TEXT NOT NULL,
    registration_number TEXT NOT NULL DEFAULT '',
    licence_number TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    asns TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    password_hash TEXT NOT NULL,
    language TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    committee_member BOOLEAN NOT NULL DEFAULT 0,
    review_domains TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_organisation_id ON users (organisation_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT,
    ip TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
