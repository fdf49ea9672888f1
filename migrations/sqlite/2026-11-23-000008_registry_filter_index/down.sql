DROP INDEX connections_country_type;
