-- Purpose: `hopchain timeline`: every extracted event of one account
--   (4624, 4625, 4634, 4647, 4648, 4672, 4768, 4769, 4771, 4776, 4778,
--   4779 ...) across all hosts, in time order. The pattern is matched
--   against the distinct user names first (a scan of the covering indexes
--   events_target_user and events_subject_user), and the events of the
--   names that match are then read through those indexes: no pass over
--   the events table.
-- Parameters: ?1 account pattern (PCRE2, searched case-insensitively in
--   TargetUserName and SubjectUserName), ?2 host pattern (canonical name
--   or Computer), ?3 from (ticks), ?4 to (ticks)
-- Result: time, host, event_id, action, target, subject, logon_type, package, ip, workstation, logon_id, target_server, service_name, status, file, record_id
WITH names(u) AS (
	SELECT DISTINCT target_user FROM events WHERE target_user IS NOT NULL
	UNION
	SELECT DISTINCT subject_user FROM events WHERE subject_user IS NOT NULL
), hit(u) AS (
	SELECT u FROM names WHERE regexp_nocase(?1, u)
), ev AS (
	SELECT e.*, lower(CASE WHEN instr(e.computer, '.') > 1
		THEN substr(e.computer, 1, instr(e.computer, '.') - 1)
		ELSE e.computer END) AS host
	FROM events e
	WHERE (e.target_user IN hit OR e.subject_user IN hit)
		AND e.time_ticks >= coalesce(?3, -9223372036854775807 - 1)
		AND e.time_ticks <= coalesce(?4, 9223372036854775807)
)
SELECT ev.time_text AS time, ev.host, ev.event_id,
	CASE ev.event_id
		WHEN 4624 THEN 'logon' WHEN 4625 THEN 'logon failed'
		WHEN 4634 THEN 'logoff' WHEN 4647 THEN 'logoff (user)'
		WHEN 4648 THEN 'explicit credentials' WHEN 4672 THEN 'special privileges'
		WHEN 4768 THEN 'TGT requested' WHEN 4769 THEN 'service ticket requested'
		WHEN 4771 THEN 'pre-authentication failed' WHEN 4776 THEN 'NTLM validation'
		WHEN 4778 THEN 'session reconnected' WHEN 4779 THEN 'session disconnected'
		WHEN 4608 THEN 'boot' ELSE 'event' END AS action,
	CASE WHEN ev.anonymous THEN 'ANONYMOUS LOGON'
		WHEN ev.target_user IS NULL THEN NULL
		ELSE coalesce(ev.target_domain || '\', '') || ev.target_user END AS target,
	CASE WHEN ev.subject_user IS NULL THEN NULL
		ELSE coalesce(ev.subject_domain || '\', '') || ev.subject_user END AS subject,
	ev.logon_type, ev.package, ev.ip, ev.workstation,
	CASE WHEN ev.target_logon_id IS NOT NULL THEN printf('0x%x', ev.target_logon_id)
		WHEN ev.subject_logon_id IS NOT NULL THEN printf('0x%x', ev.subject_logon_id)
		END AS logon_id,
	ev.target_server, ev.service_name,
	CASE WHEN ev.status IS NOT NULL THEN printf('0x%08x', ev.status) END AS status,
	f.path AS file, ev.record_id
FROM ev LEFT JOIN files f ON f.id = ev.file
WHERE ?2 IS NULL OR regexp_nocase(?2, ev.host) OR regexp_nocase(?2, ev.computer)
ORDER BY ev.time_ticks, ev.id;
