-- Purpose: bring a case of the previous schema version (2) to this one
--   (3): only the analysis tables changed, so the caller drops them
--   (reset_analysis.sql) and makes them again (schema_analysis.sql) in the
--   same transaction; this sets the version and marks the case stale, so
--   the next ingest or correlate analyses it again. Files, events and the
--   remembered options stay.
-- Parameters: none
-- Result: none
PRAGMA user_version = 3;
INSERT OR REPLACE INTO meta (key, value) VALUES ('analysis_stale', '1');
