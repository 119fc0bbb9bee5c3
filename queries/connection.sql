-- Purpose: connection settings for every store. Foreign keys are declared
--   in the schema but not enforced while hopchain writes: the writer
--   assigns every id itself and drops whole tables, where enforcement
--   only costs time (tests/store runs PRAGMA foreign_key_check instead).
--   A large page cache and in-memory temporaries speed up index builds.
-- Parameters: none
-- Result: none
PRAGMA foreign_keys = OFF;
PRAGMA cache_size = -65536;
PRAGMA temp_store = MEMORY;
