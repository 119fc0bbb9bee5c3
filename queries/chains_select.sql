-- Purpose: the chains `hopchain chains` lists: every filter is optional
--   (NULL: not applied), chains in the order of the analysis. --account
--   and --host are PCRE2 patterns searched case-insensitively; --through
--   names a host that some hop of the chain enters and a later hop leaves,
--   by canonical name, FQDN or address, found through the indexes
--   hosts_name, hosts_fqdn, host_addresses_address -> hops_dst ->
--   chain_hops_hop (no scan of hops or chain_hops).
-- Parameters: ?1 account pattern (searched in the user name: the part of
--   DOMAIN\user after the backslash, 'ANONYMOUS LOGON' for anonymous hops),
--   ?2 host pattern (canonical name or FQDN of any host of the chain),
--   ?3 through host (name or FQDN), ?4 through address (normalised),
--   ?5 from (ticks; the chain ends at or after it), ?6 to (ticks; the
--   chain starts at or before it), ?7 minimum number of hops,
--   ?8 finding id, ?9 minimum finding severity rank (0 info .. 3 high),
--   ?10 1 for chains of every class of hop, 0 for users' only (the first
--   hop's class: only user hops continue chains)
-- Result: id, name, start, end, nhops
SELECT c.id, c.name, c.start_text AS start, c.end_text AS "end", c.nhops
FROM chains c
WHERE c.nhops >= ?7
	AND (?10 OR (SELECT h.class FROM chain_hops ch JOIN hops h ON h.id = ch.hop
		WHERE ch.chain = c.id AND ch.position = 1) = 'user')
	AND (?5 IS NULL OR c.end_ticks >= ?5)
	AND (?6 IS NULL OR c.start_ticks <= ?6)
	AND (?1 IS NULL OR EXISTS (
		SELECT 1 FROM chain_hops ch JOIN hops h ON h.id = ch.hop
		WHERE ch.chain = c.id
			AND regexp_nocase(?1, substr(h.account, instr(h.account, '\') + 1))))
	AND (?2 IS NULL OR EXISTS (
		SELECT 1 FROM chain_hops ch JOIN hops h ON h.id = ch.hop
			JOIN hosts x ON x.id = h.src_host OR x.id = h.dst_host
		WHERE ch.chain = c.id
			AND (regexp_nocase(?2, x.name) OR regexp_nocase(?2, x.fqdn))))
	AND ((?3 IS NULL AND ?4 IS NULL) OR c.id IN (
		SELECT ch.chain
		FROM hops h JOIN chain_hops ch ON ch.hop = h.id
			JOIN chains k ON k.id = ch.chain
		WHERE h.dst_host IN (
				SELECT x.id FROM hosts x WHERE x.name = ?3 OR x.fqdn = ?3
				UNION
				SELECT a.host FROM host_addresses a WHERE a.address = ?4)
			AND ch.position < k.nhops))
	AND ((?8 IS NULL AND ?9 IS NULL) OR EXISTS (
		SELECT 1 FROM findings f
		WHERE f.chain = c.id AND (?8 IS NULL OR f.code = ?8)
			AND (?9 IS NULL OR f.severity_rank >= ?9)))
ORDER BY c.id;
