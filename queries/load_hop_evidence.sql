-- Purpose: the records a hop cites, in order.
-- Parameters: ?1 hop id
-- Result: event, role
SELECT event, role FROM hop_evidence WHERE hop = ?1 ORDER BY position;
