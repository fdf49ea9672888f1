-- Keys that sign approval certificates (Ed25519). The private half is sealed with a key
-- derived from SECRET_KEY; the public half is published at /.well-known/jwks.json.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

-- Every certificate issued for a connection: a compact JWS over its terms.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    connection_id TEXT NOT NULL REFERENCES connections (id),
    kid TEXT NOT NULL REFERENCES signing_keys (kid),
    token TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    valid_until DATE NOT NULL
);
CREATE INDEX certificates_connection ON certificates (connection_id, issued_at);
CREATE INDEX certificates_kid ON certificates (kid, valid_until);
