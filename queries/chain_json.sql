-- Purpose: one chain as the chain object of `analyze --format json` (the
--   README contract), for `hopchain chains --format json|jsonl`: id,
--   start, end, accounts (distinct, in hop order), hops (index, hosts,
--   source, time, account, package, logon type, flags, event id,
--   session, link with its candidates, evidence) and findings. Numbers
--   are rounded as analyze prints them: confidences to 2 decimals, gaps
--   to 6 significant digits. Nested values pass through json() because
--   a subquery drops SQLite's JSON subtype.
-- Parameters: ?1 chain id (chains.id)
-- Result: id, start, end, accounts, hops, findings
SELECT c.name AS id, c.start_text AS start, c.end_text AS "end",
	(SELECT json_group_array(account) FROM (
		SELECT h.account COLLATE BINARY AS account, min(ch.position) AS first
		FROM chain_hops ch JOIN hops h ON h.id = ch.hop
		WHERE ch.chain = c.id
		GROUP BY h.account COLLATE BINARY
		ORDER BY first)) AS accounts,
	(SELECT json_group_array(json(hop)) FROM (
		SELECT json_object(
			'index', ch.position,
			'src_host', s.name,
			'dst_host', d.name,
			'src_ip', h.src_ip,
			'source_resolved_by', h.src_how,
			'time', h.time_text,
			'account', h.account,
			'account_sid', h.account_sid,
			'package', h.package,
			'lm_package', h.lm_package,
			'logon_type', h.logon_type,
			'logon_type_name', logon_type_name(h.logon_type),
			'impersonation', h.impersonation,
			'anonymous', json(CASE WHEN h.anonymous THEN 'true' ELSE 'false' END),
			'failed', json(CASE WHEN h.failed THEN 'true' ELSE 'false' END),
			'event_id', e.event_id,
			'session', json((
				SELECT json_object(
					'logon_id', printf('0x%x', ss.logon_id),
					'start', ss.start_text,
					'end', ss.end_text,
					'logoff_seen', json(CASE WHEN ss.end_seen THEN 'true' ELSE 'false' END),
					'privileged', json(CASE WHEN ss.privileged THEN 'true' ELSE 'false' END))
				FROM sessions ss WHERE ss.id = h.session)),
			'link', json((
				SELECT json_object(
					'confidence', CAST(l.confidence * 100 + 0.5 AS INTEGER) / 100.0,
					'gap_seconds', CAST(printf('%.6g', l.gap_ticks / 1e7) AS REAL),
					'via_4648', json(CASE WHEN l.via_4648 THEN 'true' ELSE 'false' END),
					'account_match',
						json(CASE WHEN l.account_match THEN 'true' ELSE 'false' END),
					'restricted_admin',
						json(CASE WHEN l.restricted_admin THEN 'true' ELSE 'false' END),
					'ambiguous', json(CASE WHEN l.ambiguous THEN 'true' ELSE 'false' END),
					'candidates', json((
						SELECT json_group_array(json(cand)) FROM (
							SELECT json_object(
								'src_host', ps.name,
								'account', pe.target_user,
								'file', pf.path,
								'record_id', pe.record_id,
								'confidence',
									CAST(cl.confidence * 100 + 0.5 AS INTEGER) / 100.0)
								AS cand
							FROM links cl JOIN hops p ON p.id = cl.parent
								LEFT JOIN hosts ps ON ps.id = p.src_host
								JOIN events pe ON pe.id = p.event
								LEFT JOIN files pf ON pf.id = pe.file
							WHERE cl.child = h.id AND cl.rank IS NOT NULL
							ORDER BY cl.rank))))
				FROM links l WHERE l.id = ch.link)),
			'evidence', json((
				SELECT json_group_array(json(ev)) FROM (
					SELECT json_object('file', xf.path, 'record_id', xe.record_id,
						'event_id', xe.event_id, 'role', x.role) AS ev,
						0 AS part, x.position AS pos
					FROM hop_evidence x JOIN events xe ON xe.id = x.event
						LEFT JOIN files xf ON xf.id = xe.file
					WHERE x.hop = h.id
					UNION ALL
					SELECT json_object('file', sf.path, 'record_id', se.record_id,
						'event_id', se.event_id, 'role', 'source-session'), 1, 0
					FROM chain_hops pch JOIN hops ph ON ph.id = pch.hop
						JOIN sessions pss ON pss.id = ph.session
						JOIN events se ON se.id = pss.logon_event
						LEFT JOIN files sf ON sf.id = se.file
					WHERE pch.chain = ch.chain AND pch.position = ch.position - 1
					ORDER BY part, pos)))
			) AS hop
		FROM chain_hops ch JOIN hops h ON h.id = ch.hop
			LEFT JOIN hosts s ON s.id = h.src_host
			JOIN hosts d ON d.id = h.dst_host
			JOIN events e ON e.id = h.event
		WHERE ch.chain = c.id
		ORDER BY ch.position)) AS hops,
	(SELECT json_group_array(json_object('id', f.code, 'severity', f.severity,
			'technique', f.technique, 'hop', f.hop_position, 'what', f.what,
			'todo', f.todo))
		FROM (SELECT * FROM findings WHERE chain = c.id ORDER BY id) f) AS findings
FROM chains c
WHERE c.id = ?1;
