-- Issue 16, item 7: a crisis-support session note is where a disclosure will be typed. The
-- concern itself belongs in the school's safeguarding system; the session keeps only a
-- cross-reference to it, as a chronology event does (`chronology.safeguarding_ref`). NULL when
-- there is none. Synced with the rest of the row.
ALTER TABLE sessions ADD COLUMN safeguarding_ref TEXT;
