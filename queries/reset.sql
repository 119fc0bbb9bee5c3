-- Purpose: drop every table of hopchain's (and with them their indexes)
--   before schema.sql and schema_analysis.sql re-create them: analyze
--   --db replaces the whole store. Only hopchain's own tables; anything else a user added
--   to the database stays.
-- Parameters: none
-- Result: none
DROP TABLE IF EXISTS logon_summary;
DROP TABLE IF EXISTS warnings;
DROP TABLE IF EXISTS findings;
DROP TABLE IF EXISTS chain_hops;
DROP TABLE IF EXISTS chains;
DROP TABLE IF EXISTS links;
DROP TABLE IF EXISTS hop_evidence;
DROP TABLE IF EXISTS hops;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS host_boots;
DROP TABLE IF EXISTS host_addresses;
DROP TABLE IF EXISTS hosts;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS files;
DROP TABLE IF EXISTS meta;
