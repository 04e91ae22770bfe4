-- Issue 15, item 3: a pupil's care status and support level with the date each took effect,
-- so a summary of a past period counts the pupil under the value in force then.
-- `pupils.care_status` / `pupils.support_level` stay as the value in force today (a cache of
-- this table, written in the same transaction as every row here).
--
-- One row per change: the kind, the value (NULL: none from that date), the day it took effect,
-- when and by whom it was recorded (NULL: not known — the rows made by this migration, and a
-- pupil created by a path that does not name its user). A record table: ids from the device's
-- range (attune-vault ids.rs), synced as the pupil's record, erased with the pupil.
CREATE TABLE pupil_status_history (
    id             INTEGER PRIMARY KEY,
    pupil_id       INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('care_status', 'support_level')),
    value          TEXT,
    effective_from TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT REFERENCES users (id)
) STRICT;
CREATE INDEX pupil_status_history_pupil ON pupil_status_history (pupil_id, kind, effective_from);

-- Backfill: one row per pupil and kind, with the value held now — none included: a value given
-- later is then a change from "none", never taken as in force before it (before a pupil's first
-- row, the first row's value counts; see attune-domain record/status_history.rs). Before this
-- migration Attune used
-- the value held now for every period, so the row takes effect from the earliest day the record
-- holds anything about the pupil — the relationship's start, the day the record was made, the
-- first plan's start, the first session — but never before the date of birth. So a summary of
-- an earlier period (which counts pupils with a plan or a session in it) reads the same after
-- the upgrade as before it; a lead corrects the date where the school knows better.
--
-- The ids are 2 × the pupil's id (+1 for the support level): the same on the school's vault and
-- on a laptop that holds the pupil, whichever upgrades first, so the two copies are one row to
-- sync. Pupils are made at the school only (device 0, ids far below 2^39), so these ids stay in
-- device 0's range and the school's next id follows them.
INSERT INTO pupil_status_history (id, pupil_id, kind, value, effective_from, recorded_at,
                                  recorded_by)
SELECT 2 * p.id + k.n, p.id, k.kind, k.value,
       max(p.date_of_birth,
           min(coalesce(p.relationship_start, '9999-12-31'),
               substr(p.created_at, 1, 10),
               coalesce((SELECT min(start_date) FROM plans WHERE pupil_id = p.id), '9999-12-31'),
               coalesce((SELECT min(held_on) FROM sessions WHERE pupil_id = p.id), '9999-12-31'))),
       p.created_at, NULL
FROM pupils AS p
JOIN (SELECT id, 'care_status' AS kind, 0 AS n, care_status AS value FROM pupils
      UNION ALL
      SELECT id, 'support_level', 1, support_level FROM pupils) AS k ON k.id = p.id;
