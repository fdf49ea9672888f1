CREATE TABLE connections (
    id TEXT PRIMARY KEY NOT NULL,
    approval_number TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL REFERENCES applications (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    connection_type TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    counterparty_country TEXT NOT NULL,
    capacity_mbps BIGINT NOT NULL,
    endpoint_province TEXT NOT NULL,
    terms TEXT NOT NULL,
    conditions TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    status_changed_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    disconnection_deadline TIMESTAMP,
    disconnection_confirmed_at TIMESTAMP,
    disconnection_evidence TEXT NOT NULL DEFAULT '',
    disconnection_verified_at TIMESTAMP,
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The registry pages in keyset order (approved_at, id), unfiltered and by each filter.
CREATE INDEX connections_newest ON connections (approved_at, id);
CREATE INDEX connections_expiry ON connections (valid_until, id);
CREATE INDEX connections_status ON connections (status, approved_at, id);
CREATE INDEX connections_country ON connections (counterparty_country, approved_at, id);
CREATE INDEX connections_type ON connections (connection_type, approved_at, id);
CREATE INDEX connections_organisation ON connections (organisation_id, approved_at, id);
-- The scheduler's scan for expiries and reminders.
CREATE INDEX connections_status_expiry ON connections (status, valid_until);

CREATE TABLE connection_events (
    id TEXT PRIMARY KEY NOT NULL,
    connection_id TEXT NOT NULL REFERENCES connections (id),
    kind TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES users (id),
    reason TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX connection_events_connection ON connection_events (connection_id, occurred_at);
CREATE INDEX connection_events_kind ON connection_events (kind, occurred_at);

CREATE TABLE show_cause_cases (
    id TEXT PRIMARY KEY NOT NULL,
    connection_id TEXT NOT NULL REFERENCES connections (id),
    notice TEXT NOT NULL,
    opened_by TEXT NOT NULL REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL,
    response_deadline TIMESTAMP NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    outcome TEXT,
    decided_at TIMESTAMP,
    decided_by TEXT REFERENCES users (id)
);
CREATE INDEX show_cause_cases_connection ON show_cause_cases (connection_id);

CREATE TABLE scheduled_marks (
    job TEXT NOT NULL,
    subject TEXT NOT NULL,
    done_at TIMESTAMP NOT NULL,
    PRIMARY KEY (job, subject)
);

CREATE TABLE scheduler_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
INSERT INTO scheduler_leases (name, holder, expires_at) VALUES ('scheduler', '', '1970-01-01 00:00:00');
