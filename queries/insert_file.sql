-- Purpose: one input file.
-- Parameters: ?1 id, ?2 path
-- Result: none
INSERT INTO files (id, path) VALUES (?1, ?2);
