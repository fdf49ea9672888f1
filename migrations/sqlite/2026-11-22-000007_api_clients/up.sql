-- Credentials an organisation's own systems use for the JSON API. Each client acts for
-- one named person of the organisation, who answers for what it does. Only a hash of the
-- secret is kept; `secret_version` goes up on every rotation so older tokens stop working.
CREATE TABLE api_clients (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    secret_version INTEGER NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE INDEX api_clients_organisation ON api_clients (organisation_id);

-- The approval an application led to, looked up from the application.
CREATE INDEX connections_application ON connections (application_id);
