-- Purpose: one event with its EventData and its file's path, for the chain
--   views.
-- Parameters: ?1 event id
-- Result: id, path, record_id, time_ticks, computer, channel, provider, event_id, version, recovered, truncated, data
SELECT e.id, f.path, e.record_id, e.time_ticks, e.computer, e.channel, e.provider,
       e.event_id, e.version, e.recovered, e.truncated, e.data
FROM events AS e LEFT JOIN files AS f ON f.id = e.file
WHERE e.id = ?1;
