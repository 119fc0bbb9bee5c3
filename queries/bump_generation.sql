-- Purpose: count one more change of the case's events (meta
--   'generation'): an analysis knows which generation it was made from,
--   so one written while another ingest added events stays stale.
-- Parameters: none
-- Result: none
INSERT INTO meta (key, value) VALUES ('generation', '1')
ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
