-- Purpose: the counters of a file once its events are in.
-- Parameters: ?1 id, ?2 records, ?3 failed, ?4 kept, ?5 added,
--   ?6 duplicates, ?7 errors
-- Result: none
UPDATE files SET records = ?2, failed = ?3, kept = ?4, added = ?5, duplicates = ?6, errors = ?7
WHERE id = ?1;
