-- Purpose: undo a failed write: the database keeps the previous analysis.
-- Parameters: none
-- Result: none
ROLLBACK;
