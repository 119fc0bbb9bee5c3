-- Purpose: one host identity.
-- Parameters: ?1 id, ?2 name, ?3 fqdn, ?4 learned_from, ?5 has_log, ?6 kdc,
--   ?7 collector, ?8 service_account, ?9 clock_offset_ticks, ?10 clock_pairs,
--   ?11 clock_ref, ?12 clock_corrected
-- Result: none
INSERT INTO hosts (
	id, name, fqdn, learned_from, has_log, kdc, collector, service_account,
	clock_offset_ticks, clock_pairs, clock_ref, clock_corrected
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);
