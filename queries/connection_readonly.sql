-- Purpose: connection settings of a store opened for reading (the query
--   commands and `hopchain sql`): no statement may write (query_only, on
--   top of the read-only open and the authorizer in engine/store.c),
--   schema-defined functions and virtual tables are not trusted, and
--   damaged b-tree cells are checked (the file may come from anyone).
-- Parameters: none
-- Result: none
PRAGMA query_only = ON;
PRAGMA trusted_schema = OFF;
PRAGMA cell_size_check = ON;
PRAGMA cache_size = -65536;
PRAGMA temp_store = MEMORY;
