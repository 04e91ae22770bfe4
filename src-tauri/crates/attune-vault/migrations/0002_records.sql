-- The school's records (issue 3): pupils and everything kept about them, the plans and their
-- review dates, the school calendars and configurable lists, drafts, and a full-text index.
-- Every table lives inside the SQLCipher database, so all of it (the FTS5 index included) is
-- encrypted page by page like the rest. Dates are 'YYYY-MM-DD'; timestamps RFC 3339 UTC.
-- Record ids are SQLite rowids (INTEGER PRIMARY KEY).

CREATE TABLE pupils (
    id                       INTEGER PRIMARY KEY,
    legal_forename           TEXT NOT NULL,
    legal_surname            TEXT NOT NULL,
    preferred_name           TEXT,
    date_of_birth            TEXT NOT NULL,
    year_group               TEXT NOT NULL,
    care_status              TEXT,
    support_level            TEXT,
    key_adult_id             TEXT REFERENCES users (id),
    status                   TEXT NOT NULL DEFAULT 'active'
                             CHECK (status IN ('active', 'left', 'archived')),
    left_on                  TEXT,
    relationship_start       TEXT,
    relationship_planned_end TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL
) STRICT;
-- The caseload query: a key adult's pupils by status.
CREATE INDEX pupils_key_adult ON pupils (key_adult_id, status);
CREATE INDEX pupils_status ON pupils (status);

CREATE TABLE pupil_identifiers (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('upn', 'scottish_candidate_number', 'local')),
    value    TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) STRICT;
CREATE INDEX pupil_identifiers_pupil ON pupil_identifiers (pupil_id);

-- Who was a pupil's key adult, and when. The open row (to_date NULL) matches
-- pupils.key_adult_id; access follows the current assignment, and a key adult reads the
-- pupil's whole history, from before they were assigned too.
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    pupil_id     INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    key_adult_id TEXT NOT NULL REFERENCES users (id),
    from_date    TEXT NOT NULL,
    to_date      TEXT,
    assigned_by  TEXT NOT NULL REFERENCES users (id)
) STRICT;
CREATE INDEX assignments_pupil ON assignments (pupil_id, from_date);

-- "About me".
CREATE TABLE profiles (
    pupil_id                INTEGER PRIMARY KEY REFERENCES pupils (id) ON DELETE CASCADE,
    strengths_interests     TEXT NOT NULL DEFAULT '',
    what_helps              TEXT NOT NULL DEFAULT '',
    what_does_not_help      TEXT NOT NULL DEFAULT '',
    stressors               TEXT NOT NULL DEFAULT '',
    calmers                 TEXT NOT NULL DEFAULT '',
    story                   TEXT NOT NULL DEFAULT '',
    starting_point          TEXT NOT NULL DEFAULT '',
    developmental_age_notes TEXT NOT NULL DEFAULT '',
    updated_at              TEXT NOT NULL,
    updated_by              TEXT REFERENCES users (id)
) STRICT;

CREATE TABLE agency_advice (
    id          INTEGER PRIMARY KEY,
    pupil_id    INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    agency      TEXT NOT NULL
                CHECK (agency IN ('educational_psychologist', 'camhs', 'social_worker', 'other')),
    source      TEXT NOT NULL,
    advised_on  TEXT NOT NULL,
    advice      TEXT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX agency_advice_pupil ON agency_advice (pupil_id, advised_on);

-- The TouchBase team: the four or five adults around the pupil.
CREATE TABLE team_members (
    id       INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    position INTEGER NOT NULL
) STRICT;
CREATE INDEX team_members_pupil ON team_members (pupil_id, position);

CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    pupil_id     INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    start_date   TEXT NOT NULL,
    horizon_end  TEXT NOT NULL,
    -- six_weekly | half_termly | termly | weeks:N
    cadence      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    created_at   TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id),
    closed_at    TEXT
) STRICT;
CREATE INDEX plans_pupil ON plans (pupil_id, status);
CREATE UNIQUE INDEX plans_one_active ON plans (pupil_id) WHERE status = 'active';

CREATE TABLE goals (
    id                 INTEGER PRIMARY KEY,
    plan_id            INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    domain_id          TEXT NOT NULL,
    outcome            TEXT NOT NULL,
    baseline           INTEGER NOT NULL CHECK (baseline BETWEEN 0 AND 10),
    target             INTEGER NOT NULL CHECK (target BETWEEN 0 AND 10),
    strategies         TEXT NOT NULL DEFAULT '',
    who                TEXT NOT NULL DEFAULT '',
    how_often          TEXT NOT NULL DEFAULT '',
    pp_plus_cost_pence INTEGER CHECK (pp_plus_cost_pence IS NULL OR pp_plus_cost_pence >= 0),
    status             TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'achieved', 'stopped')),
    position           INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX goals_plan ON goals (plan_id, position);

-- Concrete review due dates across the plan's horizon. Recomputing keeps past dates.
-- held_at is set when the review for that date is recorded (the reviews issue).
CREATE TABLE review_due_dates (
    plan_id     INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    due_date    TEXT NOT NULL,
    provisional INTEGER NOT NULL CHECK (provisional IN (0, 1)),
    held_at     TEXT,
    PRIMARY KEY (plan_id, due_date)
) STRICT;

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    pupil_id    INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    held_on     TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 480),
    kind        TEXT NOT NULL CHECK (kind IN ('check_in', 'planned', 'crisis', 'meet_and_greet')),
    regulation  INTEGER CHECK (regulation IS NULL OR regulation BETWEEN 0 AND 10),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT REFERENCES users (id),
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_pupil ON sessions (pupil_id, held_on);

-- Significant events. A safeguarding concern is not recorded here: only a cross-reference
-- to the school's safeguarding system.
CREATE TABLE chronology (
    id               INTEGER PRIMARY KEY,
    pupil_id         INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    occurred_on      TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('placement_move', 'bereavement', 'exclusion',
                                                   'transition', 'new_sibling', 'other')),
    description      TEXT NOT NULL,
    safeguarding_ref TEXT,
    recorded_by      TEXT REFERENCES users (id),
    created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX chronology_pupil ON chronology (pupil_id, occurred_on);

-- Scores only, never questionnaire items. Thrive records a named stage instead of a number.
CREATE TABLE instrument_scores (
    id           INTEGER PRIMARY KEY,
    pupil_id     INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    instrument   TEXT NOT NULL CHECK (instrument IN ('sdq', 'boxall', 'thrive')),
    subscale     TEXT,
    score        INTEGER,
    stage        TEXT,
    completed_on TEXT NOT NULL,
    completed_by TEXT NOT NULL,
    recorded_by  TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL,
    CHECK ((score IS NULL) <> (stage IS NULL))
) STRICT;
CREATE INDEX instrument_scores_pupil ON instrument_scores (pupil_id, completed_on);

CREATE TABLE termly_indicators (
    id                     INTEGER PRIMARY KEY,
    pupil_id               INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    term_label             TEXT NOT NULL,
    attendance_pct         REAL CHECK (attendance_pct IS NULL OR attendance_pct BETWEEN 0 AND 100),
    exclusion_days         REAL CHECK (exclusion_days IS NULL OR exclusion_days >= 0),
    physical_interventions INTEGER
                           CHECK (physical_interventions IS NULL OR physical_interventions >= 0),
    updated_at             TEXT NOT NULL,
    updated_by             TEXT REFERENCES users (id),
    UNIQUE (pupil_id, term_label)
) STRICT;

-- One school year's term dates per row, as the JSON of attune_domain::calendar::SchoolCalendar.
CREATE TABLE school_calendars (
    year_label TEXT PRIMARY KEY NOT NULL,
    content    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id)
) STRICT;

-- The school's configurable lists: care statuses and support levels.
CREATE TABLE list_items (
    list     TEXT NOT NULL CHECK (list IN ('care_status', 'support_level')),
    label    TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (list, label)
) STRICT;
INSERT INTO list_items (list, label, position) VALUES
    ('care_status', 'Looked after', 1),
    ('care_status', 'Previously looked after', 2),
    ('care_status', 'Child in need', 3),
    ('care_status', 'None', 4),
    ('support_level', 'Universal', 1),
    ('support_level', 'Additional', 2),
    ('support_level', 'Intensive', 3);

-- What a person is typing, saved as they type so a lock or a crash loses nothing.
CREATE TABLE drafts (
    user_id    TEXT NOT NULL REFERENCES users (id),
    form_key   TEXT NOT NULL,
    content    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, form_key)
) STRICT;

-- Full-text search over pupil names, goal outcomes, session notes and chronology entries.
-- rowid = record id * 4 + kind (0 pupil, 1 goal, 2 session, 3 chronology); pupil_id lets a
-- search keep to the pupils the session may see. Kept in step by the triggers below.
CREATE VIRTUAL TABLE search_index USING fts5 (
    body,
    pupil_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER pupils_search_ai AFTER INSERT ON pupils BEGIN
    INSERT INTO search_index (rowid, body, pupil_id) VALUES (new.id * 4,
        new.legal_forename || ' ' || new.legal_surname || ' ' || coalesce(new.preferred_name, ''),
        new.id);
END;
CREATE TRIGGER pupils_search_au AFTER UPDATE OF legal_forename, legal_surname, preferred_name
ON pupils BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4;
    INSERT INTO search_index (rowid, body, pupil_id) VALUES (new.id * 4,
        new.legal_forename || ' ' || new.legal_surname || ' ' || coalesce(new.preferred_name, ''),
        new.id);
END;
CREATE TRIGGER pupils_search_ad AFTER DELETE ON pupils BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4;
END;

CREATE TRIGGER goals_search_ai AFTER INSERT ON goals BEGIN
    INSERT INTO search_index (rowid, body, pupil_id) VALUES (new.id * 4 + 1, new.outcome,
        (SELECT pupil_id FROM plans WHERE id = new.plan_id));
END;
CREATE TRIGGER goals_search_au AFTER UPDATE OF outcome ON goals BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
    INSERT INTO search_index (rowid, body, pupil_id) VALUES (new.id * 4 + 1, new.outcome,
        (SELECT pupil_id FROM plans WHERE id = new.plan_id));
END;
CREATE TRIGGER goals_search_ad AFTER DELETE ON goals BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
END;

CREATE TRIGGER sessions_search_ai AFTER INSERT ON sessions BEGIN
    INSERT INTO search_index (rowid, body, pupil_id) VALUES (new.id * 4 + 2, new.note, new.pupil_id);
END;
CREATE TRIGGER sessions_search_au AFTER UPDATE OF note ON sessions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
    INSERT INTO search_index (rowid, body, pupil_id) VALUES (new.id * 4 + 2, new.note, new.pupil_id);
END;
CREATE TRIGGER sessions_search_ad AFTER DELETE ON sessions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
END;

CREATE TRIGGER chronology_search_ai AFTER INSERT ON chronology BEGIN
    INSERT INTO search_index (rowid, body, pupil_id)
    VALUES (new.id * 4 + 3, new.description, new.pupil_id);
END;
CREATE TRIGGER chronology_search_au AFTER UPDATE OF description ON chronology BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
    INSERT INTO search_index (rowid, body, pupil_id)
    VALUES (new.id * 4 + 3, new.description, new.pupil_id);
END;
CREATE TRIGGER chronology_search_ad AFTER DELETE ON chronology BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
END;
