-- Purpose: one input file taken into the store (its counters are set by
--   update_file.sql once its events are in, in the same transaction).
-- Parameters: ?1 path, ?2 sha256 (hex or NULL), ?3 size (or NULL),
--   ?4 backend, ?5 added_text (RFC 3339)
-- Result: none (the id is the last inserted rowid)
INSERT INTO files (path, sha256, size, backend, added_text) VALUES (?1, ?2, ?3, ?4, ?5);
