DROP INDEX connections_application;
DROP TABLE api_clients;
