-- Issue 16, item 1 (the part left): a supervision or consultation note written wrongly can be
-- corrected or withdrawn by the strategic lead, with a reason; nothing is lost.
--
-- Design, as for a pupil's entries in 0019: the note's own row always holds its current
-- values, so every reader (the key adult's list, the subject access document, sync) reads the
-- corrected words with no change. A correction first copies the values it replaces into
-- `supervision_note_versions` (the date, kind, notes, agreed actions and the ids of the pupils
-- discussed, as a JSON object; who replaced them, when and why), in the transaction that
-- updates the note. A withdrawal keeps the note and marks it (`withdrawn_at`, `withdrawn_by`,
-- `withdrawn_reason`): a key adult no longer sees it; the strategic lead does, marked.
--
-- Sync: `supervision_notes` was already mutable (per-column last-writer-wins), written only at
-- the school; a correction or a withdrawal travels to the key adult's laptop like any edit.
-- `supervision_note_versions` is the lead's alone and stays on the school vault (local): a key
-- adult never receives the earlier words. Erasing a pupil takes their name out of the
-- versions' text and their id out of the versions' pupil lists, as it does for the notes.
-- Supervision notes are not part of a pupil's handover pack (they are the key adult's
-- supervision, not the pupil's record), nor are their versions. `withdrawn_by` is a user id
-- with no foreign key (a column with one cannot be dropped, which the upgrade tests do to
-- stand for an older vault).
ALTER TABLE supervision_notes ADD COLUMN withdrawn_at TEXT;
ALTER TABLE supervision_notes ADD COLUMN withdrawn_by TEXT;
ALTER TABLE supervision_notes ADD COLUMN withdrawn_reason TEXT;

CREATE TABLE supervision_note_versions (
    id          INTEGER PRIMARY KEY,
    note_id     INTEGER NOT NULL REFERENCES supervision_notes (id) ON DELETE CASCADE,
    -- The values the correction replaced: {"held_on", "kind", "notes", "actions",
    -- "pupil_ids": [..]}.
    old_values  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    changed_by  TEXT REFERENCES users (id),
    changed_at  TEXT NOT NULL
) STRICT;
CREATE INDEX supervision_note_versions_note ON supervision_note_versions (note_id, changed_at);
