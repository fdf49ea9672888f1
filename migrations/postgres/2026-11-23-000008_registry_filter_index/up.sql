-- The public registry filtered by country and type together, newest first: without it
-- the planners walk the newest-first index and throw away every row of another country
-- or type (about 4,000 rows read for a page of 50 at 50,000 connections).
CREATE INDEX connections_country_type ON connections (counterparty_country, connection_type, approved_at, id);
