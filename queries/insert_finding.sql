-- Purpose: one finding of a chain.
-- Parameters: ?1 chain, ?2 hop_position, ?3 hop, ?4 code, ?5 severity,
--   ?6 severity_rank, ?7 technique, ?8 what, ?9 todo
-- Result: none
INSERT INTO findings (
	chain, hop_position, hop, code, severity, severity_rank, technique, what, todo
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);
