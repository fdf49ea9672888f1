ALTER TABLE connections DROP COLUMN counterparty_asn;
DROP TABLE findings;
DROP TABLE routing_route_servers;
DROP TABLE routing_exchange_presences;
DROP TABLE routing_relationships;
DROP TABLE routing_as_organisations;
DROP TABLE routing_asn_registrations;
DROP TABLE routing_adjacencies;
DROP TABLE routing_imports;
