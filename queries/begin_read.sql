-- Purpose: start a read transaction (loading a case for correlation), so
--   the events and the generation read are those of one moment while
--   another ingest writes.
-- Parameters: none
-- Result: none
BEGIN DEFERRED;
