-- Purpose: one link, for the chain views.
-- Parameters: ?1 link id
-- Result: parent, child, confidence, gap_ticks, via_4648, account_match, ambiguous, restricted_admin, proof
SELECT parent, child, confidence, gap_ticks, via_4648, account_match, ambiguous,
       restricted_admin, proof
FROM links WHERE id = ?1;
