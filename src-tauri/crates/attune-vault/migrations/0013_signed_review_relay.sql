-- Issue 17, a second sign-off of one review: the school decides. When a review was signed on
-- a laptop and, before the files crossed, signed at the school too, the school keeps its own
-- sign-off and sends it back; the laptop's signed copy must then take the school's version,
-- which the immutability triggers of 0004 would refuse.
--
-- The one way past them: a row here naming the review. Only the sync apply of a change relayed
-- by the school writes this table, inside the very transaction that applies the change, and
-- empties it before that transaction commits (attune-domain/src/transfer/sync.rs), so no row
-- is ever committed and every ordinary write still meets the triggers as before. Local to each
-- vault, never synced.
CREATE TABLE sync_signed_relay (
    review_id INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER reviews_signed_immutable;
CREATE TRIGGER reviews_signed_immutable BEFORE UPDATE ON reviews
WHEN old.status = 'signed'
     AND NOT EXISTS (SELECT 1 FROM sync_signed_relay WHERE review_id = old.id) BEGIN
    SELECT RAISE(ABORT, 'a signed review cannot be changed');
END;
DROP TRIGGER review_ratings_signed_immutable_u;
CREATE TRIGGER review_ratings_signed_immutable_u BEFORE UPDATE ON review_goal_ratings
WHEN (SELECT status FROM reviews WHERE id = old.review_id) = 'signed'
     AND NOT EXISTS (SELECT 1 FROM sync_signed_relay WHERE review_id = old.review_id) BEGIN
    SELECT RAISE(ABORT, 'a signed review cannot be changed');
END;
DROP TRIGGER review_ratings_signed_immutable_i;
CREATE TRIGGER review_ratings_signed_immutable_i BEFORE INSERT ON review_goal_ratings
WHEN (SELECT status FROM reviews WHERE id = new.review_id) = 'signed'
     AND NOT EXISTS (SELECT 1 FROM sync_signed_relay WHERE review_id = new.review_id) BEGIN
    SELECT RAISE(ABORT, 'a signed review cannot be changed');
END;
