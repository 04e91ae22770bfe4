-- The vault's own tables: settings, users, the in-database copy of the key slots, and the
-- tamper-evident audit log. Later migrations add the domain's tables.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('strategic_lead', 'key_adult')),
    created_at TEXT NOT NULL,
    removed_at TEXT
) STRICT;
CREATE UNIQUE INDEX users_active_name ON users (lower(name)) WHERE removed_at IS NULL;

-- A copy of the key-slot file, written each time the file is written, used to repair a
-- damaged or out-of-date file once the vault has been opened.
CREATE TABLE keyslot_copy (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    content    BLOB NOT NULL,
    written_at TEXT NOT NULL
) STRICT;

-- Every view, change, export, sign-in and failed sign-in. Each row's hash covers the
-- previous row's hash, so an edited or deleted row breaks the chain (see audit.rs).
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
) STRICT;
