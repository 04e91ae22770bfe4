-- Search over every kind of text a person writes (issue 16, item 5): reviews (every text section,
-- and a signed review's amendments), "about me", outside-agency advice, the TouchBase team and
-- supervision notes, beside pupil names, goal outcomes, session notes and chronology.
--
-- rowid = record id * 16 + kind, which leaves room for more kinds:
--    0 pupil name (id = pupil)          5 review amendment (id = amendment)
--    1 goal outcome (id = goal)         6 "about me" (id = pupil)
--    2 session note (id = session)      7 outside-agency advice (id = advice)
--    3 chronology (id = entry)          8 team member (id = team member)
--    4 review (id = review)             9 supervision note (id = note)
-- body: the words written, the only column a search matches what was typed against.
-- who: tokens saying whose the row is, so the rules of who may read it are part of the FTS
-- query itself (no row is read to find out): `kind<k>`, and `pupil<id>` for a row of a
-- pupil's record, or `adult<user id>` for a supervision note (it belongs to no one pupil; the
-- lead reads every note, a key adult only the notes about them).
-- pupil_id, key_adult_id: the same as values, first in the row so they are read without
-- reading a long body (NULL pupil_id for a supervision note; key_adult_id only for those).
-- The index lives only in the encrypted database and is never synced; these triggers keep it
-- in step with every change, a synced one included. Withdrawn sessions and chronology stay out.

DROP TRIGGER IF EXISTS pupils_search_ai;
DROP TRIGGER IF EXISTS pupils_search_au;
DROP TRIGGER IF EXISTS pupils_search_ad;
DROP TRIGGER IF EXISTS goals_search_ai;
DROP TRIGGER IF EXISTS goals_search_au;
DROP TRIGGER IF EXISTS goals_search_ad;
DROP TRIGGER IF EXISTS sessions_search_ai;
DROP TRIGGER IF EXISTS sessions_search_au;
DROP TRIGGER IF EXISTS sessions_search_ad;
DROP TRIGGER IF EXISTS chronology_search_ai;
DROP TRIGGER IF EXISTS chronology_search_au;
DROP TRIGGER IF EXISTS chronology_search_ad;
-- (and this migration's own, so that it can be run again over a vault: it rebuilds all it makes)
DROP TRIGGER IF EXISTS reviews_search_ai;
DROP TRIGGER IF EXISTS reviews_search_au;
DROP TRIGGER IF EXISTS reviews_search_ad;
DROP TRIGGER IF EXISTS review_amendments_search_ai;
DROP TRIGGER IF EXISTS review_amendments_search_au;
DROP TRIGGER IF EXISTS review_amendments_search_ad;
DROP TRIGGER IF EXISTS profiles_search_ai;
DROP TRIGGER IF EXISTS profiles_search_au;
DROP TRIGGER IF EXISTS profiles_search_ad;
DROP TRIGGER IF EXISTS agency_advice_search_ai;
DROP TRIGGER IF EXISTS agency_advice_search_au;
DROP TRIGGER IF EXISTS agency_advice_search_ad;
DROP TRIGGER IF EXISTS team_members_search_ai;
DROP TRIGGER IF EXISTS team_members_search_au;
DROP TRIGGER IF EXISTS team_members_search_ad;
DROP TRIGGER IF EXISTS supervision_notes_search_ai;
DROP TRIGGER IF EXISTS supervision_notes_search_au;
DROP TRIGGER IF EXISTS supervision_notes_search_ad;
DROP TABLE search_index;

CREATE VIRTUAL TABLE search_index USING fts5 (
    pupil_id UNINDEXED,
    key_adult_id UNINDEXED,
    who,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Pupils' names.
CREATE TRIGGER pupils_search_ai AFTER INSERT ON pupils BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 0, x.pupil_id, 'kind0 pupil' || x.pupil_id, new.legal_forename || ' ' || new.legal_surname || ' ' || coalesce(new.preferred_name, '')
    FROM (SELECT new.id AS pupil_id) x;
END;
CREATE TRIGGER pupils_search_au AFTER UPDATE OF legal_forename, legal_surname, preferred_name ON pupils BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 0;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 0, x.pupil_id, 'kind0 pupil' || x.pupil_id, new.legal_forename || ' ' || new.legal_surname || ' ' || coalesce(new.preferred_name, '')
    FROM (SELECT new.id AS pupil_id) x;
END;
CREATE TRIGGER pupils_search_ad AFTER DELETE ON pupils BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 0;
END;

-- Goal outcomes.
CREATE TRIGGER goals_search_ai AFTER INSERT ON goals BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 1, x.pupil_id, 'kind1 pupil' || x.pupil_id, new.outcome
    FROM (SELECT (SELECT pupil_id FROM plans WHERE id = new.plan_id) AS pupil_id) x;
END;
CREATE TRIGGER goals_search_au AFTER UPDATE OF outcome ON goals BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 1;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 1, x.pupil_id, 'kind1 pupil' || x.pupil_id, new.outcome
    FROM (SELECT (SELECT pupil_id FROM plans WHERE id = new.plan_id) AS pupil_id) x;
END;
CREATE TRIGGER goals_search_ad AFTER DELETE ON goals BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 1;
END;

-- Session notes, unless withdrawn.
CREATE TRIGGER sessions_search_ai AFTER INSERT ON sessions BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 2, x.pupil_id, 'kind2 pupil' || x.pupil_id, new.note
    FROM (SELECT new.pupil_id AS pupil_id) x
    WHERE new.withdrawn_at IS NULL;
END;
CREATE TRIGGER sessions_search_au AFTER UPDATE OF note, withdrawn_at ON sessions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 2;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 2, x.pupil_id, 'kind2 pupil' || x.pupil_id, new.note
    FROM (SELECT new.pupil_id AS pupil_id) x
    WHERE new.withdrawn_at IS NULL;
END;
CREATE TRIGGER sessions_search_ad AFTER DELETE ON sessions BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 2;
END;

-- Chronology entries, unless withdrawn.
CREATE TRIGGER chronology_search_ai AFTER INSERT ON chronology BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 3, x.pupil_id, 'kind3 pupil' || x.pupil_id, new.description
    FROM (SELECT new.pupil_id AS pupil_id) x
    WHERE new.withdrawn_at IS NULL;
END;
CREATE TRIGGER chronology_search_au AFTER UPDATE OF description, withdrawn_at ON chronology BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 3;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 3, x.pupil_id, 'kind3 pupil' || x.pupil_id, new.description
    FROM (SELECT new.pupil_id AS pupil_id) x
    WHERE new.withdrawn_at IS NULL;
END;
CREATE TRIGGER chronology_search_ad AFTER DELETE ON chronology BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 3;
END;

-- Reviews: every text value of the review's content (attendees' names and roles, each goal's
-- evidence, the voices, the Signs of Safety columns, next steps, new goals' words), not the
-- JSON's keys nor its codes (domain ids, decisions, dates).
CREATE TRIGGER reviews_search_ai AFTER INSERT ON reviews BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 4, x.pupil_id, 'kind4 pupil' || x.pupil_id, coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.content)
                  WHERE type = 'text' AND key NOT IN ('domain_id', 'decision', 'next_review_date')),
                 '')
    FROM (SELECT (SELECT pupil_id FROM plans WHERE id = new.plan_id) AS pupil_id) x;
END;
CREATE TRIGGER reviews_search_au AFTER UPDATE OF content ON reviews BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 4;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 4, x.pupil_id, 'kind4 pupil' || x.pupil_id, coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.content)
                  WHERE type = 'text' AND key NOT IN ('domain_id', 'decision', 'next_review_date')),
                 '')
    FROM (SELECT (SELECT pupil_id FROM plans WHERE id = new.plan_id) AS pupil_id) x;
END;
CREATE TRIGGER reviews_search_ad AFTER DELETE ON reviews BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 4;
END;

-- A signed review's amendments: the reason and the correction.
CREATE TRIGGER review_amendments_search_ai AFTER INSERT ON review_amendments BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 5, x.pupil_id, 'kind5 pupil' || x.pupil_id, new.reason || ' ' || new.body
    FROM (SELECT (SELECT p.pupil_id FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE r.id = new.review_id) AS pupil_id) x;
END;
CREATE TRIGGER review_amendments_search_au AFTER UPDATE OF reason, body ON review_amendments BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 5;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 5, x.pupil_id, 'kind5 pupil' || x.pupil_id, new.reason || ' ' || new.body
    FROM (SELECT (SELECT p.pupil_id FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE r.id = new.review_id) AS pupil_id) x;
END;
CREATE TRIGGER review_amendments_search_ad AFTER DELETE ON review_amendments BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 5;
END;

-- "About me": every section (one row per pupil, numbered by the pupil's id).
CREATE TRIGGER profiles_search_ai AFTER INSERT ON profiles BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.pupil_id * 16 + 6, x.pupil_id, 'kind6 pupil' || x.pupil_id, new.strengths_interests || ' ' || new.what_helps || ' ' || new.what_does_not_help || ' ' ||
        new.stressors || ' ' || new.calmers || ' ' || new.story || ' ' || new.starting_point || ' ' ||
        new.developmental_age_notes
    FROM (SELECT new.pupil_id AS pupil_id) x;
END;
CREATE TRIGGER profiles_search_au AFTER UPDATE ON profiles BEGIN
    DELETE FROM search_index WHERE rowid = old.pupil_id * 16 + 6;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.pupil_id * 16 + 6, x.pupil_id, 'kind6 pupil' || x.pupil_id, new.strengths_interests || ' ' || new.what_helps || ' ' || new.what_does_not_help || ' ' ||
        new.stressors || ' ' || new.calmers || ' ' || new.story || ' ' || new.starting_point || ' ' ||
        new.developmental_age_notes
    FROM (SELECT new.pupil_id AS pupil_id) x;
END;
CREATE TRIGGER profiles_search_ad AFTER DELETE ON profiles BEGIN
    DELETE FROM search_index WHERE rowid = old.pupil_id * 16 + 6;
END;

-- Outside-agency advice: who gave it and what they advised.
CREATE TRIGGER agency_advice_search_ai AFTER INSERT ON agency_advice BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 7, x.pupil_id, 'kind7 pupil' || x.pupil_id, new.source || ' ' || new.advice
    FROM (SELECT new.pupil_id AS pupil_id) x;
END;
CREATE TRIGGER agency_advice_search_au AFTER UPDATE OF source, advice, pupil_id ON agency_advice BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 7;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 7, x.pupil_id, 'kind7 pupil' || x.pupil_id, new.source || ' ' || new.advice
    FROM (SELECT new.pupil_id AS pupil_id) x;
END;
CREATE TRIGGER agency_advice_search_ad AFTER DELETE ON agency_advice BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 7;
END;

-- The TouchBase team: each member's name and role.
CREATE TRIGGER team_members_search_ai AFTER INSERT ON team_members BEGIN
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 8, x.pupil_id, 'kind8 pupil' || x.pupil_id, new.name || ' ' || new.role
    FROM (SELECT new.pupil_id AS pupil_id) x;
END;
CREATE TRIGGER team_members_search_au AFTER UPDATE OF name, role, pupil_id ON team_members BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 8;
    INSERT INTO search_index (rowid, pupil_id, who, body)
    SELECT new.id * 16 + 8, x.pupil_id, 'kind8 pupil' || x.pupil_id, new.name || ' ' || new.role
    FROM (SELECT new.pupil_id AS pupil_id) x;
END;
CREATE TRIGGER team_members_search_ad AFTER DELETE ON team_members BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 8;
END;

-- Supervision notes: the notes and the actions, for the lead and the key adult they are about.
-- (Where a note can be withdrawn, its withdrawn ones are to be kept out here, as sessions' are.)
-- A withdrawn note (migration 0021) is not searched, as a withdrawn session is not.
CREATE TRIGGER supervision_notes_search_ai AFTER INSERT ON supervision_notes BEGIN
    INSERT INTO search_index (rowid, pupil_id, key_adult_id, who, body)
    SELECT new.id * 16 + 9, NULL, new.key_adult_id, 'kind9 adult' || new.key_adult_id,
           new.notes || ' ' || new.actions
    WHERE new.withdrawn_at IS NULL;
END;
CREATE TRIGGER supervision_notes_search_au AFTER UPDATE OF notes, actions, key_adult_id, withdrawn_at
ON supervision_notes BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 9;
    INSERT INTO search_index (rowid, pupil_id, key_adult_id, who, body)
    SELECT new.id * 16 + 9, NULL, new.key_adult_id, 'kind9 adult' || new.key_adult_id,
           new.notes || ' ' || new.actions
    WHERE new.withdrawn_at IS NULL;
END;
CREATE TRIGGER supervision_notes_search_ad AFTER DELETE ON supervision_notes BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 16 + 9;
END;

-- Everything already written, under the new numbering.
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind0 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 0 AS r, t.id AS pupil_id,
           t.legal_forename || ' ' || t.legal_surname || ' ' || coalesce(t.preferred_name, '') AS b
    FROM pupils t);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind1 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 1 AS r, (SELECT pupil_id FROM plans WHERE id = t.plan_id) AS pupil_id,
           t.outcome AS b
    FROM goals t);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind2 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 2 AS r, t.pupil_id AS pupil_id,
           t.note AS b
    FROM sessions t
    WHERE t.withdrawn_at IS NULL);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind3 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 3 AS r, t.pupil_id AS pupil_id,
           t.description AS b
    FROM chronology t
    WHERE t.withdrawn_at IS NULL);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind4 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 4 AS r, (SELECT pupil_id FROM plans WHERE id = t.plan_id) AS pupil_id,
           coalesce((SELECT group_concat(value, ' ') FROM json_tree(t.content)
                  WHERE type = 'text' AND key NOT IN ('domain_id', 'decision', 'next_review_date')),
                 '') AS b
    FROM reviews t);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind5 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 5 AS r, (SELECT p.pupil_id FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE r.id = t.review_id) AS pupil_id,
           t.reason || ' ' || t.body AS b
    FROM review_amendments t);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind6 pupil' || pupil_id, b FROM (
    SELECT t.pupil_id * 16 + 6 AS r, t.pupil_id AS pupil_id,
           t.strengths_interests || ' ' || t.what_helps || ' ' || t.what_does_not_help || ' ' ||
        t.stressors || ' ' || t.calmers || ' ' || t.story || ' ' || t.starting_point || ' ' ||
        t.developmental_age_notes AS b
    FROM profiles t);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind7 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 7 AS r, t.pupil_id AS pupil_id,
           t.source || ' ' || t.advice AS b
    FROM agency_advice t);
INSERT INTO search_index (rowid, pupil_id, who, body)
SELECT r, pupil_id, 'kind8 pupil' || pupil_id, b FROM (
    SELECT t.id * 16 + 8 AS r, t.pupil_id AS pupil_id,
           t.name || ' ' || t.role AS b
    FROM team_members t);
INSERT INTO search_index (rowid, pupil_id, key_adult_id, who, body)
SELECT id * 16 + 9, NULL, key_adult_id, 'kind9 adult' || key_adult_id, notes || ' ' || actions
FROM supervision_notes WHERE withdrawn_at IS NULL;
