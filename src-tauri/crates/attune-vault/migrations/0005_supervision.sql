-- Supervision and consultation notes (issue 5): the strategic lead's record of a meeting with a
-- key adult, with the pupils discussed (zero or more of that key adult's pupils). The lead reads
-- every note; a key adult reads only the notes about them. Dates 'YYYY-MM-DD'; timestamps
-- RFC 3339 UTC. Erasing a pupil (attune_domain::retention) deletes their rows in
-- supervision_pupils and takes their names out of the notes' text.
CREATE TABLE supervision_notes (
    id           INTEGER PRIMARY KEY,
    held_on      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('supervision', 'consultation')),
    key_adult_id TEXT NOT NULL REFERENCES users (id),
    notes        TEXT NOT NULL DEFAULT '',
    actions      TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX supervision_notes_key_adult ON supervision_notes (key_adult_id, held_on);
CREATE INDEX supervision_notes_held_on ON supervision_notes (held_on);

CREATE TABLE supervision_pupils (
    note_id  INTEGER NOT NULL REFERENCES supervision_notes (id) ON DELETE CASCADE,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    PRIMARY KEY (note_id, pupil_id)
) STRICT;
CREATE INDEX supervision_pupils_pupil ON supervision_pupils (pupil_id);
