-- Purpose: one hop.
-- Parameters: ?1 id, ?2 event, ?3 time_ticks, ?4 time_text, ?5 src_host,
--   ?6 dst_host, ?7 src_ip, ?8 src_how, ?9 account, ?10 account_sid,
--   ?11 package, ?12 lm_package, ?13 logon_type, ?14 impersonation,
--   ?15 anonymous, ?16 failed, ?17 session, ?18 src_session, ?19 class,
--   ?20 class_why, ?21 at_ticks, ?22 repeat_of, ?23 src_proof, ?24 absorbed
-- Result: none
INSERT INTO hops (
	id, event, time_ticks, time_text, src_host, dst_host, src_ip, src_how,
	account, account_sid, package, lm_package, logon_type, impersonation,
	anonymous, failed, session, src_session, class, class_why, at_ticks, repeat_of,
	src_proof, absorbed
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
	?19, ?20, ?21, ?22, ?23, ?24);
