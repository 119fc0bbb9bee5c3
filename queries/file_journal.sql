-- Purpose: journal settings of a store in a file: write-ahead log (readers
--   do not block the writer) and synchronous=NORMAL (durable at
--   checkpoints, safe against corruption; the analysis can be re-run).
-- Parameters: none
-- Result: none
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
