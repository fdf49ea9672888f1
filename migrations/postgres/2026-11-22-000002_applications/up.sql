CREATE TABLE sequence_counters (
    name TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (name, year)
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP,
    clock_paused_seconds BIGINT NOT NULL DEFAULT 0,
    decision_due_at TIMESTAMP,
    completed_at TIMESTAMP,
    vote_opened_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by TEXT REFERENCES users (id),
    decision_conditions TEXT NOT NULL DEFAULT '',
    decision_validity_months INTEGER,
    decision_legal_basis TEXT NOT NULL DEFAULT '',
    decision_reasons TEXT NOT NULL DEFAULT '',
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX applications_organisation ON applications (organisation_id, created_at);
CREATE INDEX applications_status_due ON applications (status, decision_due_at);

CREATE TABLE application_revisions (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    number INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, number)
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_application ON attachments (application_id);

CREATE TABLE information_requests (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    questions TEXT NOT NULL,
    deadline_at TIMESTAMP NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by TEXT REFERENCES users (id),
    answered_at TIMESTAMP,
    lapsed_at TIMESTAMP
);
CREATE INDEX information_requests_application ON information_requests (application_id);
CREATE INDEX information_requests_open ON information_requests (answered_at, lapsed_at, deadline_at);

CREATE TABLE review_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    domain TEXT NOT NULL,
    assigned_by TEXT NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    recommendation TEXT,
    comments TEXT NOT NULL DEFAULT '',
    conditions TEXT NOT NULL DEFAULT '',
    completed_at TIMESTAMP,
    UNIQUE (application_id, reviewer_id, domain)
);
CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_id, completed_at);

CREATE TABLE recusals (
    application_id TEXT NOT NULL REFERENCES applications (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    declared_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, user_id)
);

CREATE TABLE votes (
    application_id TEXT NOT NULL REFERENCES applications (id),
    voter_id TEXT NOT NULL REFERENCES users (id),
    choice TEXT NOT NULL,
    reason TEXT NOT NULL,
    cast_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, voter_id)
);
