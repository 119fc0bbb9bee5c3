-- Purpose: whether a file with this content is in the case already.
-- Parameters: ?1 sha256 (hex)
-- Result: path of the first file with that content (no row: new content)
SELECT path FROM files WHERE sha256 = ?1 ORDER BY id LIMIT 1;
