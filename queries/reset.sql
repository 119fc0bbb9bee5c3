-- Purpose: drop the case tables of hopchain's (and with them their
--   indexes) after reset_analysis.sql dropped the analysis tables, before
--   schema.sql and schema_analysis.sql re-create them: analyze --db
--   replaces the whole store. Only hopchain's own tables; anything else a
--   user added to the database stays.
-- Parameters: none
-- Result: none
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS files;
DROP TABLE IF EXISTS meta;
