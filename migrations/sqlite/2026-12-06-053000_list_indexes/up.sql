-- The committee's list of applications, a page at a time in the order of submission (then
-- id): those in some states (open ones, the archive of decided ones), or all of them.
CREATE INDEX applications_status_submitted ON applications (status, submitted_at, id);
CREATE INDEX applications_submitted ON applications (submitted_at, id);
-- The administrator's list of users, a page at a time in the order of name (then id),
-- all of them or those of one role.
CREATE INDEX users_name ON users (name, id);
CREATE INDEX users_role_name ON users (role, name, id);
-- The audit log, newest first, narrowed to one person's actions, to one subject (found by
-- its reference, approval number or e-mail address), or to a range of dates.
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_subject_seq ON audit_events (subject_id, seq);
CREATE INDEX audit_events_time ON audit_events (occurred_at, seq);
