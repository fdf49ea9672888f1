DROP INDEX audit_events_time;
DROP INDEX audit_events_subject_seq;
DROP INDEX audit_events_actor;
DROP INDEX users_role_name;
DROP INDEX users_name;
DROP INDEX applications_submitted;
DROP INDEX applications_status_submitted;
