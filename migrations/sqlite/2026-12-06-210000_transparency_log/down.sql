DROP TABLE tlog_checkpoints;
DROP TABLE tlog_hashes;
DROP TABLE tlog_entries;
DROP TABLE tlog_head;
