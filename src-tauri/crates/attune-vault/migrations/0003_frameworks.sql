-- A school's own plan frameworks (issue 3), as the JSON text of an `attune-framework/1` file,
-- checked by attune_domain::framework before it is stored. The built-in frameworks (Secure Base,
-- SHANARRI) are compiled into Attune and never stored here. Plans refer to a framework by its id.
CREATE TABLE school_frameworks (
    id       TEXT PRIMARY KEY NOT NULL,
    content  TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT REFERENCES users (id)
) STRICT;
