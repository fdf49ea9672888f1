DROP TRIGGER registry_version_connections_insert;
DROP TRIGGER registry_version_connections_delete;
CREATE TRIGGER registry_version_connections_insert AFTER INSERT ON connections
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER registry_version_connections_delete AFTER DELETE ON connections
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
ALTER TABLE registry_version DROP COLUMN connections;
