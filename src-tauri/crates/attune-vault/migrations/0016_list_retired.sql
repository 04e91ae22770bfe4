-- Issue 15, item 6: a school list's item can be retired: no longer offered for new choices,
-- but kept on the records that hold it and in summaries, and it can be brought back. Synced
-- with the rest of the row (list_items is a school setting).
ALTER TABLE list_items ADD COLUMN retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1));
