DROP TABLE organisation_changes;
