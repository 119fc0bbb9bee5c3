-- Purpose: the hops of one chain in order, for the story (table), csv and
--   dot views of `hopchain chains`. Labels are those of analyze's views:
--   src_host is the source host, else its address (not for a 4648-made
--   hop), else '?'; account is the user name ('ANONYMOUS LOGON', '?').
--   The columns after `findings` feed the story and dot views only.
-- Parameters: ?1 chain id (chains.id)
-- Result: chain, hop, time, src_host, dst_host, account, package, logon_type, anonymous, event_id, file, record_id, link_confidence, findings, src_id, dst_id, src_has_log, dst_has_log, failed, src_how, via_4648, ambiguous, candidates, worst_severity, restricted_admin
SELECT c.name AS chain, ch.position AS hop, h.time_text AS time,
	CASE WHEN s.id IS NOT NULL THEN s.name
		WHEN e.event_id <> 4648 AND h.src_ip IS NOT NULL THEN h.src_ip
		ELSE '?' END AS src_host,
	d.name AS dst_host,
	CASE WHEN h.anonymous THEN 'ANONYMOUS LOGON' ELSE coalesce(e.target_user, '?') END
		AS account,
	h.package, h.logon_type, h.anonymous, e.event_id, f.path AS file, e.record_id,
	l.confidence AS link_confidence,
	(SELECT group_concat(code, ';') FROM (
		SELECT code FROM findings
		WHERE chain = ch.chain AND hop_position = ch.position ORDER BY id)) AS findings,
	h.src_host AS src_id, h.dst_host AS dst_id, s.has_log AS src_has_log,
	d.has_log AS dst_has_log, h.failed, h.src_how, l.via_4648, l.ambiguous,
	(SELECT count(*) FROM links WHERE child = h.id AND rank IS NOT NULL) AS candidates,
	(SELECT max(severity_rank) FROM findings
		WHERE chain = ch.chain AND hop_position = ch.position) AS worst_severity,
	l.restricted_admin
FROM chains c JOIN chain_hops ch ON ch.chain = c.id
	JOIN hops h ON h.id = ch.hop
	LEFT JOIN hosts s ON s.id = h.src_host
	JOIN hosts d ON d.id = h.dst_host
	JOIN events e ON e.id = h.event
	LEFT JOIN files f ON f.id = e.file
	LEFT JOIN links l ON l.id = ch.link
WHERE c.id = ?1
ORDER BY ch.position;
