-- Enforcement monitoring: the routing data an operator imports, the international
-- adjacencies found in it, and the findings they raise against the registry.

-- Every import: one row per file, whatever its kind. The same file (by its hash) is
-- imported once.
CREATE TABLE routing_imports (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    size_bytes BIGINT NOT NULL,
    collector TEXT NOT NULL,
    -- The span of time the data covers (MRT record times, a RIR file's dates), if known.
    data_from TIMESTAMP,
    data_until TIMESTAMP,
    records_read BIGINT NOT NULL,
    records_skipped BIGINT NOT NULL,
    records_malformed BIGINT NOT NULL,
    adjacencies BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX routing_imports_kind ON routing_imports (kind, imported_at);

-- Each pair of a domestic and a foreign AS one MRT import saw next to each other, with what
-- saw it; never a row per prefix.
CREATE TABLE routing_adjacencies (
    import_id TEXT NOT NULL REFERENCES routing_imports (id),
    domestic_asn BIGINT NOT NULL,
    foreign_asn BIGINT NOT NULL,
    collector TEXT NOT NULL,
    -- The collector peers' ASNs that saw it, ascending, comma-separated.
    peer_asns TEXT NOT NULL,
    peer_addresses BIGINT NOT NULL,
    announcements BIGINT NOT NULL,
    prefixes BIGINT NOT NULL,
    ipv4_addresses BIGINT NOT NULL,
    ipv6_48s BIGINT NOT NULL,
    domestic_nearer BIGINT NOT NULL,
    foreign_nearer BIGINT NOT NULL,
    example_path TEXT NOT NULL,
    example_prefix TEXT NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    PRIMARY KEY (import_id, domestic_asn, foreign_asn)
);
CREATE INDEX routing_adjacencies_pair ON routing_adjacencies (domestic_asn, foreign_asn);

-- Reference data. Each holds the rows of the newest import of its kind (RIR files: of each
-- registry); earlier imports' rows are replaced, their import rows kept.
CREATE TABLE routing_asn_registrations (
    import_id TEXT NOT NULL REFERENCES routing_imports (id),
    line BIGINT NOT NULL,
    registry TEXT NOT NULL,
    first_asn BIGINT NOT NULL,
    asn_count BIGINT NOT NULL,
    country TEXT NOT NULL,
    status TEXT NOT NULL,
    opaque_id TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX routing_asn_registrations_first ON routing_asn_registrations (first_asn);

CREATE TABLE routing_as_organisations (
    import_id TEXT NOT NULL REFERENCES routing_imports (id),
    asn BIGINT NOT NULL,
    org_id TEXT NOT NULL,
    org_name TEXT NOT NULL,
    country TEXT NOT NULL,
    PRIMARY KEY (import_id, asn)
);

CREATE TABLE routing_relationships (
    import_id TEXT NOT NULL REFERENCES routing_imports (id),
    asn_a BIGINT NOT NULL,
    asn_b BIGINT NOT NULL,
    -- 'transit' (a provides transit to b) or 'peers'.
    kind TEXT NOT NULL,
    PRIMARY KEY (import_id, asn_a, asn_b)
);

CREATE TABLE routing_exchange_presences (
    import_id TEXT NOT NULL REFERENCES routing_imports (id),
    asn BIGINT NOT NULL,
    exchange_id BIGINT NOT NULL,
    exchange_name TEXT NOT NULL,
    country TEXT NOT NULL,
    PRIMARY KEY (import_id, asn, exchange_id)
);

CREATE TABLE routing_route_servers (
    import_id TEXT NOT NULL REFERENCES routing_imports (id),
    asn BIGINT NOT NULL,
    PRIMARY KEY (import_id, asn)
);

-- What the comparison found, one row per key (kind, pair, connection, exchange): a later
-- import updates the row, never adds a second.
CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    domestic_asn BIGINT NOT NULL,
    foreign_asn BIGINT,
    organisation_id TEXT,
    connection_id TEXT,
    exchange_id BIGINT,
    connection_status TEXT,
    -- What the finding names beyond its key (a mismatch, the neighbours, the exchange), JSON.
    detail TEXT NOT NULL,
    peers BIGINT NOT NULL,
    severity BIGINT NOT NULL,
    confidence BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    score BIGINT NOT NULL,
    -- The parts of the confidence, JSON.
    rank_parts TEXT NOT NULL,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP,
    -- Whether the newest comparison still raised it.
    still_seen BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX findings_rank ON findings (state, score, id);
CREATE INDEX findings_kind ON findings (kind, score, id);

-- The counterparty's ASN, which matching a connection to what routing shows needs; filled
-- from each connection's terms where they hold a readable one.
ALTER TABLE connections ADD COLUMN counterparty_asn BIGINT;
UPDATE connections
SET counterparty_asn = CAST(t.digits AS BIGINT)
FROM (
    SELECT id,
           ltrim(upper(trim(terms::jsonb #>> '{values,counterparty_asn}')), 'AS') AS digits
    FROM connections
) AS t
WHERE t.id = connections.id
  AND t.digits ~ '^[0-9]{1,10}$';
