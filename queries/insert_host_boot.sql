-- Purpose: one boot (4608) of a host.
-- Parameters: ?1 host, ?2 seq (1-based), ?3 time_ticks, ?4 time_text
-- Result: none
INSERT INTO host_boots (host, seq, time_ticks, time_text) VALUES (?1, ?2, ?3, ?4);
