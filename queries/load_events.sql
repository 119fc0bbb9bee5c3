-- Purpose: every event of a case for correlation, with its EventData, in
--   the order they were added (the caller sorts them as analyze does).
-- Parameters: none
-- Result: id, file, record_id, time_ticks, computer, channel, provider, event_id, version, recovered, truncated, data
SELECT e.id, e.file, e.record_id, e.time_ticks, e.computer, e.channel, e.provider,
       e.event_id, e.version, e.recovered, e.truncated, e.data
FROM events AS e
ORDER BY e.id;
