DROP TRIGGER audit_head_keyed_from_fixed;
DROP TABLE audit_chain_keys;
ALTER TABLE audit_head DROP COLUMN chain_id;
ALTER TABLE audit_head DROP COLUMN keyed_from;
