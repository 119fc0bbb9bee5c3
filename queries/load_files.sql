-- Purpose: the files of a case, to name the file of each loaded event.
-- Parameters: none
-- Result: id, path
SELECT id, path FROM files ORDER BY id;
