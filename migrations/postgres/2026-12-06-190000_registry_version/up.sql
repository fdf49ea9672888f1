-- The registry's version: one counter, bumped in the same transaction as every change to
-- what the public registry shows (a connection, its dated events, its certificates, its
-- organisation's names, and a decision, which the statistics count). A server serves a page it rendered before only while the
-- version it was rendered at is still the current one, so a change is seen by every
-- server's next request. Triggers bump it, so no writer can forget to. They are deferred
-- to the commit, so the counter's row lock is the last lock a transaction takes and two
-- writers of public data cannot deadlock over it.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

CREATE FUNCTION registry_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER registry_version_connections
AFTER INSERT OR UPDATE OR DELETE ON connections DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_events
AFTER INSERT ON connection_events DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_certificates
AFTER INSERT OR UPDATE ON certificates DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_organisations
AFTER UPDATE ON organisations DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_decisions
AFTER UPDATE OF decided_at ON applications DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
