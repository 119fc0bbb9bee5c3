-- Purpose: `hopchain hops`: every hop (an inbound logon from another
--   host, or a client's 4648 for a host without a log) in time order,
--   with the chains it is part of. Filters are optional (NULL: not
--   applied); patterns are PCRE2, searched case-insensitively.
-- Parameters: ?1 account pattern (user name: DOMAIN\user after the
--   backslash), ?2 host pattern (canonical name or FQDN of the source or
--   the destination), ?3 from (ticks), ?4 to (ticks), ?5 only failed
--   hops when 1
--   `hop` is the hop's number (for `hopchain explain`), `class` user,
--   machine, collector or null-session, `repeat_of` the hop of the same act
--   this logon was folded into.
-- Result: hop, time, src_host, src_ip, dst_host, account, package, lm_package, logon_type, anonymous, failed, class, repeat_of, source_resolved_by, event_id, file, record_id, chains
SELECT h.id AS hop, h.time_text AS time, s.name AS src_host, h.src_ip, d.name AS dst_host,
	h.account, h.package, h.lm_package, h.logon_type, h.anonymous, h.failed, h.class,
	h.repeat_of, h.src_how AS source_resolved_by, e.event_id, f.path AS file, e.record_id,
	(SELECT group_concat(name, ',') FROM (
		SELECT k.name FROM chain_hops ch JOIN chains k ON k.id = ch.chain
		WHERE ch.hop = h.id ORDER BY k.id)) AS chains
FROM hops h
	LEFT JOIN hosts s ON s.id = h.src_host
	JOIN hosts d ON d.id = h.dst_host
	JOIN events e ON e.id = h.event
	LEFT JOIN files f ON f.id = e.file
WHERE h.time_ticks >= coalesce(?3, -9223372036854775807 - 1)
	AND h.time_ticks <= coalesce(?4, 9223372036854775807)
	AND (?1 IS NULL OR regexp_nocase(?1, substr(h.account, instr(h.account, '\') + 1)))
	AND (?2 IS NULL OR regexp_nocase(?2, d.name) OR regexp_nocase(?2, d.fqdn)
		OR regexp_nocase(?2, s.name) OR regexp_nocase(?2, s.fqdn))
	AND (?5 IS NULL OR ?5 = 0 OR h.failed = 1)
ORDER BY h.time_ticks, h.id;
