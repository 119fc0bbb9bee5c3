-- Purpose: one extracted event with its normalised columns and its
--   EventData as a JSON object, unless the case holds it already: the same
--   host, channel and record id at a time within the window (HC_DUP_WINDOW;
--   see the events table in schema.sql). changes() = 0 then.
-- Parameters: ?1 id (NULL: the next free one), ?2 file, ?3 record_id, ?4 time_ticks, ?5 time_text,
--   ?6 computer, ?7 channel, ?8 provider, ?9 event_id, ?10 version,
--   ?11 recovered, ?12 truncated, ?13 subject_user, ?14 subject_domain,
--   ?15 subject_sid, ?16 subject_logon_id, ?17 target_user,
--   ?18 target_domain, ?19 target_sid, ?20 target_logon_id,
--   ?21 linked_logon_id, ?22 logon_type, ?23 logon_process, ?24 package,
--   ?25 lm_package, ?26 key_length, ?27 impersonation, ?28 workstation,
--   ?29 ip, ?30 port, ?31 process_name, ?32 logon_guid, ?33 status,
--   ?34 substatus, ?35 failure_reason, ?36 target_server, ?37 service_name,
--   ?38 anonymous, ?39 data, ?40 host (first label of the Computer),
--   ?41 window
-- Result: none
INSERT INTO events (
	id, file, record_id, time_ticks, time_text, computer, channel, provider,
	event_id, version, recovered, truncated, subject_user, subject_domain,
	subject_sid, subject_logon_id, target_user, target_domain, target_sid,
	target_logon_id, linked_logon_id, logon_type, logon_process, package,
	lm_package, key_length, impersonation, workstation, ip, port,
	process_name, logon_guid, status, substatus, failure_reason,
	target_server, service_name, anonymous, data, host
)
SELECT
	?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
	?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30,
	?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40
WHERE NOT EXISTS (
	SELECT 1 FROM events
	WHERE host = ?40 AND channel = ?7 AND record_id = ?3
		AND time_ticks BETWEEN ?4 - ?41 AND ?4 + ?41
);
