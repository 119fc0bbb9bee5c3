-- Purpose: one address of a host and where it was learned.
-- Parameters: ?1 host, ?2 address, ?3 learned_from, ?4 event (NULL: --hosts)
-- Result: none
INSERT INTO host_addresses (host, address, learned_from, event) VALUES (?1, ?2, ?3, ?4);
