-- Purpose: the records a finding rests on, in order.
-- Parameters: ?1 finding id
-- Result: event, role
SELECT event, role FROM finding_evidence WHERE finding = ?1 ORDER BY position;
