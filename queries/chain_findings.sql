-- Purpose: the findings of one chain in the analysis' order, for the
--   story view of `hopchain chains`.
-- Parameters: ?1 chain id (chains.id)
-- Result: severity, severity_rank, id, hop, technique, what, todo
SELECT severity, severity_rank, code AS id, hop_position AS hop, technique, what, todo
FROM findings
WHERE chain = ?1
ORDER BY findings.id;
