-- The registry's transparency log (README, "The transparency log"): every public event of
-- a connection, and every certificate, appended as a leaf of a Merkle tree (RFC 9162
-- hashing) in the transaction that made it. `tlog_entries` holds each leaf's data,
-- `tlog_hashes` the tree's stored hashes (the tlog layout: one row per hash), and
-- `tlog_checkpoints` the signed tree head of every size the log has had. `tlog_head` holds
-- the size. All four only ever grow.
CREATE TABLE tlog_head (
    id INTEGER PRIMARY KEY NOT NULL,
    size BIGINT NOT NULL
);
INSERT INTO tlog_head (id, size) VALUES (1, 0);
CREATE TABLE tlog_entries (
    idx BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    certificate_id TEXT,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tlog_entries_certificate ON tlog_entries (certificate_id);
CREATE TABLE tlog_hashes (
    idx BIGINT PRIMARY KEY NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE tlog_checkpoints (
    size BIGINT PRIMARY KEY NOT NULL,
    note TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL
);
CREATE TRIGGER tlog_entries_no_update BEFORE UPDATE ON tlog_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_entries_no_delete BEFORE DELETE ON tlog_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_hashes_no_update BEFORE UPDATE ON tlog_hashes
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_hashes_no_delete BEFORE DELETE ON tlog_hashes
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_checkpoints_no_update BEFORE UPDATE ON tlog_checkpoints
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_checkpoints_no_delete BEFORE DELETE ON tlog_checkpoints
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER tlog_head_no_shrink BEFORE UPDATE ON tlog_head WHEN NEW.size < OLD.size
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
