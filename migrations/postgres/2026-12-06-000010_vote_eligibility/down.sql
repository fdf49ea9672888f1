DROP INDEX audit_events_action;
ALTER TABLE votes DROP COLUMN voter_eligible;
