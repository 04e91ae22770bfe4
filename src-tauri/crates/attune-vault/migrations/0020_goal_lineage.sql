-- Issue 16, item 3: a goal carried forward when a plan is renewed is the same goal going on, so
-- its history runs across plans. `carried_from` is the goal of the previous plan it continues
-- (NULL for a goal written in its own plan). Synced with the rest of the row.
ALTER TABLE goals ADD COLUMN carried_from INTEGER;

-- Goals carried before this migration: renewal copied the goal's area and outcome word for word
-- into the pupil's next plan, so a goal is linked to the goal of the same area and outcome in the
-- pupil's plan that started last before its own (the first such goal by position). A goal whose
-- outcome was edited after the renewal stays unlinked: its history starts at its own plan, as before.
UPDATE goals AS g SET carried_from = (
    SELECT h.id
    FROM goals h
    JOIN plans q ON q.id = h.plan_id
    JOIN plans p ON p.id = g.plan_id
    WHERE q.pupil_id = p.pupil_id
      AND q.start_date < p.start_date
      AND q.id = (SELECT q2.id FROM plans q2
                  WHERE q2.pupil_id = p.pupil_id AND q2.start_date < p.start_date
                  ORDER BY q2.start_date DESC, q2.id DESC LIMIT 1)
      AND h.domain_id = g.domain_id
      AND h.outcome = g.outcome
    ORDER BY h.position, h.id
    LIMIT 1
);
CREATE INDEX goals_carried_from ON goals (carried_from) WHERE carried_from IS NOT NULL;
