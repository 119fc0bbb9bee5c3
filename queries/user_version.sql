-- Purpose: the schema version of an open database (0 for a new one).
-- Parameters: none
-- Result: user_version
PRAGMA user_version;
