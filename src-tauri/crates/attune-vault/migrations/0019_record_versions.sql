-- Issue 16, item 1: a session, chronology event, instrument score or termly indicator entered
-- wrongly can be corrected or withdrawn, with a reason; nothing is lost.
--
-- Design: the record's own row always holds its current values, so everything that reads it
-- (the pupil's page, summaries, search, the handover pack, sync) reads the corrected value
-- with no change. A correction first copies the values it replaces into `record_versions`
-- (one row per earlier version: which record, its values as a JSON object, who replaced them,
-- when and why), in the transaction that updates the row. A withdrawal keeps the row and its
-- values and marks it (`withdrawn_at`, `withdrawn_by`, `withdrawn_reason`): a withdrawn entry
-- is left out of summaries, the search index, reviews' evidence and a key adult's page, and
-- stays visible to the strategic lead and in the subject access document.
--
-- Sync: `record_versions` is a pupil's record (reached by `pupil_id`), insert-only, with ids
-- from the device's range; the four record tables become mutable (per-column
-- last-writer-wins), so a correction or a withdrawal made on a laptop travels like any edit.
-- Erasure deletes the versions with the pupil (and the foreign key cascades). `withdrawn_by`
-- is a user id with no foreign key (a column with one cannot be dropped, which the upgrade test
-- does to stand for an older vault).
ALTER TABLE sessions ADD COLUMN withdrawn_at TEXT;
ALTER TABLE sessions ADD COLUMN withdrawn_by TEXT;
ALTER TABLE sessions ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE chronology ADD COLUMN withdrawn_at TEXT;
ALTER TABLE chronology ADD COLUMN withdrawn_by TEXT;
ALTER TABLE chronology ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE instrument_scores ADD COLUMN withdrawn_at TEXT;
ALTER TABLE instrument_scores ADD COLUMN withdrawn_by TEXT;
ALTER TABLE instrument_scores ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE termly_indicators ADD COLUMN withdrawn_at TEXT;
ALTER TABLE termly_indicators ADD COLUMN withdrawn_by TEXT;
ALTER TABLE termly_indicators ADD COLUMN withdrawn_reason TEXT;

CREATE TABLE record_versions (
    id           INTEGER PRIMARY KEY,
    pupil_id     INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    record_table TEXT NOT NULL CHECK (record_table IN ('sessions', 'chronology',
                                                       'instrument_scores', 'termly_indicators')),
    record_id    INTEGER NOT NULL,
    -- The values the correction replaced, as a JSON object of the record's own columns.
    old_values   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    changed_by   TEXT REFERENCES users (id),
    changed_at   TEXT NOT NULL
) STRICT;
CREATE INDEX record_versions_record ON record_versions (record_table, record_id, changed_at);
CREATE INDEX record_versions_pupil ON record_versions (pupil_id);

-- The search index holds the current text of entries that are not withdrawn.
DROP TRIGGER IF EXISTS sessions_search_au;
CREATE TRIGGER sessions_search_au AFTER UPDATE OF note, withdrawn_at ON sessions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
    INSERT INTO search_index (rowid, body, pupil_id)
    SELECT new.id * 4 + 2, new.note, new.pupil_id WHERE new.withdrawn_at IS NULL;
END;
DROP TRIGGER IF EXISTS chronology_search_au;
CREATE TRIGGER chronology_search_au AFTER UPDATE OF description, withdrawn_at ON chronology BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
    INSERT INTO search_index (rowid, body, pupil_id)
    SELECT new.id * 4 + 3, new.description, new.pupil_id WHERE new.withdrawn_at IS NULL;
END;
-- An entry that arrives withdrawn (sync, a handover pack) is not indexed.
DROP TRIGGER IF EXISTS sessions_search_ai;
CREATE TRIGGER sessions_search_ai AFTER INSERT ON sessions BEGIN
    INSERT INTO search_index (rowid, body, pupil_id)
    SELECT new.id * 4 + 2, new.note, new.pupil_id WHERE new.withdrawn_at IS NULL;
END;
DROP TRIGGER IF EXISTS chronology_search_ai;
CREATE TRIGGER chronology_search_ai AFTER INSERT ON chronology BEGIN
    INSERT INTO search_index (rowid, body, pupil_id)
    SELECT new.id * 4 + 3, new.description, new.pupil_id WHERE new.withdrawn_at IS NULL;
END;
