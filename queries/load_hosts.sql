-- Purpose: every host of the analysis, for the chain views.
-- Parameters: none
-- Result: id, name, fqdn, learned_from, has_log, kdc, collector, service_account, clock_offset_ticks, clock_pairs, clock_ref, clock_corrected
SELECT id, name, fqdn, learned_from, has_log, kdc, collector, service_account,
       clock_offset_ticks, clock_pairs, clock_ref, clock_corrected
FROM hosts ORDER BY id;
