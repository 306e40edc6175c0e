-- pg_trgm stays: other schemas in the database may use it.
DROP TABLE contacts;
