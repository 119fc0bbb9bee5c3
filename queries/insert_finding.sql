-- Purpose: one finding of a chain.
-- Parameters: ?1 id, ?2 chain, ?3 hop_position, ?4 hop, ?5 code, ?6 severity,
--   ?7 severity_rank, ?8 technique, ?9 what, ?10 todo
-- Result: none
INSERT INTO findings (
	id, chain, hop_position, hop, code, severity, severity_rank, technique, what, todo
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);
