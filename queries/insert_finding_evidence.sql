-- Purpose: one record a finding rests on.
-- Parameters: ?1 finding, ?2 position, ?3 event, ?4 role
-- Result: none
INSERT INTO finding_evidence (finding, position, event, role) VALUES (?1, ?2, ?3, ?4);
