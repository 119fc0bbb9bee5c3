-- Purpose: set one fact of the case (see the meta table in schema.sql).
-- Parameters: ?1 key, ?2 value
-- Result: none
INSERT INTO meta (key, value) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
