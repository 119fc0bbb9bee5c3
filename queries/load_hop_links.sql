-- Purpose: the candidate parents of a hop (the links listed for it, best
--   first), for the chain views.
-- Parameters: ?1 hop id (the child)
-- Result: id, parent
SELECT id, parent FROM links WHERE child = ?1 AND rank IS NOT NULL ORDER BY rank;
