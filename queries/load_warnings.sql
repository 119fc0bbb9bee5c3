-- Purpose: the warnings of the analysis, in order.
-- Parameters: none
-- Result: message
SELECT message FROM warnings ORDER BY id;
