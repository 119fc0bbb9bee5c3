-- Purpose: one fact of the case (see the meta table in schema.sql).
-- Parameters: ?1 key
-- Result: value (no row when never set)
SELECT value FROM meta WHERE key = ?1;
