-- Purpose: `hopchain sessions`: the logon sessions of every host (host,
--   logon id, the account of its logon, logon and logoff time, the end
--   the analysis assumed when no logoff was seen, duration), by host and
--   time. Filters are optional (NULL: not applied); patterns are PCRE2,
--   searched case-insensitively; a session matches the time range when
--   it overlaps it.
-- Parameters: ?1 account pattern (user name), ?2 host pattern (canonical
--   name or FQDN), ?3 from (ticks), ?4 to (ticks)
-- Result: host, logon_id, account, logon_type, logon, logoff, end, duration_seconds, logoff_seen, privileged, src_host, boot, file, record_id
SELECT x.name AS host, printf('0x%x', s.logon_id) AS logon_id,
	CASE WHEN e.anonymous THEN 'ANONYMOUS LOGON'
		WHEN e.id IS NULL THEN NULL
		ELSE coalesce(e.target_domain || '\', '') || coalesce(e.target_user, '-') END
		AS account,
	e.logon_type, s.start_text AS logon,
	CASE WHEN s.end_seen THEN s.end_text END AS logoff,
	s.end_text AS "end",
	(s.end_ticks - s.start_ticks) / 1e7 AS duration_seconds,
	s.end_seen AS logoff_seen, s.privileged,
	(SELECT sh.name FROM hops hp JOIN hosts sh ON sh.id = hp.src_host
		WHERE hp.id = s.hop) AS src_host,
	s.boot, f.path AS file, e.record_id
FROM sessions s
	JOIN hosts x ON x.id = s.host
	LEFT JOIN events e ON e.id = s.logon_event
	LEFT JOIN files f ON f.id = e.file
WHERE s.start_ticks <= coalesce(?4, 9223372036854775807)
	AND s.end_ticks >= coalesce(?3, -9223372036854775807 - 1)
	AND (?1 IS NULL OR regexp_nocase(?1, e.target_user))
	AND (?2 IS NULL OR regexp_nocase(?2, x.name) OR regexp_nocase(?2, x.fqdn))
ORDER BY x.name, s.start_ticks, s.id;
