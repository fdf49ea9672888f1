-- How many connections the registry holds, kept beside its version by the same triggers,
-- so that the unfiltered list's "of N" is read with the version and not counted again on
-- every page rendered after a change.
ALTER TABLE registry_version ADD COLUMN connections BIGINT NOT NULL DEFAULT 0;
UPDATE registry_version SET connections = (SELECT COUNT(*) FROM connections) WHERE id = 1;

DROP TRIGGER registry_version_connections_insert;
DROP TRIGGER registry_version_connections_delete;
CREATE TRIGGER registry_version_connections_insert AFTER INSERT ON connections
BEGIN UPDATE registry_version SET version = version + 1, connections = connections + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_connections_delete AFTER DELETE ON connections
BEGIN UPDATE registry_version SET version = version + 1, connections = connections - 1 WHERE id = 1; END;
