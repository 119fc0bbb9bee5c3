-- Purpose: start the one write transaction of hc_store_write (taking the
--   write lock at once, so a second writer fails early).
-- Parameters: none
-- Result: none
BEGIN IMMEDIATE;
