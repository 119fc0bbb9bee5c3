-- Purpose: how many tables, views, indexes and triggers a database holds,
--   to tell a new empty database (0) from someone else's (user_version 0
--   but not empty), which hopchain refuses to touch.
-- Parameters: none
-- Result: n
SELECT count(*) FROM sqlite_schema;
