-- Purpose: drop the tables of the previous analysis (and their indexes)
--   before schema_analysis.sql re-creates them: every correlation of a
--   case replaces its analysis; files, events and meta stay.
-- Parameters: none
-- Result: none
DROP TABLE IF EXISTS logon_summary;
DROP TABLE IF EXISTS warnings;
DROP TABLE IF EXISTS finding_evidence;
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
