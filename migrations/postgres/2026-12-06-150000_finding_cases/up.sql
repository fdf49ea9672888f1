-- What people do with findings: the state's particulars on the finding, every step as an
-- event, and the files a provider or the secretariat adds.

-- The foreign network's country and name as the reference data gave them when the
-- finding was last raised, so the queue can filter and show them without joining.
ALTER TABLE findings ADD COLUMN foreign_country TEXT;
ALTER TABLE findings ADD COLUMN foreign_name TEXT;
-- The open explanation request's deadline.
ALTER TABLE findings ADD COLUMN explanation_due TIMESTAMP;
-- The accepted explanation's reason and, when it holds only for a while, its end.
ALTER TABLE findings ADD COLUMN explanation_reason TEXT;
ALTER TABLE findings ADD COLUMN explanation_expires TIMESTAMP;
-- When it was last explained or resolved.
ALTER TABLE findings ADD COLUMN closed_at TIMESTAMP;
-- The connection the secretariat tied it to.
ALTER TABLE findings ADD COLUMN linked_connection_id TEXT;
-- The signed evidence bundle (a compact JWS) made when it was escalated.
ALTER TABLE findings ADD COLUMN evidence TEXT;

CREATE INDEX findings_queue ON findings (score, id);
CREATE INDEX findings_state_queue ON findings (state, score, id);
-- The queue filtered by kind and state, counted from this index alone.
CREATE INDEX findings_kind_queue ON findings (kind, state, score, id);
CREATE INDEX findings_organisation ON findings (organisation_id, state);

-- Every step taken on a finding, oldest first: who, when, what it led to, and what was
-- said with it.
CREATE TABLE finding_events (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    -- The step's place in the finding's history: 1, 2, …
    seq BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    step TEXT NOT NULL,
    state_after TEXT NOT NULL,
    reason TEXT,
    body TEXT NOT NULL,
    deadline TIMESTAMP,
    expires TIMESTAMP,
    connection_id TEXT,
    -- The declaration a provider started from the finding.
    application_id TEXT
);
CREATE UNIQUE INDEX finding_events_finding ON finding_events (finding_id, seq);

-- Files added with a step (a provider's answer, an explanation).
CREATE TABLE finding_files (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    event_id TEXT NOT NULL REFERENCES finding_events (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX finding_files_finding ON finding_files (finding_id);

-- What each MRT import left standing, for the trends across imports: the international
-- pairs counted, the unapproved ones, the domestic networks with a direct foreign link,
-- and the open findings by kind (`kind=count` pairs, `;`-separated).
CREATE TABLE monitoring_snapshots (
    import_id TEXT PRIMARY KEY NOT NULL REFERENCES routing_imports (id),
    observed_at TIMESTAMP NOT NULL,
    adjacencies BIGINT NOT NULL,
    unapproved BIGINT NOT NULL,
    frontier BIGINT NOT NULL,
    open_by_kind TEXT NOT NULL
);
