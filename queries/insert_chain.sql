-- Purpose: one chain.
-- Parameters: ?1 id, ?2 name, ?3 start_ticks, ?4 start_text, ?5 end_ticks,
--   ?6 end_text, ?7 nhops
-- Result: none
INSERT INTO chains (id, name, start_ticks, start_text, end_ticks, end_text, nhops)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);
