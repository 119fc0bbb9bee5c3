-- Purpose: one chain and its hops, for the chain views.
-- Parameters: ?1 chain id
-- Result: name, start_ticks, end_ticks, position, hop, link (NULL at position 1)
SELECT c.name, c.start_ticks, c.end_ticks, ch.position, ch.hop, ch.link
FROM chains c JOIN chain_hops ch ON ch.chain = c.id
WHERE c.id = ?1 ORDER BY ch.position;
