-- Purpose: one hop of a chain.
-- Parameters: ?1 chain, ?2 position (1-based), ?3 hop, ?4 link (NULL first)
-- Result: none
INSERT INTO chain_hops (chain, position, hop, link) VALUES (?1, ?2, ?3, ?4);
