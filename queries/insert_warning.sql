-- Purpose: one correlation warning.
-- Parameters: ?1 message
-- Result: none
INSERT INTO warnings (message) VALUES (?1);
