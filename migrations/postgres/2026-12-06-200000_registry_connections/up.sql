-- How many connections the registry holds, kept beside its version by the same (deferred)
-- triggers, so that the unfiltered list's "of N" is read with the version and not counted
-- again on every page rendered after a change.
ALTER TABLE registry_version ADD COLUMN connections BIGINT NOT NULL DEFAULT 0;
UPDATE registry_version SET connections = (SELECT COUNT(*) FROM connections) WHERE id = 1;

CREATE FUNCTION registry_version_bump_connections() RETURNS trigger AS $$
BEGIN
    UPDATE registry_version SET version = version + 1,
        connections = connections + CASE TG_OP WHEN 'INSERT' THEN 1 WHEN 'DELETE' THEN -1 ELSE 0 END
    WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER registry_version_connections ON connections;
CREATE CONSTRAINT TRIGGER registry_version_connections
AFTER INSERT OR UPDATE OR DELETE ON connections DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump_connections();
