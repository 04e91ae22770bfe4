-- Structured plan reviews (issue 4). One review per plan and due date: a draft while it is being
-- recorded, then signed off and immutable: the triggers below refuse any update of a signed
-- review and any update of or addition to its goal ratings (its rows are deleted only when the
-- pupil is erased). A correction is an amendment, kept beside the original.
-- The review's free text (attendees, voices, Signs of Safety columns, next steps) is kept as the
-- JSON of attune_domain::model::ReviewInput; per-goal ratings and decisions are rows, so the
-- progress series can be queried. Dates 'YYYY-MM-DD'; timestamps RFC 3339 UTC.
CREATE TABLE reviews (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    due_date         TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
    content          TEXT NOT NULL,
    next_review_date TEXT,
    created_at       TEXT NOT NULL,
    created_by       TEXT REFERENCES users (id),
    updated_at       TEXT NOT NULL,
    signed_at        TEXT,
    signed_by        TEXT REFERENCES users (id),
    -- The date the review was held (signed off); on time when held_on <= due_date.
    held_on          TEXT,
    UNIQUE (plan_id, due_date)
) STRICT;

CREATE TABLE review_goal_ratings (
    review_id INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    goal_id   INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    rating    INTEGER CHECK (rating IS NULL OR rating BETWEEN 0 AND 10),
    decision  TEXT CHECK (decision IS NULL OR decision IN ('continue', 'change', 'achieved', 'stop')),
    evidence  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, goal_id)
) STRICT;
CREATE INDEX review_goal_ratings_goal ON review_goal_ratings (goal_id);

CREATE TABLE review_amendments (
    id         INTEGER PRIMARY KEY,
    review_id  INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    body       TEXT NOT NULL,
    author_id  TEXT REFERENCES users (id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX review_amendments_review ON review_amendments (review_id, id);

CREATE TRIGGER reviews_signed_immutable BEFORE UPDATE ON reviews
WHEN old.status = 'signed' BEGIN
    SELECT RAISE(ABORT, 'a signed review cannot be changed');
END;
CREATE TRIGGER review_ratings_signed_immutable_u BEFORE UPDATE ON review_goal_ratings
WHEN (SELECT status FROM reviews WHERE id = old.review_id) = 'signed' BEGIN
    SELECT RAISE(ABORT, 'a signed review cannot be changed');
END;
CREATE TRIGGER review_ratings_signed_immutable_i BEFORE INSERT ON review_goal_ratings
WHEN (SELECT status FROM reviews WHERE id = new.review_id) = 'signed' BEGIN
    SELECT RAISE(ABORT, 'a signed review cannot be changed');
END;
