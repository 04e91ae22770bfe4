-- Issue 17: the bookkeeping of sync across laptops. Every table here is local to its vault
-- (never copied to a laptop, never sent in a sync file as a record): see attune-sync's
-- DESIGN.md and attune-domain/src/transfer/sync.rs.

-- attune-sync's own tables (the same definitions as `attune_sync::changes::BOOKKEEPING_SQL`,
-- whose `install` is then a no-op): the clock of every column of every synced row, the rows
-- deleted, the highest change applied per origin, and every change held.
CREATE TABLE IF NOT EXISTS sync_clock (
    tbl TEXT NOT NULL, id TEXT NOT NULL, col TEXT NOT NULL, hlc TEXT NOT NULL,
    PRIMARY KEY (tbl, id, col)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_tombstone (
    tbl TEXT NOT NULL, id TEXT NOT NULL, hlc TEXT NOT NULL,
    PRIMARY KEY (tbl, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_applied (
    origin INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sync_log (
    origin INTEGER NOT NULL, seq INTEGER NOT NULL, hlc TEXT NOT NULL, deps BLOB NOT NULL,
    changeset BLOB NOT NULL,
    PRIMARY KEY (origin, seq)) WITHOUT ROWID;

-- The order changes arrived in this vault: the school sends a laptop what came after the
-- position it last acknowledged, whatever the origin.
CREATE TABLE sync_arrivals (
    pos    INTEGER PRIMARY KEY AUTOINCREMENT,
    origin INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    UNIQUE (origin, seq)
) STRICT;
CREATE TRIGGER sync_log_arrival AFTER INSERT ON sync_log
BEGIN
    INSERT INTO sync_arrivals (origin, seq) VALUES (NEW.origin, NEW.seq);
END;

-- Per peer (at the school: each laptop; on a laptop: the school, device 0): the files each
-- way, what the other side has acknowledged, and when.
CREATE TABLE sync_peer_state (
    device_no     INTEGER PRIMARY KEY CHECK (device_no BETWEEN 0 AND 4095),
    -- the last sync file written for the peer, and the last one imported from it
    out_seq       INTEGER NOT NULL DEFAULT 0,
    in_seq        INTEGER NOT NULL DEFAULT 0,
    -- the highest position of this vault's arrivals the peer has applied (school side)
    acked_pos     INTEGER NOT NULL DEFAULT 0,
    -- the highest position of the peer's arrivals this vault has applied (laptop side)
    applied_pos   INTEGER NOT NULL DEFAULT 0,
    -- the highest of this vault's own changes the peer has applied, as it last said
    peer_applied_seq INTEGER NOT NULL DEFAULT 0,
    -- the highest entry of this vault's audit chain the peer keeps a copy of (laptop side)
    peer_audit_seq INTEGER NOT NULL DEFAULT 0,
    -- the pupils the peer holds, as it last said (school side): JSON array of ids
    holds         TEXT NOT NULL DEFAULT '[]',
    last_out_at   TEXT,
    last_in_at    TEXT
) STRICT;

-- Values that lost under last-writer-wins, kept for a person to see and choose.
CREATE TABLE sync_conflicts (
    id          INTEGER PRIMARY KEY,
    tbl         TEXT NOT NULL,
    row_key     TEXT NOT NULL,
    col         TEXT NOT NULL,
    kept        ANY,
    kept_hlc    TEXT NOT NULL,
    lost        ANY,
    lost_hlc    TEXT NOT NULL,
    lost_device INTEGER NOT NULL,
    found_at    TEXT NOT NULL,
    resolved_at TEXT
) STRICT;

-- The key of the sync base (`sync-base.db` beside the vault: the records as last shared,
-- for capture by difference). A key of its own, kept here under the vault's encryption, so a
-- change of the vault's key leaves the base readable.
CREATE TABLE sync_base_key (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;

-- At the school: every laptop's audit chain, as the laptop sent it (checked to continue what
-- was held, under that laptop's chain key, before it is kept), and the key to check it with.
CREATE TABLE sync_audit_copies (
    device_no  INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL,
    PRIMARY KEY (device_no, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE sync_audit_keys (
    device_no INTEGER PRIMARY KEY,
    key       BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;
