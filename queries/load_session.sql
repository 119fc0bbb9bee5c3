-- Purpose: one logon session, for the chain views.
-- Parameters: ?1 session id
-- Result: host, boot, logon_id, start_ticks, end_ticks, end_seen, privileged, logon_event, logoff_event, hop
SELECT host, boot, logon_id, start_ticks, end_ticks, end_seen, privileged, logon_event,
       logoff_event, hop
FROM sessions WHERE id = ?1;
