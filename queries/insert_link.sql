-- Purpose: one candidate link between two hops.
-- Parameters: ?1 id, ?2 parent, ?3 child, ?4 confidence, ?5 gap_ticks,
--   ?6 via_4648, ?7 account_match, ?8 ambiguous, ?9 rank, ?10 restricted_admin,
--   ?11 proof
-- Result: none
INSERT INTO links (
	id, parent, child, confidence, gap_ticks, via_4648, account_match, ambiguous, rank,
	restricted_admin, proof
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11);
