-- Issue 12: the audit log becomes a keyed chain that cannot be cut unnoticed.
-- * `audit_secret` holds the chain's MAC key, derived from the vault key when this migration
--   ran (kept here so that rotating the vault key does not orphan the chain).
-- * `seq` becomes AUTOINCREMENT: a deleted newest row leaves its number used (sqlite_sequence),
--   never reused by the next entry.
-- The rows are copied as they are; the upgrade re-chains them in Rust (HMAC-SHA256 under the
-- new key), audits itself, and only then creates the triggers that refuse any UPDATE or
-- DELETE (see `db::KEYED_AUDIT_GUARDS`).
CREATE TABLE audit_secret (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
) STRICT;

CREATE TABLE audit_log_keyed (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
) STRICT;
INSERT INTO audit_log_keyed (seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash)
    SELECT seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash FROM audit_log ORDER BY seq;
DROP TABLE audit_log;
ALTER TABLE audit_log_keyed RENAME TO audit_log;
