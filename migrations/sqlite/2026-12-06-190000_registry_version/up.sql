-- The registry's version: one counter, bumped in the same transaction as every change to
-- what the public registry shows (a connection, its dated events, its certificates, its
-- organisation's names, and a decision, which the statistics count). A server serves a page it rendered before only while the
-- version it was rendered at is still the current one, so a change is seen by every
-- server's next request. Triggers bump it, so no writer can forget to.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

CREATE TRIGGER registry_version_connections_insert AFTER INSERT ON connections
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_connections_update AFTER UPDATE ON connections
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_connections_delete AFTER DELETE ON connections
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_events_insert AFTER INSERT ON connection_events
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_certificates_insert AFTER INSERT ON certificates
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_certificates_update AFTER UPDATE ON certificates
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_organisations_update AFTER UPDATE ON organisations
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_decisions AFTER UPDATE OF decided_at ON applications
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
