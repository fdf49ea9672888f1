-- Due process against an organisation about a link that routing shows and no approval
-- covers (or that was to be disconnected): a show-cause case opened from a finding. It
-- follows the connection's path: notice → answer → decision → disconnection deadline →
-- the provider's evidence → the secretariat's verification.
CREATE TABLE link_cases (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- The revoked connection, when the finding shows a link seen after its disconnection.
    connection_id TEXT REFERENCES connections (id),
    -- notice, disconnection_ordered, disconnection_confirmed, dismissed, verified.
    stage TEXT NOT NULL,
    notice TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    response_deadline TIMESTAMP NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    -- The chair's reasons, for a dismissal or an order to disconnect.
    decision TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    disconnection_deadline TIMESTAMP,
    -- The provider's account of the disconnection.
    confirmation TEXT,
    confirmed_at TIMESTAMP,
    verified_by TEXT,
    verified_at TIMESTAMP,
    -- Why the secretariat verified while the latest routing data still showed the link.
    still_seen_reason TEXT,
    -- The finding's signed evidence bundle (a compact JWS) the case was opened on.
    evidence TEXT NOT NULL
);
CREATE INDEX link_cases_finding ON link_cases (finding_id);
CREATE INDEX link_cases_organisation ON link_cases (organisation_id, opened_at);
CREATE INDEX link_cases_stage ON link_cases (stage, opened_at);

-- Files the provider sends with its answer or as evidence of the disconnection.
CREATE TABLE link_case_files (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES link_cases (id),
    -- answer, disconnection_evidence.
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX link_case_files_case ON link_case_files (case_id);

-- The case a step on a finding opened or moved.
ALTER TABLE finding_events ADD COLUMN case_id TEXT;
