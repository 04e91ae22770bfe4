-- What the school has told a laptop to take in whole or to remove (school side), since the
-- laptop last said what it holds: JSON array of [pupil id, sync file seq]. A laptop may apply
-- those files or skip them, so until its next file says which of the school's files it has
-- applied (and so what it holds after them), such a pupil may or may not be on it: the next
-- file for it takes the pupil in whole again if they are on the caseload (taking in is
-- idempotent) and removes them if not (so is removal). Without this, a pupil moved off a
-- laptop and back between two of its files was neither "new" nor "left", and the changes
-- relayed for them edited rows the laptop no longer held.
ALTER TABLE sync_peer_state ADD COLUMN sent TEXT NOT NULL DEFAULT '[]';
