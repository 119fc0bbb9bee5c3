-- Purpose: one event cited by a hop.
-- Parameters: ?1 hop, ?2 position (1-based), ?3 event, ?4 role
-- Result: none
INSERT INTO hop_evidence (hop, position, event, role) VALUES (?1, ?2, ?3, ?4);
