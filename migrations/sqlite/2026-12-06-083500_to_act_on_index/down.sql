DROP INDEX connections_status_expiry;
CREATE INDEX connections_status_expiry ON connections (status, valid_until);
