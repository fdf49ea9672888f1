-- The committee's connections to act on, one reason at a time in the order of expiry (then
-- id): with the id in the index, a page of one status is a range read in order, which the
-- planners take even when the page's LIMIT is a bound parameter, instead of walking every
-- connection by expiry date.
DROP INDEX connections_status_expiry;
CREATE INDEX connections_status_expiry ON connections (status, valid_until, id);
