-- Issue 15: erasure on request. One row per pupil erased from this vault: the record id, when,
-- by whom (a user id) and the lead's reason (with the pupil's names taken out before it is
-- written). Nothing else about the pupil. The key-slot file's authenticated record keeps the
-- ids too (a restore replaces this database, not that file); the two together are the list
-- of pupils erased again whenever a database that still holds one is opened. Local to each
-- vault (never synced: the erasure itself travels as the deletion of the rows).
CREATE TABLE IF NOT EXISTS pupil_erasures (
    pupil_id INTEGER NOT NULL PRIMARY KEY,
    erased_at TEXT NOT NULL,
    erased_by TEXT NOT NULL,
    reason TEXT NOT NULL
);
