//! Opening the SQLCipher database and bringing its schema up to date.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::secret::VaultKey;

/// Schema migrations, applied in order inside one transaction each at unlock. Append only:
/// never edit a migration that has shipped.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_vault", include_str!("../migrations/0001_vault.sql")),
    (
        "0002_records",
        include_str!("../migrations/0002_records.sql"),
    ),
    (
        "0003_frameworks",
        include_str!("../migrations/0003_frameworks.sql"),
    ),
    (
        "0004_reviews",
        include_str!("../migrations/0004_reviews.sql"),
    ),
    (
        "0005_supervision",
        include_str!("../migrations/0005_supervision.sql"),
    ),
    (
        "0006_summary_indexes",
        include_str!("../migrations/0006_summary_indexes.sql"),
    ),
    (
        "0007_published_summaries",
        include_str!("../migrations/0007_published_summaries.sql"),
    ),
    (
        KEYED_AUDIT,
        include_str!("../migrations/0008_keyed_audit.sql"),
    ),
    (
        "0009_sync_device",
        include_str!("../migrations/0009_sync_device.sql"),
    ),
    (
        "0010_sync_laptops",
        include_str!("../migrations/0010_sync_laptops.sql"),
    ),
    (
        "0011_sync_keys",
        include_str!("../migrations/0011_sync_keys.sql"),
    ),
    (
        "0012_sync_state",
        include_str!("../migrations/0012_sync_state.sql"),
    ),
    (
        "0013_signed_review_relay",
        include_str!("../migrations/0013_signed_review_relay.sql"),
    ),
    (
        "0014_sync_marks",
        include_str!("../migrations/0014_sync_marks.sql"),
    ),
    (
        "0015_pupil_erasures",
        include_str!("../migrations/0015_pupil_erasures.sql"),
    ),
    (
        "0016_list_retired",
        include_str!("../migrations/0016_list_retired.sql"),
    ),
    (
        "0017_status_history",
        include_str!("../migrations/0017_status_history.sql"),
    ),
    (
        "0019_record_versions",
        include_str!("../migrations/0019_record_versions.sql"),
    ),
    (
        "0020_goal_lineage",
        include_str!("../migrations/0020_goal_lineage.sql"),
    ),
    (
        "0021_supervision_versions",
        include_str!("../migrations/0021_supervision_versions.sql"),
    ),
    (
        "0024_sync_sent",
        include_str!("../migrations/0024_sync_sent.sql"),
    ),
    (
        "0023_session_safeguarding",
        include_str!("../migrations/0023_session_safeguarding.sql"),
    ),
    (
        "0022_search_kinds",
        include_str!("../migrations/0022_search_kinds.sql"),
    ),
];

/// How to take the newer migrations back off a vault, for the tests that make a vault as an
/// older version of Attune left it and check that opening it upgrades it (never used by the
/// product: migrations only go forward). Each entry undoes one migration's schema changes, enough
/// for that migration to run again; a migration added after `0016_list_retired` must add its
/// entry here, or [`rewind_sql`] refuses to rewind past it.
pub const UNDO: &[(&str, &str)] = &[
    ("0017_status_history", "DROP TABLE pupil_status_history;"),
    (
        "0019_record_versions",
        "DROP TABLE record_versions;
         DROP TRIGGER sessions_search_ai;
         DROP TRIGGER sessions_search_au;
         DROP TRIGGER chronology_search_ai;
         DROP TRIGGER chronology_search_au;
         ALTER TABLE sessions DROP COLUMN withdrawn_at;
         ALTER TABLE sessions DROP COLUMN withdrawn_by;
         ALTER TABLE sessions DROP COLUMN withdrawn_reason;
         ALTER TABLE chronology DROP COLUMN withdrawn_at;
         ALTER TABLE chronology DROP COLUMN withdrawn_by;
         ALTER TABLE chronology DROP COLUMN withdrawn_reason;
         ALTER TABLE instrument_scores DROP COLUMN withdrawn_at;
         ALTER TABLE instrument_scores DROP COLUMN withdrawn_by;
         ALTER TABLE instrument_scores DROP COLUMN withdrawn_reason;
         ALTER TABLE termly_indicators DROP COLUMN withdrawn_at;
         ALTER TABLE termly_indicators DROP COLUMN withdrawn_by;
         ALTER TABLE termly_indicators DROP COLUMN withdrawn_reason;",
    ),
    (
        "0020_goal_lineage",
        "DROP INDEX goals_carried_from;
         ALTER TABLE goals DROP COLUMN carried_from;",
    ),
    (
        "0021_supervision_versions",
        "DROP TABLE supervision_note_versions;
         ALTER TABLE supervision_notes DROP COLUMN withdrawn_at;
         ALTER TABLE supervision_notes DROP COLUMN withdrawn_by;
         ALTER TABLE supervision_notes DROP COLUMN withdrawn_reason;",
    ),
    (
        "0024_sync_sent",
        "ALTER TABLE sync_peer_state DROP COLUMN sent;",
    ),
    // It drops the search index and every trigger that writes it, then builds them again from
    // the tables, so running it again needs nothing undone; but its supervision notes' triggers
    // read `withdrawn_at`, which undoing 0021 drops.
    (
        "0022_search_kinds",
        "DROP TRIGGER supervision_notes_search_ai;
         DROP TRIGGER supervision_notes_search_au;
         DROP TRIGGER supervision_notes_search_ad;",
    ),
    (
        "0023_session_safeguarding",
        "ALTER TABLE sessions DROP COLUMN safeguarding_ref;",
    ),
];

/// SQL that takes an up-to-date vault back to schema `version` (the first `version` entries of
/// [`MIGRATIONS`] applied), newest migration first, and sets its `user_version`. For tests only.
///
/// # Panics
/// When a migration to undo has no entry in [`UNDO`].
#[doc(hidden)]
pub fn rewind_sql(version: usize) -> String {
    let mut sql = String::new();
    for (name, _) in MIGRATIONS[version.min(MIGRATIONS.len())..].iter().rev() {
        let undo = UNDO
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("migration {name} has no entry in db::UNDO"));
        sql.push_str(undo.1);
        sql.push('\n');
    }
    sql.push_str(&format!("PRAGMA user_version = {version};"));
    sql
}

/// The number of migrations up to and including `name` (the `user_version` of a vault that has
/// it as its newest migration).
#[doc(hidden)]
pub fn version_with(name: &str) -> usize {
    MIGRATIONS
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no migration {name}"))
        + 1
}

/// The migration that keys the audit chain: after its SQL, Rust re-chains the rows
/// (`audit::key_the_chain`) and then [`KEYED_AUDIT_GUARDS`] makes the table append-only.
const KEYED_AUDIT: &str = "0008_keyed_audit";

/// Triggers that refuse any change or deletion of an audit entry or of the chain's key.
pub const KEYED_AUDIT_GUARDS: &str = "
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END;
CREATE TRIGGER audit_secret_no_update BEFORE UPDATE ON audit_secret
BEGIN SELECT RAISE(ABORT, 'the audit key cannot be changed'); END;
CREATE TRIGGER audit_secret_no_delete BEFORE DELETE ON audit_secret
BEGIN SELECT RAISE(ABORT, 'the audit key cannot be deleted'); END;
";

pub fn schema_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// Open (or create) the database at `path` with `key`. Fails with `Error::NotSqlCipher` if
/// the linked SQLite has no encryption, and with `KeyRejected` if the key does not open it.
pub(crate) fn open(path: &Path, key: &VaultKey) -> Result<Connection> {
    open_inner(path, Some(key))
}

/// **Benchmark only** (cargo feature `bench-plain`, enabled by `attune-admin` alone, never by
/// the app): open the database at `path` with **no key**, as plain SQLite, with the same
/// pragmas as [`open`], so `attune-admin bench` can measure what encryption costs. Without the
/// feature this function does not exist and [`open`] is the only way in.
#[cfg(feature = "bench-plain")]
pub(crate) fn open_unencrypted_for_benchmark(path: &Path) -> Result<Connection> {
    open_inner(path, None)
}

/// Waits, once per process, until SQLCipher has finished starting; every vault connection
/// calls it before opening. See [`attune_sync::sqlite::sqlcipher_ready`] for the race.
pub use attune_sync::sqlite::sqlcipher_ready;

fn open_inner(path: &Path, key: Option<&VaultKey>) -> Result<Connection> {
    sqlcipher_ready();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let version: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .ok();
    if version.as_deref().is_none_or(str::is_empty) {
        return Err(Error::NotSqlCipher);
    }
    // A wrong key must not print "hmac check failed" to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // SQLCipher wipes (and locks) the memory it frees: keys and decrypted pages do not linger.
    conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    if let Some(key) = key {
        conn.execute_batch(&key.pragma("key"))?;
    }
    // The first read proves the key: SQLCipher reports a wrong key as "not a database".
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(Error::KeyRejected)
        }
        Err(e) => return Err(e.into()),
    }
    // cache_size: 32 MiB of decrypted pages (SQLite's default is 2 MiB). Every page read
    // from the file costs SQLCipher an HMAC check and a decryption; with the default, the
    // strategic lead's caseload of a 500-pupil vault (one index seek per pupil) no longer fit
    // and was decrypted afresh each time — 2.2× plain SQLite in `attune-admin bench`.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32768;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(conn)
}

/// Apply every migration the database has not had, each in its own transaction. `key` and
/// `now` are for the migration that keys the audit chain (and audits itself).
pub(crate) fn migrate(
    conn: &mut Connection,
    key: &VaultKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u32> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let target = schema_version();
    if current > target {
        return Err(Error::VaultDamaged(format!(
            "it was written by a newer version of Attune (schema {current}; this version knows {target}). Update Attune."
        )));
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| Error::Internal(format!("migration {name} failed: {e}")))?;
        if *name == KEYED_AUDIT {
            crate::audit::key_the_chain(&tx, key, now)?;
            tx.execute_batch(KEYED_AUDIT_GUARDS)
                .map_err(|e| Error::Internal(format!("migration {name} failed: {e}")))?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(target)
}

/// The re-keyed copy written during a key change, beside the database.
pub(crate) fn rekey_copy_path(db: &Path) -> std::path::PathBuf {
    db.with_file_name("vault.db.rekey")
}

/// Write a complete copy of the database encrypted under `new_key` beside it
/// (`vault.db.rekey`) and sync it to the disk. The database itself is not touched: the key
/// change is the rename of this copy over it, done by the caller once the connection is
/// closed. (SQLCipher's in-place `PRAGMA rekey` on a full disk left a database that opened
/// with neither key; a copy that cannot be written leaves the original as it was.)
pub(crate) fn write_rekeyed_copy(
    conn: &Connection,
    db: &Path,
    new_key: &VaultKey,
) -> Result<std::path::PathBuf> {
    let copy = rekey_copy_path(db);
    remove_rekey_copy(db);
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let s = copy
        .to_str()
        .ok_or_else(|| Error::InvalidInput("The vault's folder name is not valid text.".into()))?;
    let hexkey = zeroize::Zeroizing::new(hex::encode(new_key.0));
    let attach = zeroize::Zeroizing::new(format!(
        "ATTACH DATABASE ?1 AS rekeyed KEY \"x'{}'\"",
        hexkey.as_str()
    ));
    conn.execute(attach.as_str(), [s])?;
    let result = conn
        .query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
        .and_then(|()| conn.execute_batch(&format!("PRAGMA rekeyed.user_version = {version};")));
    let detached = conn.execute_batch("DETACH DATABASE rekeyed;");
    if let Err(e) = result
        .map_err(Error::from)
        .and(detached.map_err(Error::from))
        .and_then(|()| {
            std::fs::File::open(&copy)?.sync_all()?;
            Ok(())
        })
    {
        remove_rekey_copy(db);
        return Err(e);
    }
    Ok(copy)
}

/// Remove a re-keyed copy left by an interrupted key change.
pub(crate) fn remove_rekey_copy(db: &Path) {
    crate::fsutil::remove_db_files(&rekey_copy_path(db));
}

/// SQLCipher's page-by-page HMAC check and SQLite's own integrity check. Returns the
/// problems found (empty when the database is sound).
pub fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut problems = cipher_problems(conn)?;
    problems.extend(structure_problems(conn)?);
    Ok(problems)
}

/// SQLCipher's check of every page's HMAC, read from the file: one line per failure.
pub fn cipher_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// SQLite's integrity check: its lines other than "ok".
pub fn structure_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for r in rows {
        let r = r?;
        if r != "ok" {
            problems.push(r);
        }
    }
    Ok(problems)
}
