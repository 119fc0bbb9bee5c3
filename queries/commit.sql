-- Purpose: end the write transaction of hc_store_write.
-- Parameters: none
-- Result: none
COMMIT;
