DROP TRIGGER registry_version_decisions ON applications;
DROP TRIGGER registry_version_organisations ON organisations;
DROP TRIGGER registry_version_certificates ON certificates;
DROP TRIGGER registry_version_events ON connection_events;
DROP TRIGGER registry_version_connections ON connections;
DROP FUNCTION registry_version_bump();
DROP TABLE registry_version;
