-- Purpose: what the chain views leave out of the analysis (the story's
--   "hidden" lines and the JSON's "hidden" object): the first logons of
--   their act that are no user's movement, per class, and the chains
--   shorter than --min-hops (users' only, unless --all).
-- Parameters: ?1 minimum number of hops, ?2 1 for every class (--all)
-- Result: machine, collector, null_session, short_chains
SELECT
	(SELECT count(*) FROM hops WHERE repeat_of IS NULL AND absorbed = 0
		AND class = 'machine') AS machine,
	(SELECT count(*) FROM hops WHERE repeat_of IS NULL AND absorbed = 0
		AND class = 'collector') AS collector,
	(SELECT count(*) FROM hops WHERE repeat_of IS NULL AND absorbed = 0
		AND class = 'null-session') AS null_session,
	(SELECT count(*) FROM chains c
		JOIN chain_hops ch ON ch.chain = c.id AND ch.position = 1
		JOIN hops h ON h.id = ch.hop
		WHERE c.nhops < ?1 AND (?2 OR h.class = 'user')) AS short_chains;
