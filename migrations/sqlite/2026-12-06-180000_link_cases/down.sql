ALTER TABLE finding_events DROP COLUMN case_id;
DROP TABLE link_case_files;
DROP TABLE link_cases;
