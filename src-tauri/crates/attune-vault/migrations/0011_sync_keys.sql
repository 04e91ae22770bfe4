-- Issue 17: the keys of sync files (attune_sync::envelope, `ATTUNE-SYNC/1`). Both tables are
-- local: never copied to a laptop (attune_domain::transfer::scope classifies them so).
--
-- This vault's own identity, at most one row: its device number (0 the school, 1..=4095 a
-- laptop), the Ed25519 seed it signs its sync files with and the X25519 static secret files
-- to it are sealed to. The school's is made at its first enrolment; a laptop's is made by
-- the school with the laptop's enrolment file and stored when it joins. The secrets are as
-- safe as the records: only in this SQLCipher database, whose pages are encrypted.
CREATE TABLE sync_identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    device_no   INTEGER NOT NULL CHECK (device_no BETWEEN 0 AND 4095),
    signing_key BLOB NOT NULL CHECK (length(signing_key) = 32),
    box_secret  BLOB NOT NULL CHECK (length(box_secret) = 32),
    created_at  TEXT NOT NULL
) STRICT;

-- The devices this vault exchanges sync files with, and their public keys: at the school one
-- row per enrolled laptop (user_id its key adult; removed_at set when that user is removed,
-- after which its files are refused); on a laptop one row, device 0, the school.
CREATE TABLE sync_peers (
    device_no  INTEGER PRIMARY KEY CHECK (device_no BETWEEN 0 AND 4095),
    user_id    TEXT REFERENCES users (id),
    verify_key BLOB NOT NULL CHECK (length(verify_key) = 32),
    box_public BLOB NOT NULL CHECK (length(box_public) = 32),
    added_at   TEXT NOT NULL,
    removed_at TEXT
) STRICT;
