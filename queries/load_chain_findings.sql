-- Purpose: the findings of a chain in the analysis' order.
-- Parameters: ?1 chain id
-- Result: id, hop_position, code, severity_rank, technique, what, todo
SELECT id, hop_position, code, severity_rank, technique, what, todo
FROM findings WHERE chain = ?1 ORDER BY id;
