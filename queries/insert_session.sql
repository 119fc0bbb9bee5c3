-- Purpose: one logon session.
-- Parameters: ?1 id, ?2 host, ?3 boot, ?4 logon_id, ?5 start_ticks,
--   ?6 start_text, ?7 end_ticks, ?8 end_text, ?9 end_seen, ?10 privileged,
--   ?11 logon_event, ?12 logoff_event, ?13 hop
-- Result: none
INSERT INTO sessions (
	id, host, boot, logon_id, start_ticks, start_text, end_ticks, end_text,
	end_seen, privileged, logon_event, logoff_event, hop
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13);
