-- Purpose: whether the case holds an event already: the same host,
--   channel and record id (names case-insensitive) at a time within the
--   window (HC_DUP_WINDOW) of this one; see the events table in schema.sql.
-- Parameters: ?1 host (first label of the Computer), ?2 channel, ?3 record_id, ?4 time_ticks, ?5 window
-- Result: id
SELECT id FROM events
WHERE host = ?1 AND channel = ?2 AND record_id = ?3
	AND time_ticks BETWEEN ?4 - ?5 AND ?4 + ?5
LIMIT 1;
