-- Indexes found with `attune-admin bench` on the large vault (issue 7). Without them the
-- anonymised summary, a goal's progress series and a review's pre-fill read whole rows only for a
-- few small columns: every session row (with its note) to count sessions and minutes by kind,
-- and every rating row (with its evidence) to find a goal's ratings. In an encrypted vault each
-- page read from disk is decrypted and its HMAC checked, so reading fewer pages is what brings
-- the encrypted ÷ plain ratio down. The two indexes replaced keep their names, and their old
-- columns as a prefix, so every query that used them still can.

-- Sessions by pupil and date, with the kind and minutes (the summary counts them by kind).
DROP INDEX sessions_pupil;
CREATE INDEX sessions_pupil ON sessions (pupil_id, held_on, kind, minutes);

-- A goal's ratings, with the review and the rating (progress series, pre-fill, summary).
DROP INDEX review_goal_ratings_goal;
CREATE INDEX review_goal_ratings_goal ON review_goal_ratings (goal_id, review_id, rating);

-- A plan's signed reviews in the order they were held, with their due dates (the row itself holds
-- the review's text, a page or more, before `held_on`): the summary's Signs of Safety scaling
-- reads only the reviews it needs in that order, and a plan's list of reviews needs no row.
CREATE INDEX reviews_plan_signed ON reviews (plan_id, status, held_on, due_date);
