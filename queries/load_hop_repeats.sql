-- Purpose: the logons folded into a hop as repeats of its act, by time.
-- Parameters: ?1 hop id
-- Result: id
SELECT id FROM hops WHERE repeat_of = ?1 ORDER BY time_ticks, id;
