DROP TRIGGER audit_events_no_change ON audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organisations;
