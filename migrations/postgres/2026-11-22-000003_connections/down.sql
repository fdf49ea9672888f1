DROP TABLE scheduler_leases;
DROP TABLE scheduled_marks;
DROP TABLE show_cause_cases;
DROP TABLE connection_events;
DROP TABLE connections;
