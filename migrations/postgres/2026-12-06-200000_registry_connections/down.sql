DROP TRIGGER registry_version_connections ON connections;
CREATE CONSTRAINT TRIGGER registry_version_connections
AFTER INSERT OR UPDATE OR DELETE ON connections DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
DROP FUNCTION registry_version_bump_connections();
ALTER TABLE registry_version DROP COLUMN connections;
