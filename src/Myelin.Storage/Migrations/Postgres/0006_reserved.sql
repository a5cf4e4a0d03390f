-- Placeholder for the reserved migration number 6 (migrations must be numbered without gaps).
-- Whichever branch owns 0006 replaces this file when merged.
SELECT 1;
