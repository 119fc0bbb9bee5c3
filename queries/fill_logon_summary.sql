-- Purpose: fills logon_summary from the events and hops of the analysis
--   just written (run after schema_indexes.sql: the source host of each
--   logon is found through hops_event). One pass over the events;
--   time_text orders like time_ticks (fixed width, UTC).
-- Parameters: none
-- Result: none
INSERT INTO logon_summary (
	target_account, target_host, src_host, src_ip, logon_type, package, lm_package,
	success, failure, first_ticks, first_text, last_ticks, last_text
)
SELECT target_account, target_host, src_host, ip, logon_type, package, lm_package,
	sum(event_id = 4624), sum(event_id = 4625),
	min(time_ticks), min(time_text), max(time_ticks), max(time_text)
FROM (
	SELECT e.event_id, e.time_ticks, e.time_text, e.ip, e.logon_type, e.package,
		e.lm_package,
		CASE WHEN e.anonymous THEN 'ANONYMOUS LOGON'
			ELSE coalesce(e.target_domain || '\', '') || coalesce(e.target_user, '-')
		END AS target_account,
		lower(CASE WHEN instr(e.computer, '.') > 1
			THEN substr(e.computer, 1, instr(e.computer, '.') - 1)
			ELSE e.computer END) AS target_host,
		coalesce(
			(SELECT s.name FROM hops h JOIN hosts s ON s.id = h.src_host
			 WHERE h.event = e.id LIMIT 1),
			lower(CASE WHEN instr(e.workstation, '.') > 1
				THEN substr(e.workstation, 1, instr(e.workstation, '.') - 1)
				ELSE e.workstation END)) AS src_host
	FROM events e
	WHERE e.event_id IN (4624, 4625)
)
GROUP BY target_account COLLATE NOCASE, target_host COLLATE NOCASE,
	src_host COLLATE NOCASE, ip, logon_type, package, lm_package;
