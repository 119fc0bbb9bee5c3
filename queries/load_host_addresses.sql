-- Purpose: every host address of the analysis, for the chain views.
-- Parameters: none
-- Result: host, address, learned_from, event
SELECT host, address, learned_from, event FROM host_addresses ORDER BY id;
