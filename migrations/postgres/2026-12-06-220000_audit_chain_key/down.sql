DROP TRIGGER audit_head_keyed_from_fixed ON audit_head;
DROP TABLE audit_chain_keys;
DROP FUNCTION audit_chain_key_kept();
ALTER TABLE audit_head DROP COLUMN chain_id;
ALTER TABLE audit_head DROP COLUMN keyed_from;
