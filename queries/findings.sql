-- Purpose: `hopchain findings`: every finding with its chain, hop, hosts,
--   account and time, in the analysis' order (by chain, then as found).
--   Filters are optional (NULL: not applied); patterns are PCRE2, searched
--   case-insensitively; the time range applies to the hop's time.
-- Parameters: ?1 account pattern (user name of the hop), ?2 host pattern
--   (canonical name or FQDN of the hop's source or destination), ?3 from
--   (ticks), ?4 to (ticks), ?5 minimum hops of the chain, ?6 finding id,
--   ?7 minimum severity rank (0 info .. 3 high)
--   `evidence` is a JSON array of the records the finding rests on (file,
--   record_id, event_id, role), as in analyze's JSON.
-- Result: chain, hop, severity, id, technique, time, src_host, dst_host, account, what, todo, evidence
SELECT c.name AS chain, f.hop_position AS hop, f.severity, f.code AS id, f.technique,
	h.time_text AS time, s.name AS src_host, d.name AS dst_host, h.account, f.what, f.todo,
	(SELECT json_group_array(json_object('file', fl.path, 'record_id', e.record_id,
			'event_id', e.event_id, 'role', fe.role))
		FROM (SELECT * FROM finding_evidence WHERE finding = f.id ORDER BY position) fe
			JOIN events e ON e.id = fe.event
			LEFT JOIN files fl ON fl.id = e.file) AS evidence
FROM findings f
	JOIN chains c ON c.id = f.chain
	LEFT JOIN hops h ON h.id = f.hop
	LEFT JOIN hosts s ON s.id = h.src_host
	LEFT JOIN hosts d ON d.id = h.dst_host
WHERE c.nhops >= ?5
	AND (?3 IS NULL OR h.time_ticks >= ?3)
	AND (?4 IS NULL OR h.time_ticks <= ?4)
	AND (?1 IS NULL OR regexp_nocase(?1, substr(h.account, instr(h.account, '\') + 1)))
	AND (?2 IS NULL OR regexp_nocase(?2, d.name) OR regexp_nocase(?2, d.fqdn)
		OR regexp_nocase(?2, s.name) OR regexp_nocase(?2, s.fqdn))
	AND (?6 IS NULL OR f.code = ?6)
	AND (?7 IS NULL OR f.severity_rank >= ?7)
ORDER BY c.id, f.id;
