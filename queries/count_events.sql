-- Purpose: how many events a case holds.
-- Parameters: none
-- Result: n
SELECT count(*) FROM events;
