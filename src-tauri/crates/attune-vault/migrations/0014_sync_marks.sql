-- Issue 17: the marks that make a sync's capture look only at the rows written since the last
-- one (attune-sync's DESIGN.md, "Marks"). Local to each vault, never copied or sent. The
-- same definitions as in `attune_sync::changes::BOOKKEEPING_SQL`.
--
-- The triggers that fill `sync_dirty_rows` are not made here: attune-sync puts them on every
-- synced table when the sync base is made or attached (`changes::install_base`), from the
-- list of synced tables itself, and marks a table whole in `sync_dirty` when its triggers
-- were missing — so a table added to sync, or rebuilt by a later migration (which drops its
-- triggers), is never left unmarked. A vault that has never synced has no triggers and
-- nothing marked.

-- Tables to compare whole at the next capture.
CREATE TABLE IF NOT EXISTS sync_dirty (tbl TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID;
-- The rows written in each synced table since the base last took them: the key (a second
-- column of '' for a one-column key) and a count of writes, so a mark read by a capture is
-- cleared only if nothing wrote the row again meanwhile.
CREATE TABLE IF NOT EXISTS sync_dirty_rows (
    tbl TEXT NOT NULL, k1 BLOB NOT NULL, k2 BLOB NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (tbl, k1, k2)) WITHOUT ROWID;
