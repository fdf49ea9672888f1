DROP TABLE votes;
DROP TABLE recusals;
DROP TABLE review_assignments;
DROP TABLE information_requests;
DROP TABLE attachments;
DROP TABLE application_revisions;
DROP TABLE applications;
DROP TABLE sequence_counters;
