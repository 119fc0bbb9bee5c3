-- Purpose: one host identity.
-- Parameters: ?1 id, ?2 name, ?3 fqdn, ?4 learned_from, ?5 has_log
-- Result: none
INSERT INTO hosts (id, name, fqdn, learned_from, has_log) VALUES (?1, ?2, ?3, ?4, ?5);
