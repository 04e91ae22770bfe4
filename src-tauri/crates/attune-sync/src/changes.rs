//! Change capture and apply on SQLCipher connections, with SQLite's session extension.
//!
//! **Capture** ([`write()`]): a local write runs in one transaction with a session attached to
//! the synced tables; the session's changeset (SQLite's own compact binary format: table,
//! operation, primary key, old and new values of changed columns) becomes one [`Change`],
//! stamped with one HLC and numbered `(origin device, seq)`, and is kept in `sync_log`
//! until every replica has acknowledged it.
//!
//! **Apply** ([`apply`]): a change from another replica is applied with
//! `sqlite3changeset_apply` and a conflict handler implementing last-writer-wins **per
//! column** by HLC: every column of every synced row carries the HLC of the write that set
//! it (`sync_clock`), a column takes the incoming value only if the incoming HLC is greater,
//! and the row's `hlc` column is the greatest HLC applied to it. Each column ends, on every
//! replica, with the value of the write with the greatest HLC, whatever order changes came
//! in: replicas converge. When two replicas changed the same column concurrently, the value
//! that lost is returned as a [`Conflict`] for a person to see — nothing typed is lost.
//!
//! **Capture by difference** ([`capture`], the vault's way): rather than a session around each
//! write, the synced tables are compared with their copy in a *base* (an attached database,
//! [`install_base`]) with `sqlite3session_diff`; the difference becomes the [`Change`], and
//! the base takes the captured rows. Whatever code wrote a record, it is captured, and a crash
//! loses nothing. Triggers mark the key of every row written in a synced table
//! (`sync_dirty_rows`), so a capture compares only those rows: its cost follows what changed,
//! not the size of the vault. A change applied from elsewhere is copied into the base too
//! ([`apply_with_base`], [`apply_relayed`]), so it is never captured again as this replica's.
//!
//! **A hub's relay**: the school holds every record; a laptop only its key adult's caseload.
//! The school sends a laptop each change it holds, cut to that laptop's rows
//! ([`filter_changeset`], SQLite's `sqlite3changegroup_add_change`), with its origin and HLC,
//! and the laptop applies them in the school's order ([`apply_relayed`]).
//!
//! Rules the schema must follow ([`Schema::check`]): every synced table has a primary key of
//! one or more `TEXT` or `INTEGER` columns (ids unique across laptops: see DESIGN.md; the
//! vault's record tables use device-range integers, some tables a composite key). A table
//! written through [`write()`] has a `hlc TEXT NOT NULL` column set by each write to the write's
//! HLC (checked on capture and on apply); a table captured by difference has none (each
//! column's clock is in `sync_clock`). *Insert-only* tables (sessions, chronology, scores, signed reviews,
//! amendments, audit entries) never conflict: an update of one is refused, and the same id
//! inserted twice with different contents is refused. A delete (erasure) wins over every
//! edit, for good: a tombstone stops a later insert or update bringing the row back.
//!
//! Changes are applied in causal order: those from one origin in sequence order, and a
//! change only after every change its writer had applied when it was made (its `deps`).
//! A change that comes too early is refused with [`Error::Gap`] or [`Error::Waiting`] and
//! nothing changes (the caller keeps it for later); one already applied is a no-op
//! ([`Applied::Duplicate`]).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::Arc;

use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::hooks::Action;
use rusqlite::session::{ChangesetItem, ChangesetIter, ConflictAction, ConflictType, Session};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

pub use crate::batch::Change;
use crate::batch::{decode_deps, encode_deps};
use crate::error::{Error, Result};
use crate::hlc::{Clock, DeviceId, Hlc};

/// How a synced table behaves under concurrent changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Fields may be edited on several laptops: last writer wins per column, by HLC.
    Mutable,
    /// Records are only ever added (or erased): they never conflict.
    InsertOnly,
    /// Rows named by what they hold (a review date of a plan, a list's label, a setting's
    /// name), deleted and added again in normal use. A delete wins over an edit, as in the
    /// other kinds, but is not final: the row added again after the delete (an insert with a
    /// greater HLC) comes back everywhere — a date removed and later put back. In the other
    /// kinds, whose rows have ids that are never handed out twice, a delete is an erasure and
    /// final.
    Keyed,
}

#[derive(Debug, Clone)]
struct TableInfo {
    kind: TableKind,
    columns: Vec<String>,
    /// Each column's declared type, as `PRAGMA table_info` gives it.
    types: Vec<String>,
    /// The primary key's columns, in the key's order (one for most tables, two for a
    /// rating keyed by review and goal, say).
    pk: Vec<usize>,
    /// For each key column: declared `INTEGER` (device-range ids, see DESIGN.md), not `TEXT`.
    pk_int: Vec<bool>,
    /// The row's own `hlc` column, if the table has one (tables written through [`write()`]).
    /// Tables captured by [`capture`] need none: their clocks are in `sync_clock`.
    hlc: Option<usize>,
}

impl TableInfo {
    fn is_pk(&self, i: usize) -> bool {
        self.pk.contains(&i)
    }

    /// `"a" = ?1 AND "b" = ?2`, the key's columns bound from `?first`.
    fn key_where(&self, first: usize) -> String {
        self.pk
            .iter()
            .enumerate()
            .map(|(n, &i)| format!("\"{}\" = ?{}", self.columns[i], first + n))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn key_order(&self) -> String {
        self.pk
            .iter()
            .map(|&i| format!("\"{}\"", self.columns[i]))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The synced tables of a vault, checked against the database.
#[derive(Debug, Clone)]
pub struct Schema {
    tables: BTreeMap<String, TableInfo>,
}

/// The bookkeeping tables of sync. They are never synced themselves.
pub const BOOKKEEPING_SQL: &str = "
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
CREATE TABLE IF NOT EXISTS sync_dirty (tbl TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_dirty_rows (
    tbl TEXT NOT NULL, k1 BLOB NOT NULL, k2 BLOB NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (tbl, k1, k2)) WITHOUT ROWID;
";

/// Create the bookkeeping tables (idempotent). In the vault this becomes a migration.
pub fn install(conn: &Connection) -> Result<()> {
    conn.execute_batch(BOOKKEEPING_SQL)?;
    Ok(())
}

impl Schema {
    /// Read the columns of each table and check the rules in the module documentation.
    pub fn check(conn: &Connection, tables: &[(&str, TableKind)]) -> Result<Schema> {
        let mut out = BTreeMap::new();
        for &(name, kind) in tables {
            if name.starts_with("sync_")
                || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                return Err(Error::InvalidInput(format!(
                    "{name} cannot be a synced table"
                )));
            }
            let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{name}\")"))?;
            let cols: Vec<(String, String, i64)> = stmt
                .query_map([], |r| Ok((r.get(1)?, r.get::<_, String>(2)?, r.get(5)?)))?
                .collect::<std::result::Result<_, _>>()?;
            if cols.is_empty() {
                return Err(Error::InvalidInput(format!("table {name} does not exist")));
            }
            let mut pks: Vec<usize> = (0..cols.len()).filter(|&i| cols[i].2 > 0).collect();
            pks.sort_by_key(|&i| cols[i].2);
            let mut pk_int = Vec::new();
            for &i in &pks {
                match cols[i].1.to_ascii_uppercase().as_str() {
                    "INTEGER" => pk_int.push(true),
                    "TEXT" => pk_int.push(false),
                    _ => {
                        return Err(Error::InvalidInput(format!(
                            "table {name}: every column of its primary key must be TEXT or INTEGER"
                        )))
                    }
                }
            }
            if pks.is_empty() {
                return Err(Error::InvalidInput(format!(
                    "table {name} must have a primary key"
                )));
            }
            let hlc = cols.iter().position(|c| c.0 == "hlc");
            out.insert(
                name.to_string(),
                TableInfo {
                    kind,
                    types: cols.iter().map(|c| c.1.clone()).collect(),
                    columns: cols.into_iter().map(|c| c.0).collect(),
                    pk: pks,
                    pk_int,
                    hlc,
                },
            );
        }
        Ok(Schema { tables: out })
    }

    fn table(&self, name: &str) -> Result<&TableInfo> {
        self.tables.get(name).ok_or_else(|| {
            Error::Refused(format!("a change to a table that is not synced ({name})"))
        })
    }
}

/// A value that lost under last-writer-wins, kept for a person to see and choose.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub table: String,
    pub id: String,
    pub column: String,
    pub kept: Value,
    pub kept_hlc: Hlc,
    pub lost: Value,
    /// Its device says where it was written ("also changed on Iain's laptop").
    pub lost_hlc: Hlc,
}

/// What applying one change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Already applied before: nothing changed.
    Duplicate,
    Done {
        /// Rows inserted, updated or deleted by the change (after conflict resolution).
        rows: usize,
        conflicts: Vec<Conflict>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Insert,
    Update,
    Delete,
}

/// One row operation of a changeset, with owned values (`None`: not in the changeset).
#[derive(Debug, Clone)]
struct Op {
    table: String,
    kind: Kind,
    /// The row's key as the bookkeeping keeps it (see [`key_text`]).
    id: String,
    /// The key's values, in the key's order.
    key: Vec<Value>,
    old: Vec<Option<Value>>,
    new: Vec<Option<Value>>,
}

/// A value of a changeset, owned. `None`: the column is not in the change (SQLite leaves
/// unchanged columns of an update out).
fn opt(v: rusqlite::Result<ValueRef<'_>>) -> Result<Option<Value>> {
    match v {
        Err(_) => Ok(None),
        Ok(v) => Value::try_from(v)
            .map(Some)
            .map_err(|_| Error::Refused("a change holds text that is not UTF-8".into())),
    }
}

/// A row's key as the bookkeeping keeps it (text): for a one-column key, the id itself
/// (`TEXT`) or its decimal form (`INTEGER`); for a wider key, each part typed and
/// length-prefixed (`i12|t10:2027-01-08`), so no two keys share a text. A key value of
/// another type than its column declares is refused, so a forged `'011'` can never stand
/// beside the row `11` in the bookkeeping.
fn key_text(values: &[Option<Value>], info: &TableInfo) -> Result<(String, Vec<Value>)> {
    let refused =
        || Error::Refused("a change to a record without a key of its table's types".into());
    let mut parts = Vec::new();
    let mut key = Vec::new();
    for (n, &i) in info.pk.iter().enumerate() {
        let v = values.get(i).cloned().flatten().ok_or_else(refused)?;
        let part = match (&v, info.pk_int[n]) {
            (Value::Text(s), false) => (format!("t{}:{s}", s.len()), s.clone()),
            (Value::Integer(i), true) => (format!("i{i}"), i.to_string()),
            _ => return Err(refused()),
        };
        parts.push(part);
        key.push(v);
    }
    let text = if parts.len() == 1 {
        parts.remove(0).1
    } else {
        parts.into_iter().map(|p| p.0).collect::<Vec<_>>().join("|")
    };
    Ok((text, key))
}

fn read_ops(bytes: &[u8], schema: &Schema) -> Result<Vec<Op>> {
    let mut input: &[u8] = bytes;
    let reader: &mut dyn Read = &mut input;
    let mut iter = ChangesetIter::start_strm(&reader)?;
    let mut ops = Vec::new();
    while let Some(item) = iter.next()? {
        let op = item.op()?;
        let table = op.table_name().to_string();
        let info = schema.table(&table)?;
        let n = op.number_of_columns() as usize;
        if n != info.columns.len() {
            return Err(Error::Refused(format!(
                "a change to {table} with the wrong columns"
            )));
        }
        let kind = match op.code() {
            Action::SQLITE_INSERT => Kind::Insert,
            Action::SQLITE_UPDATE => Kind::Update,
            Action::SQLITE_DELETE => Kind::Delete,
            _ => return Err(Error::Refused("an unknown kind of change".into())),
        };
        let old: Vec<Option<Value>> = match kind {
            Kind::Insert => vec![None; n],
            _ => (0..n)
                .map(|i| opt(item.old_value(i)))
                .collect::<Result<_>>()?,
        };
        let new: Vec<Option<Value>> = match kind {
            Kind::Delete => vec![None; n],
            _ => (0..n)
                .map(|i| opt(item.new_value(i)))
                .collect::<Result<_>>()?,
        };
        let (id, key) = match kind {
            Kind::Insert => key_text(&new, info)?,
            _ => key_text(&old, info)?,
        };
        ops.push(Op {
            table,
            kind,
            id,
            key,
            old,
            new,
        });
    }
    Ok(ops)
}

/// Check what a change may contain, on capture and again on apply: only synced tables,
/// mutable rows stamped with the change's own HLC, no update of an insert-only record.
fn validate(ops: &[Op], schema: &Schema, hlc: Hlc) -> Result<()> {
    let stamp = Value::Text(hlc.to_text());
    for op in ops {
        let info = schema.table(&op.table)?;
        match (info.kind, op.kind) {
            (TableKind::InsertOnly, Kind::Update) => {
                return Err(Error::Refused(format!(
                    "a change edits a record of {} that can only be added",
                    op.table
                )))
            }
            (TableKind::Mutable, Kind::Insert | Kind::Update) if info.hlc.is_some() => {
                let h = info.hlc.expect("checked just above");
                if op.new[h].as_ref() != Some(&stamp) {
                    return Err(Error::Refused(format!(
                        "a change to {} is not stamped with its own time",
                        op.table
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn next_seq(conn: &Connection, origin: DeviceId) -> Result<u64> {
    let max: Option<i64> = conn.query_row(
        "SELECT MAX(seq) FROM sync_log WHERE origin = ?1",
        [origin.0 as i64],
        |r| r.get(0),
    )?;
    let applied = applied_seq(conn, origin)?;
    Ok((max.unwrap_or(0) as u64).max(applied) + 1)
}

/// The highest change from `origin` applied here (0: none).
pub fn applied_seq(conn: &Connection, origin: DeviceId) -> Result<u64> {
    let s: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sync_applied WHERE origin = ?1",
            [origin.0 as i64],
            |r| r.get(0),
        )
        .optional()?;
    Ok(s.unwrap_or(0) as u64)
}

fn set_applied(conn: &Connection, origin: DeviceId, seq: u64) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_applied (origin, seq) VALUES (?1, ?2)
         ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq",
        params![origin.0 as i64, seq as i64],
    )?;
    Ok(())
}

fn set_clock(tx: &Connection, table: &str, id: &str, col: &str, hlc: Hlc) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_clock (tbl, id, col, hlc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (tbl, id, col) DO UPDATE SET hlc = excluded.hlc",
        params![table, id, col, hlc.to_text()],
    )?;
    Ok(())
}

fn get_clock(tx: &Connection, table: &str, id: &str, col: &str) -> Result<Hlc> {
    let s: Option<String> = tx
        .query_row(
            "SELECT hlc FROM sync_clock WHERE tbl = ?1 AND id = ?2 AND col = ?3",
            params![table, id, col],
            |r| r.get(0),
        )
        .optional()?;
    s.map_or(Ok(Hlc::ZERO), |s| Hlc::from_text(&s))
}

fn tombstone(tx: &Connection, kind: TableKind, table: &str, id: &str, hlc: Hlc) -> Result<()> {
    let sql = if kind == TableKind::Keyed {
        // The latest delete counts: an older one arriving late changes nothing.
        "INSERT INTO sync_tombstone (tbl, id, hlc) VALUES (?1, ?2, ?3)
         ON CONFLICT (tbl, id) DO UPDATE SET hlc = excluded.hlc WHERE excluded.hlc > hlc"
    } else {
        "INSERT INTO sync_tombstone (tbl, id, hlc) VALUES (?1, ?2, ?3)
         ON CONFLICT (tbl, id) DO NOTHING"
    };
    tx.execute(sql, params![table, id, hlc.to_text()])?;
    tx.execute(
        "DELETE FROM sync_clock WHERE tbl = ?1 AND id = ?2",
        params![table, id],
    )?;
    Ok(())
}

/// The HLC of the delete that removed this row, if one did.
fn tombstoned_at(tx: &Connection, table: &str, id: &str) -> Result<Option<Hlc>> {
    tx.query_row(
        "SELECT hlc FROM sync_tombstone WHERE tbl = ?1 AND id = ?2",
        params![table, id],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|s| Hlc::from_text(&s))
    .transpose()
}

fn untombstone(tx: &Connection, table: &str, id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM sync_tombstone WHERE tbl = ?1 AND id = ?2",
        params![table, id],
    )?;
    Ok(())
}

/// The clock of a keyed row's existence (`sync_clock.col`): the HLC of the insert that
/// (last) added it, which a delete must be later than to remove it.
const EXISTS: &str = "";

/// What a local change does to the bookkeeping: clocks of the columns it set, tombstones of
/// the rows it deleted (and a keyed row added again is no longer deleted).
fn record_local(tx: &Connection, schema: &Schema, ops: &[Op], hlc: Hlc) -> Result<()> {
    for op in ops {
        let info = schema.table(&op.table)?;
        match op.kind {
            Kind::Delete => tombstone(tx, info.kind, &op.table, &op.id, hlc)?,
            Kind::Insert | Kind::Update => {
                if info.kind == TableKind::Keyed {
                    untombstone(tx, &op.table, &op.id)?;
                    if op.kind == Kind::Insert {
                        set_clock(tx, &op.table, &op.id, EXISTS, hlc)?;
                    }
                }
                for (i, col) in info.columns.iter().enumerate() {
                    if !info.is_pk(i) && op.new[i].is_some() {
                        set_clock(tx, &op.table, &op.id, col, hlc)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn current_row(
    tx: &Connection,
    table: &str,
    info: &TableInfo,
    key: &[Value],
) -> Result<Option<Vec<Value>>> {
    let sql = format!("SELECT * FROM \"{table}\" WHERE {}", info.key_where(1));
    let n = info.columns.len();
    Ok(tx
        .query_row(&sql, rusqlite::params_from_iter(key), |r| {
            (0..n)
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .optional()?)
}

/// Keep a local change in `sync_log` under this replica's next sequence number, with what it
/// had applied of every other origin (`deps`).
fn log_local(
    tx: &Connection,
    origin: DeviceId,
    hlc: Hlc,
    bytes: &[u8],
) -> Result<(u64, Vec<(DeviceId, u64)>)> {
    let seq = next_seq(tx, origin)?;
    let deps: Vec<(DeviceId, u64)> = acknowledgements(tx)?
        .into_iter()
        .filter(|(d, _)| *d != origin)
        .collect();
    tx.execute(
        "INSERT INTO sync_log (origin, seq, hlc, deps, changeset) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            origin.0 as i64,
            seq as i64,
            hlc.to_text(),
            encode_deps(&deps),
            bytes
        ],
    )?;
    set_applied(tx, origin, seq)?;
    Ok((seq, deps))
}

/// Run `f` as one local write: in a transaction, with a session recording the synced
/// tables. `f` receives the write's HLC and must stamp every row it writes in a mutable
/// table with it (`hlc = ?`). Returns `f`'s result and the recorded change (`None` if
/// nothing synced changed). Nothing is kept if `f` or a check fails.
pub fn write<T>(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    f: impl FnOnce(&Transaction<'_>, Hlc) -> Result<T>,
) -> Result<(T, Option<Change>)> {
    let tx = conn.transaction()?;
    let mut probe = clock.clone();
    let hlc = probe.tick(now_ms)?;
    let mut bytes = Vec::new();
    let value = {
        let mut session = Session::new(&tx)?;
        for name in schema.tables.keys() {
            session.attach(Some(name.as_str()))?;
        }
        let value = f(&tx, hlc)?;
        session.changeset_strm(&mut bytes)?;
        value
    };
    if bytes.is_empty() {
        tx.commit()?;
        return Ok((value, None));
    }
    let ops = read_ops(&bytes, schema)?;
    validate(&ops, schema, hlc)?;
    record_local(&tx, schema, &ops, hlc)?;
    let (seq, deps) = log_local(&tx, clock.device(), hlc, &bytes)?;
    let origin = clock.device();
    tx.commit()?;
    *clock = probe;
    Ok((
        value,
        Some(Change {
            origin,
            seq,
            hlc,
            deps,
            changeset: bytes,
        }),
    ))
}

/// Make the base `base` (an attached database, SQLCipher-keyed like the vault: the caller
/// attaches it) for [`capture`]: one table per synced table, same columns and primary key,
/// no other constraint (no foreign key, so refreshing a parent row never cascades into its
/// children's base rows), filled with what the synced tables hold now — everything a
/// replica holds when it starts syncing (a laptop just joined, the school when it first
/// enrols one) counts as already shared. Idempotent: a table already in the base is left as
/// it is.
///
/// It also puts on every synced table the triggers that mark each row written
/// (`sync_dirty_rows`), which [`capture`] and [`absorb`] read to look at those rows alone
/// (see [`capture`]). A synced table whose triggers are missing (a table new to sync, or one
/// rebuilt by a migration, which drops its triggers) gets them again and is marked whole
/// (`sync_dirty`): what was written while it had none is found by comparing the whole table
/// once. Call it before every capture (the vault's sync does, each time it attaches the base).
pub fn install_base(conn: &mut Connection, schema: &Schema, base: &str) -> Result<()> {
    check_name(base)?;
    for (name, info) in &schema.tables {
        if info.pk.len() > MARK_KEY_COLUMNS {
            return Err(Error::InvalidInput(format!(
                "table {name}: a synced table's primary key has at most {MARK_KEY_COLUMNS} columns"
            )));
        }
    }
    let tx = conn.transaction()?;
    let present = mark_triggers_present(&tx)?;
    for (name, info) in &schema.tables {
        let new = !table_exists(&tx, base, name)?;
        if new {
            create_copy_table(&tx, base, name, info)?;
            tx.execute_batch(&format!(
                "INSERT INTO \"{base}\".\"{name}\" SELECT * FROM main.\"{name}\";"
            ))?;
        } else {
            add_new_columns(&tx, base, name, info)?;
        }
        let triggers_ok = trigger_names(name).iter().all(|t| present.contains(t));
        if new || !triggers_ok {
            create_mark_triggers(&tx, name, info)?;
        }
        if new {
            // The base holds the table as it is: nothing in it is left to look at.
            tx.execute("DELETE FROM sync_dirty_rows WHERE tbl = ?1", [name])?;
            tx.execute("DELETE FROM sync_dirty WHERE tbl = ?1", [name])?;
        } else if !triggers_ok {
            // Written while unmarked, perhaps: compared whole at the next capture.
            tx.execute(
                "INSERT INTO sync_dirty (tbl) VALUES (?1) ON CONFLICT DO NOTHING",
                [name],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The tables of a copy of the synced tables in the attached database `name`, empty or
/// (`fill`) filled with what the synced tables hold now. With `fill`, this is
/// [`install_base`] (marks included); without, empty tables for a scratch copy (the vault's
/// records of a pupil new to a laptop are collected in one).
pub fn install_tables(
    conn: &mut Connection,
    schema: &Schema,
    base: &str,
    fill: bool,
) -> Result<()> {
    if fill {
        return install_base(conn, schema, base);
    }
    check_name(base)?;
    let tx = conn.transaction()?;
    for (name, info) in &schema.tables {
        if !table_exists(&tx, base, name)? {
            create_copy_table(&tx, base, name, info)?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn table_exists(conn: &Connection, base: &str, name: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            &format!("SELECT 1 FROM \"{base}\".sqlite_master WHERE type = 'table' AND name = ?1"),
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Columns a migration added to a synced table (`ALTER TABLE … ADD COLUMN`) since the base
/// was made: added to the base's copy too, holding what the vault's rows hold. Every replica
/// runs the same migration, so each column's values as the migration left them (its default)
/// are already shared, not a change of this replica; without this, the diff of a table with
/// another set of columns fails.
fn add_new_columns(conn: &Connection, base: &str, name: &str, info: &TableInfo) -> Result<()> {
    let have: Vec<String> = {
        let mut stmt = conn.prepare(&format!("PRAGMA \"{base}\".table_info(\"{name}\")"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(1))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for (c, t) in info.columns.iter().zip(&info.types) {
        if have.iter().any(|h| h == c) {
            continue;
        }
        let t = if t.eq_ignore_ascii_case("ANY") {
            ""
        } else {
            t.as_str()
        };
        conn.execute_batch(&format!(
            "ALTER TABLE \"{base}\".\"{name}\" ADD COLUMN \"{c}\" {t};"
        ))?;
        let matches = info
            .pk
            .iter()
            .map(|&i| format!("m.\"{0}\" = b.\"{0}\"", info.columns[i]))
            .collect::<Vec<_>>()
            .join(" AND ");
        conn.execute_batch(&format!(
            "UPDATE \"{base}\".\"{name}\" AS b SET \"{c}\" = m.\"{c}\" FROM main.\"{name}\" AS m WHERE {matches};"
        ))?;
    }
    Ok(())
}

/// A table in `base` with `name`'s columns and key and no other constraint.
fn create_copy_table(conn: &Connection, base: &str, name: &str, info: &TableInfo) -> Result<()> {
    // Each column with its table's declared type: the same affinity on both sides is what
    // lets SQLite use the base's key index when `sqlite3session_diff` joins the two (without
    // it, a base column of no affinity compared with an INTEGER key cannot use the index,
    // and the diff of a table of 170,000 sessions scans the base once per row).
    let cols: Vec<String> = info
        .columns
        .iter()
        .zip(&info.types)
        .map(|(c, t)| {
            // `ANY` (a STRICT table's "keep as given") outside STRICT would mean NUMERIC
            // affinity, which turns '12' into 12: no type keeps every value as it is.
            let t = if t.eq_ignore_ascii_case("ANY") {
                ""
            } else {
                t.as_str()
            };
            format!("\"{c}\" {t}")
        })
        .collect();
    conn.execute_batch(&format!(
        "CREATE TABLE \"{base}\".\"{name}\" ({}, PRIMARY KEY ({}));",
        cols.join(", "),
        info.key_order()
    ))?;
    Ok(())
}

/// The columns of a synced table's key a mark holds (`sync_dirty_rows.k1`, `k2`).
const MARK_KEY_COLUMNS: usize = 2;

/// The three triggers that mark the rows written in `table`.
fn trigger_names(table: &str) -> [String; 3] {
    ["insert", "update", "delete"].map(|k| format!("sync_mark_{table}_{k}"))
}

fn mark_triggers_present(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_mark\\_%' ESCAPE '\\'",
    )?;
    let names = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(names)
}

/// (Re)create the triggers marking each row of `table` written: its key (old and new, for an
/// update that changes it) in `sync_dirty_rows`, with a count of writes, so a mark is only
/// cleared if no write came after it was read ([`clear_marks`]).
fn create_mark_triggers(conn: &Connection, table: &str, info: &TableInfo) -> Result<()> {
    let part = |row: &str, n: usize| {
        info.pk.get(n).map_or_else(
            || "''".to_string(),
            |&i| format!("{row}.\"{}\"", info.columns[i]),
        )
    };
    // `WHERE`: a key SQLite let be NULL (a non-STRICT TEXT key) is no row a changeset can
    // carry; the write goes on unmarked rather than failing.
    let mark = |row: &str, extra: &str| {
        format!(
            "INSERT INTO sync_dirty_rows (tbl, k1, k2, n) SELECT '{table}', {k1}, {k2}, 1 \
             WHERE {k1} IS NOT NULL AND {k2} IS NOT NULL{extra} \
             ON CONFLICT (tbl, k1, k2) DO UPDATE SET n = n + 1;",
            k1 = part(row, 0),
            k2 = part(row, 1),
        )
    };
    let key_changed = format!(
        " AND ({} IS NOT {} OR {} IS NOT {})",
        part("OLD", 0),
        part("NEW", 0),
        part("OLD", 1),
        part("NEW", 1)
    );
    let [ins, upd, del] = trigger_names(table);
    conn.execute_batch(&format!(
        "DROP TRIGGER IF EXISTS main.\"{ins}\";
         DROP TRIGGER IF EXISTS main.\"{upd}\";
         DROP TRIGGER IF EXISTS main.\"{del}\";
         CREATE TRIGGER main.\"{ins}\" AFTER INSERT ON \"{table}\" BEGIN {} END;
         CREATE TRIGGER main.\"{upd}\" AFTER UPDATE ON \"{table}\" BEGIN {} {} END;
         CREATE TRIGGER main.\"{del}\" AFTER DELETE ON \"{table}\" BEGIN {} END;",
        mark("NEW", ""),
        mark("NEW", ""),
        mark("OLD", &key_changed),
        mark("OLD", ""),
    ))?;
    Ok(())
}

/// The marks read at the start of a capture or an absorb: tables to compare whole, and rows
/// written (table, key, count of writes).
#[derive(Debug, Default)]
struct Marks {
    whole: Vec<String>,
    rows: Vec<(String, Value, Value, i64)>,
}

impl Marks {
    fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.rows.is_empty()
    }
}

fn read_marks(conn: &Connection) -> Result<Marks> {
    let whole = conn
        .prepare("SELECT tbl FROM sync_dirty ORDER BY tbl")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let rows = conn
        .prepare("SELECT tbl, k1, k2, n FROM sync_dirty_rows ORDER BY tbl, k1, k2")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Marks { whole, rows })
}

/// Clear the marks read — only after the base holds their rows (its own transaction, after
/// the base's), so a crash in between leaves them to be looked at again. A row written again
/// since the marks were read has a greater count, and keeps its mark.
fn clear_marks(conn: &mut Connection, marks: &Marks) -> Result<()> {
    if marks.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    {
        let mut del = tx.prepare(
            "DELETE FROM sync_dirty_rows WHERE tbl = ?1 AND k1 = ?2 AND k2 = ?3 AND n = ?4",
        )?;
        for (t, k1, k2, n) in &marks.rows {
            del.execute(params![t, k1, k2, n])?;
        }
        let mut del = tx.prepare("DELETE FROM sync_dirty WHERE tbl = ?1")?;
        for t in &marks.whole {
            del.execute([t])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Scratch databases (in memory) for comparing the marked rows alone.
const CUR: &str = "sync_marked_now";
const OLD: &str = "sync_marked_base";

/// The difference between the vault and the base where the marks say to look, as one
/// changeset, tables in the schema's order (as `sqlite3session_diff` of every table would
/// give it): a table marked whole is compared whole (`sqlite3session_diff`, vault against
/// base); for the others, the marked rows alone are copied, as the vault and as the base
/// hold them, into two scratch databases in memory, which `sqlite3session_diff` compares.
/// Rows not marked are not read: no write touched them since the base took them.
///
/// Runs in the caller's transaction; [`CUR`] and [`OLD`] are attached by the caller when
/// `marks.rows` is not empty.
fn marked_diff(conn: &Connection, schema: &Schema, base: &str, marks: &Marks) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let row_tables: std::collections::BTreeSet<&str> =
        marks.rows.iter().map(|(t, ..)| t.as_str()).collect();
    for (name, info) in &schema.tables {
        if marks.whole.iter().any(|t| t == name) {
            let mut session = Session::new(conn)?;
            session.attach(Some(name.as_str()))?;
            session.diff::<&str, &str>(base, name.as_str())?;
            session.changeset_strm(&mut bytes)?;
        } else if row_tables.contains(name.as_str()) {
            let on = info
                .pk
                .iter()
                .enumerate()
                .map(|(n, &i)| format!("t.\"{}\" = d.k{}", info.columns[i], n + 1))
                .collect::<Vec<_>>()
                .join(" AND ");
            for (to, from) in [(CUR, "main"), (OLD, base)] {
                if !table_exists(conn, to, name)? {
                    create_copy_table(conn, to, name, info)?;
                }
                // The marks drive the loop (CROSS JOIN): one key seek per marked row.
                conn.execute(
                    &format!(
                        "INSERT INTO \"{to}\".\"{name}\" SELECT t.* FROM main.sync_dirty_rows AS d \
                         CROSS JOIN \"{from}\".\"{name}\" AS t ON {on} WHERE d.tbl = ?1"
                    ),
                    [name],
                )?;
            }
            let mut session = Session::new_with_name(conn, CUR)?;
            session.attach(Some(name.as_str()))?;
            session.diff::<&str, &str>(OLD, name.as_str())?;
            session.changeset_strm(&mut bytes)?;
        }
    }
    Ok(bytes)
}

/// Run `f` with the scratch databases of [`marked_diff`] attached (if `needed`), detached
/// afterwards whatever `f` returned.
fn with_scratch<T>(
    conn: &mut Connection,
    needed: bool,
    f: impl FnOnce(&mut Connection) -> Result<T>,
) -> Result<T> {
    if !needed {
        return f(conn);
    }
    conn.execute_batch(&format!(
        "ATTACH DATABASE ':memory:' AS {CUR}; ATTACH DATABASE ':memory:' AS {OLD};"
    ))?;
    let out = f(conn);
    let detached = conn.execute_batch(&format!("DETACH DATABASE {CUR}; DETACH DATABASE {OLD};"));
    let out = out?;
    detached?;
    Ok(out)
}

fn check_name(base: &str) -> Result<()> {
    if base.is_empty()
        || base == "main"
        || base.starts_with("sync_marked_")
        || !base.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return Err(Error::InvalidInput(format!("{base} cannot be a base")));
    }
    Ok(())
}

/// Copy the rows of `ops` as the vault now holds them (or their absence) into the base.
fn refresh_base(conn: &mut Connection, schema: &Schema, base: &str, ops: &[Op]) -> Result<()> {
    let tx = conn.transaction()?;
    for op in ops {
        let info = schema.table(&op.table)?;
        let w = info.key_where(1);
        let key = rusqlite::params_from_iter(op.key.iter());
        tx.prepare_cached(&format!(
            "DELETE FROM \"{base}\".\"{}\" WHERE {w}",
            op.table
        ))?
        .execute(key)?;
        let key = rusqlite::params_from_iter(op.key.iter());
        tx.prepare_cached(&format!(
            "INSERT INTO \"{base}\".\"{t}\" SELECT * FROM main.\"{t}\" WHERE {w}",
            t = op.table
        ))?
        .execute(key)?;
    }
    tx.commit()?;
    Ok(())
}

/// Capture every change made to the synced tables since the last capture, whatever code
/// made it: SQLite's session extension compares each table with its copy in `base`
/// (`sqlite3session_diff`) and writes the difference as one changeset, which becomes one
/// [`Change`] of this replica (next sequence number, one HLC), kept in `sync_log` until
/// every replica has it; each changed column's clock becomes that HLC, and a deleted row is
/// tombstoned (an erasure is final). The base then takes the captured rows. `None`: nothing
/// changed.
///
/// Only the rows written since are compared: triggers ([`install_base`]) mark the key of each
/// row inserted, updated or deleted in a synced table, in the writing transaction, whatever
/// code wrote it; the capture compares those rows alone (a table marked whole, the whole
/// table), so its cost follows what changed, not the size of the vault. The marks are cleared
/// after the base took the rows.
///
/// Why a diff and not a session around each write: a record written by any code path —
/// a form, an import, a migration, a repair — is captured, and a crash loses nothing (the
/// difference is still there at the next capture), where a session in memory would lose
/// what a crash interrupted. The cost is one HLC per capture rather than per write: an edit
/// is timed when it is captured (at the latest, when the laptop next syncs).
///
/// Crash safety: the vault's transaction (log, clocks) commits before the base takes the
/// rows, and the base before the marks are cleared; a crash between any two captures the
/// same rows again next time, with the values they have — never a change lost. Tables with
/// an `hlc` column are for [`write()`] (their rows carry the write's own stamp) and are
/// refused here.
pub fn capture(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    base: &str,
) -> Result<Option<Change>> {
    capture_where(conn, schema, clock, now_ms, base, |_| true)
}

/// [`capture`], keeping out of the change the row operations `keep` refuses: rows of a synced
/// table that stay on this vault (a setting of this laptop alone). The base still takes them,
/// so they are not looked at again.
pub fn capture_where(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    base: &str,
    mut keep: impl FnMut(&RowOp) -> bool,
) -> Result<Option<Change>> {
    check_name(base)?;
    if let Some((name, _)) = schema.tables.iter().find(|(_, t)| t.hlc.is_some()) {
        return Err(Error::InvalidInput(format!(
            "table {name} is stamped by each write; it cannot be captured by difference"
        )));
    }
    let marks = read_marks(conn)?;
    if marks.is_empty() {
        return Ok(None);
    }
    let captured = with_scratch(conn, !marks.rows.is_empty(), |conn| {
        let tx = conn.transaction()?;
        let mut bytes = marked_diff(&tx, schema, base, &marks)?;
        if bytes.is_empty() {
            return Ok((Vec::new(), None));
        }
        let all_ops = read_ops(&bytes, schema)?;
        let wanted: Vec<bool> = all_ops
            .iter()
            .map(|op| Ok(keep(&row_op(op, schema)?)))
            .collect::<Result<_>>()?;
        if wanted.iter().all(|w| !w) {
            return Ok((all_ops, None));
        }
        if !wanted.iter().all(|w| *w) {
            bytes = raw::filter(&bytes, &wanted)?;
        }
        let ops = read_ops(&bytes, schema)?;
        let mut probe = clock.clone();
        let hlc = probe.tick(now_ms)?;
        validate(&ops, schema, hlc)?;
        record_local(&tx, schema, &ops, hlc)?;
        let (seq, deps) = log_local(&tx, clock.device(), hlc, &bytes)?;
        let origin = clock.device();
        tx.commit()?;
        *clock = probe;
        Ok((
            all_ops,
            Some(Change {
                origin,
                seq,
                hlc,
                deps,
                changeset: bytes,
            }),
        ))
    })?;
    let (all_ops, change) = captured;
    refresh_base(conn, schema, base, &all_ops)?;
    clear_marks(conn, &marks)?;
    Ok(change)
}

/// Take into the base every difference between the vault and its base, without recording
/// any change: what applying changes did beyond their own rows (a parent's delete cascading
/// to its children). Call it right after applying, when every local edit had been captured
/// just before — then every difference is the apply's. Only marked rows are looked at (see
/// [`capture`]); the marks are cleared after the base took them. Returns how many rows it
/// took.
pub fn absorb(conn: &mut Connection, schema: &Schema, base: &str) -> Result<usize> {
    check_name(base)?;
    let marks = read_marks(conn)?;
    if marks.is_empty() {
        return Ok(0);
    }
    let bytes = with_scratch(conn, !marks.rows.is_empty(), |conn| {
        let tx = conn.transaction()?;
        marked_diff(&tx, schema, base, &marks)
    })?;
    let ops = if bytes.is_empty() {
        Vec::new()
    } else {
        read_ops(&bytes, schema)?
    };
    refresh_base(conn, schema, base, &ops)?;
    clear_marks(conn, &marks)?;
    Ok(ops.len())
}

/// Take in whole records another replica holds and this one does not (a pupil newly on a
/// laptop's caseload): the changeset's rows are inserted, a row already held is left as it
/// is (never overwritten: an edit made here stays), and the base takes them. No change is
/// recorded: they are the other side's records as they stand, not edits. Returns the rows
/// inserted.
pub fn adopt(
    conn: &mut Connection,
    schema: &Schema,
    changeset: &[u8],
    base: &str,
) -> Result<usize> {
    check_name(base)?;
    if changeset.is_empty() {
        return Ok(0);
    }
    let ops = read_ops(changeset, schema)?;
    if ops.iter().any(|o| o.kind != Kind::Insert) {
        return Err(Error::Refused(
            "records taken in whole are inserts only".into(),
        ));
    }
    let tx = conn.transaction()?;
    let before = tx.total_changes();
    {
        let mut input: &[u8] = changeset;
        tx.apply_strm(
            &mut input,
            None::<fn(&str) -> bool>,
            |kind: ConflictType, _item: ChangesetItem| match kind {
                ConflictType::SQLITE_CHANGESET_CONFLICT
                | ConflictType::SQLITE_CHANGESET_DATA
                | ConflictType::SQLITE_CHANGESET_NOTFOUND => ConflictAction::SQLITE_CHANGESET_OMIT,
                _ => ConflictAction::SQLITE_CHANGESET_ABORT,
            },
        )?;
    }
    let inserted = (tx.total_changes() - before) as usize;
    tx.commit()?;
    refresh_base(conn, schema, base, &ops)?;
    Ok(inserted)
}

/// Keep a changeset made by the caller (not by capture) as this replica's next change: stamped
/// with one new HLC, each column it sets clocked, each row it deletes tombstoned, and logged
/// like a captured change, so it travels to the other replicas. The caller's database already
/// holds what it says (the school re-asserting a signed review as it holds it): nothing is
/// applied here, and the base is not touched. Inserts and deletes only.
pub fn record_made(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    changeset: &[u8],
) -> Result<Option<Change>> {
    if changeset.is_empty() {
        return Ok(None);
    }
    let ops = read_ops(changeset, schema)?;
    if ops.iter().any(|o| o.kind == Kind::Update) {
        return Err(Error::InvalidInput(
            "a change made by the caller holds inserts and deletes only".into(),
        ));
    }
    let tx = conn.transaction()?;
    let mut probe = clock.clone();
    let hlc = probe.tick(now_ms)?;
    validate(&ops, schema, hlc)?;
    record_local(&tx, schema, &ops, hlc)?;
    let (seq, deps) = log_local(&tx, clock.device(), hlc, changeset)?;
    let origin = clock.device();
    tx.commit()?;
    *clock = probe;
    Ok(Some(Change {
        origin,
        seq,
        hlc,
        deps,
        changeset: changeset.to_vec(),
    }))
}

/// One row operation of a changeset, as [`filter_changeset`] shows it to its predicate.
#[derive(Debug, Clone)]
pub struct RowOp {
    pub table: String,
    /// `"insert"`, `"update"` or `"delete"`.
    pub kind: &'static str,
    /// Every column's value: the new one where the change sets it, else the old one (an
    /// update carries old values only for its key and the columns it changes; `None` where
    /// the changeset has neither).
    pub values: Vec<(String, Option<Value>)>,
}

impl RowOp {
    /// The value of column `name` (see [`RowOp::values`]).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(c, _)| c == name)
            .and_then(|(_, v)| v.as_ref())
    }
}

/// The row operations of a changeset, for checks (roles on import) and reports.
pub fn row_ops(changeset: &[u8], schema: &Schema) -> Result<Vec<RowOp>> {
    read_ops(changeset, schema)?
        .iter()
        .map(|op| row_op(op, schema))
        .collect()
}

fn row_op(op: &Op, schema: &Schema) -> Result<RowOp> {
    let info = schema.table(&op.table)?;
    Ok(RowOp {
        table: op.table.clone(),
        kind: match op.kind {
            Kind::Insert => "insert",
            Kind::Update => "update",
            Kind::Delete => "delete",
        },
        values: info
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), op.new[i].clone().or_else(|| op.old[i].clone())))
            .collect(),
    })
}

/// The part of a changeset whose row operations `keep` accepts, as a changeset of its own
/// (SQLite's `sqlite3changegroup_add_change`: each kept operation is copied as it is). How
/// the school sends a laptop only the rows of its caseload. Empty when nothing is kept.
pub fn filter_changeset(
    changeset: &[u8],
    schema: &Schema,
    mut keep: impl FnMut(&RowOp) -> bool,
) -> Result<Vec<u8>> {
    let ops = row_ops(changeset, schema)?;
    let wanted: Vec<bool> = ops.iter().map(&mut keep).collect();
    if wanted.iter().all(|w| !w) {
        return Ok(Vec::new());
    }
    raw::filter(changeset, &wanted)
}

mod raw {
    //! The one place this crate calls SQLite's C interface itself: rusqlite does not wrap
    //! `sqlite3changegroup_add_change`.
    use std::os::raw::{c_int, c_void};
    use std::ptr;

    use rusqlite::ffi;

    use crate::error::{Error, Result};

    struct Iter(*mut ffi::sqlite3_changeset_iter);
    impl Drop for Iter {
        fn drop(&mut self) {
            // SAFETY: the iterator was started by sqlite3changeset_start and is finalised once.
            unsafe { ffi::sqlite3changeset_finalize(self.0) };
        }
    }
    struct Group(*mut ffi::sqlite3_changegroup);
    impl Drop for Group {
        fn drop(&mut self) {
            // SAFETY: the group was made by sqlite3changegroup_new and is deleted once.
            unsafe { ffi::sqlite3changegroup_delete(self.0) };
        }
    }

    fn check(rc: c_int, what: &str) -> Result<()> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(Error::Refused(format!("{what} failed (SQLite code {rc})")))
        }
    }

    /// The changeset's operations whose index is `true` in `wanted`, in their order.
    pub(super) fn filter(changeset: &[u8], wanted: &[bool]) -> Result<Vec<u8>> {
        let len = c_int::try_from(changeset.len())
            .map_err(|_| Error::Refused("a changeset too large to filter".into()))?;
        // SAFETY: every pointer passed is valid for the call: the changeset outlives the
        // iterator (both are dropped at the end of this function, the iterator first), the
        // group and iterator are owned by the guards above, and the output buffer is copied
        // and then freed with sqlite3_free as SQLite's documentation asks.
        unsafe {
            let mut group = ptr::null_mut();
            check(ffi::sqlite3changegroup_new(&mut group), "a changegroup")?;
            let group = Group(group);
            let mut it = ptr::null_mut();
            check(
                ffi::sqlite3changeset_start(&mut it, len, changeset.as_ptr() as *mut c_void),
                "reading a changeset",
            )?;
            let it = Iter(it);
            let mut i = 0usize;
            loop {
                let rc = ffi::sqlite3changeset_next(it.0);
                if rc == ffi::SQLITE_DONE {
                    break;
                }
                if rc != ffi::SQLITE_ROW {
                    return Err(Error::Refused(format!(
                        "a damaged changeset (SQLite code {rc})"
                    )));
                }
                if wanted.get(i).copied().unwrap_or(false) {
                    check(
                        ffi::sqlite3changegroup_add_change(group.0, it.0),
                        "copying a change",
                    )?;
                }
                i += 1;
            }
            if i != wanted.len() {
                return Err(Error::Refused(
                    "a changeset read two ways differently".into(),
                ));
            }
            let mut n: c_int = 0;
            let mut out: *mut c_void = ptr::null_mut();
            check(
                ffi::sqlite3changegroup_output(group.0, &mut n, &mut out),
                "writing a changeset",
            )?;
            let bytes = if out.is_null() || n <= 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(out as *const u8, n as usize).to_vec()
            };
            ffi::sqlite3_free(out);
            Ok(bytes)
        }
    }
}

/// Every change this replica holds (its own and those it applied) that a peer with the
/// given acknowledgements (origin → highest seq applied) has not yet applied, in the
/// order this replica applied them per origin.
pub fn changes_since(conn: &Connection, acked: &HashMap<DeviceId, u64>) -> Result<Vec<Change>> {
    let mut stmt = conn
        .prepare("SELECT origin, seq, hlc, deps, changeset FROM sync_log ORDER BY origin, seq")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, Vec<u8>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (origin, seq, hlc, deps, changeset) = row?;
        let origin = DeviceId(origin as u64);
        if seq as u64 > acked.get(&origin).copied().unwrap_or(0) {
            out.push(Change {
                origin,
                seq: seq as u64,
                hlc: Hlc::from_text(&hlc)?,
                deps: decode_deps(&deps)?,
                changeset,
            });
        }
    }
    Ok(out)
}

/// The acknowledgement vector of this replica: origin → highest change applied.
pub fn acknowledgements(conn: &Connection) -> Result<BTreeMap<DeviceId, u64>> {
    let mut stmt = conn.prepare("SELECT origin, seq FROM sync_applied ORDER BY origin")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            DeviceId(r.get::<_, i64>(0)? as u64),
            r.get::<_, i64>(1)? as u64,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (table, key, winning columns and their values) of a row that otherwise keeps its values.
type ColumnFixup = (String, Vec<Value>, Vec<(String, Value)>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Take every changed column (REPLACE on conflict).
    Take,
    /// Keep the row as it is (OMIT); winning columns, if any, are written afterwards.
    Keep,
}

/// Apply one change from another replica (see the module documentation). `now_ms` is this
/// laptop's wall time, for the clock.
pub fn apply(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    change: &Change,
) -> Result<Applied> {
    apply_inner(conn, schema, clock, now_ms, change, Order::PerOrigin, None)
}

/// Apply one change relayed by a hub that sequences the stream (the school vault, for a
/// laptop that holds only part of the records): the change keeps its origin and HLC, so
/// last-writer-wins decides exactly as [`apply`] does, but its place in the stream is the
/// hub's to keep — a laptop never sees most of another origin's changes (they concern other
/// caseloads), so there is no per-origin sequence to check. A change already applied (same
/// origin and sequence number, held in `sync_log`) is a no-op; applying one twice changes
/// nothing anyway (every column keeps the value with the greatest HLC).
///
/// With `base` (the name of an attached database made by [`install_base`]), the rows the
/// change touched are copied into the base afterwards, so [`capture`] does not take them for
/// this replica's own edits.
pub fn apply_relayed(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    change: &Change,
    base: Option<&str>,
) -> Result<Applied> {
    apply_inner(conn, schema, clock, now_ms, change, Order::Relayed, base)
}

/// [`apply_relayed`], with SQL of the caller's run inside the apply's own transaction: `first`
/// right after it begins, `last` just before it commits (the vault opens the immutability of
/// the signed reviews a change from the school replaces, and closes it again, so nothing of the
/// opening is ever committed). A failure in either aborts the apply: nothing changes.
#[allow(clippy::too_many_arguments)]
pub fn apply_relayed_around(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    change: &Change,
    base: Option<&str>,
    first: &str,
    last: &str,
) -> Result<Applied> {
    apply_inner_around(
        conn,
        schema,
        clock,
        now_ms,
        change,
        Order::Relayed,
        base,
        Some((first, last)),
    )
}

/// [`apply`], then (with `base`) the rows it touched copied into the base.
pub fn apply_with_base(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    change: &Change,
    base: &str,
) -> Result<Applied> {
    apply_inner(
        conn,
        schema,
        clock,
        now_ms,
        change,
        Order::PerOrigin,
        Some(base),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Each origin's changes in sequence, after their `deps` (peers that hold everything).
    PerOrigin,
    /// In the order a hub sends them (see [`apply_relayed`]).
    Relayed,
}

fn in_log(conn: &Connection, origin: DeviceId, seq: u64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sync_log WHERE origin = ?1 AND seq = ?2",
            params![origin.0 as i64, seq as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn apply_inner(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    change: &Change,
    order: Order,
    base: Option<&str>,
) -> Result<Applied> {
    apply_inner_around(conn, schema, clock, now_ms, change, order, base, None)
}

#[allow(clippy::too_many_arguments)]
fn apply_inner_around(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    change: &Change,
    order: Order,
    base: Option<&str>,
    around: Option<(&str, &str)>,
) -> Result<Applied> {
    let tx = conn.transaction()?;
    if let Some((first, _)) = around {
        tx.execute_batch(first)?;
    }
    let applied = applied_seq(&tx, change.origin)?;
    match order {
        Order::Relayed => {
            if in_log(&tx, change.origin, change.seq)? {
                return Ok(Applied::Duplicate);
            }
        }
        Order::PerOrigin => {
            if change.seq <= applied {
                return Ok(Applied::Duplicate);
            }
            if change.seq != applied + 1 {
                return Err(Error::Gap {
                    device: change.origin,
                    expected: applied + 1,
                    got: change.seq,
                });
            }
            for &(dep, needed) in &change.deps {
                if dep == change.origin {
                    return Err(Error::Refused(
                        "a change that depends on its own origin".into(),
                    ));
                }
                let have = applied_seq(&tx, dep)?;
                if have < needed {
                    return Err(Error::Waiting {
                        device: dep,
                        needed,
                        have,
                    });
                }
            }
        }
    }
    if change.hlc.device() != change.origin {
        return Err(Error::Refused("a change stamped by another device".into()));
    }
    let mut probe = clock.clone();
    probe.observe(change.hlc, now_ms)?;
    let ops = read_ops(&change.changeset, schema)?;
    validate(&ops, schema, change.hlc)?;
    let stamp = change.hlc;

    let mut decisions: HashMap<(String, String), Decision> = HashMap::new();
    // Winning columns to write after the changeset (Keep rows with some winning columns),
    // rows whose hlc must become the max, rows to delete again (tombstoned inserts).
    let mut column_fixups: Vec<ColumnFixup> = Vec::new();
    let mut hlc_fixups: Vec<(String, Vec<Value>, Hlc)> = Vec::new();
    let mut redelete: Vec<(String, Vec<Value>)> = Vec::new();
    let mut won_columns: Vec<(String, String, String)> = Vec::new();
    let mut conflicts = Vec::new();
    let mut rows = 0usize;

    // Operations left out of what SQLite applies (a delete that a later insert beat: SQLite
    // would apply it without asking, as the row matches).
    let mut skip = vec![false; ops.len()];
    for (n, op) in ops.iter().enumerate() {
        let info = schema.table(&op.table)?;
        let key = (op.table.clone(), op.id.clone());
        if op.kind == Kind::Delete {
            if info.kind == TableKind::Keyed && get_clock(&tx, &op.table, &op.id, EXISTS)? > stamp {
                // Added again after this delete was made: the later insert wins.
                decisions.insert(key, Decision::Keep);
                skip[n] = true;
                continue;
            }
            decisions.insert(key, Decision::Take);
            tombstone(&tx, info.kind, &op.table, &op.id, stamp)?;
            rows += 1;
            continue;
        }
        if let Some(deleted) = tombstoned_at(&tx, &op.table, &op.id)? {
            if info.kind == TableKind::Keyed && stamp > deleted {
                // Put back after it was deleted: it comes back.
                untombstone(&tx, &op.table, &op.id)?;
            } else {
                // Erased here: an edit made elsewhere before the erasure arrived stays erased.
                decisions.insert(key, Decision::Keep);
                if op.kind == Kind::Insert {
                    redelete.push((op.table.clone(), op.key.clone()));
                }
                continue;
            }
        }
        let current = current_row(&tx, &op.table, info, &op.key)?;
        let Some(current) = current else {
            if op.kind == Kind::Update && info.kind == TableKind::Keyed {
                // A keyed row deleted here by a later write: nothing to edit.
                decisions.insert(key, Decision::Keep);
                continue;
            }
            if op.kind == Kind::Update {
                return Err(Error::Refused(format!(
                    "a change edits a record of {} this vault does not hold",
                    op.table
                )));
            }
            // A new record: no conflict is possible.
            decisions.insert(key, Decision::Take);
            if info.kind == TableKind::Keyed {
                won_columns.push((op.table.clone(), op.id.clone(), EXISTS.to_string()));
            }
            for (i, col) in info.columns.iter().enumerate() {
                if !info.is_pk(i) {
                    won_columns.push((op.table.clone(), op.id.clone(), col.clone()));
                }
            }
            rows += 1;
            continue;
        };
        if info.kind == TableKind::InsertOnly {
            // The same record delivered again (through another replica): identical, or forged.
            let same = current
                .iter()
                .zip(&op.new)
                .all(|(c, n)| n.as_ref().is_none_or(|n| n == c));
            if !same {
                return Err(Error::Refused(format!(
                    "a record of {} that can only be added arrived with different contents",
                    op.table
                )));
            }
            decisions.insert(key, Decision::Keep);
            continue;
        }
        if info.kind == TableKind::Keyed
            && op.kind == Kind::Insert
            && stamp > get_clock(&tx, &op.table, &op.id, EXISTS)?
        {
            // Added on both sides: its existence is as recent as the later insert.
            won_columns.push((op.table.clone(), op.id.clone(), EXISTS.to_string()));
        }
        // A mutable row both sides hold: last writer wins, column by column.
        let local_row_hlc = match info.hlc.map(|h| &current[h]) {
            None => None,
            Some(Value::Text(s)) => Some((info.hlc, Hlc::from_text(s)?)),
            Some(_) => {
                return Err(Error::Refused(format!(
                    "a row of {} without its time",
                    op.table
                )))
            }
        };
        let mut winners = Vec::new();
        let mut losers = 0usize;
        for (i, col) in info.columns.iter().enumerate() {
            if info.is_pk(i) || Some(i) == info.hlc {
                continue;
            }
            let Some(new) = &op.new[i] else { continue };
            let local_clock = get_clock(&tx, &op.table, &op.id, col)?;
            let local = &current[i];
            if stamp > local_clock {
                if local != new {
                    // The local value was itself an edit (not what the incoming change
                    // started from): it loses, and is kept for a person to see.
                    let ancestor = op.old[i].as_ref();
                    if op.kind == Kind::Insert || ancestor != Some(local) {
                        conflicts.push(Conflict {
                            table: op.table.clone(),
                            id: op.id.clone(),
                            column: col.clone(),
                            kept: new.clone(),
                            kept_hlc: stamp,
                            lost: local.clone(),
                            lost_hlc: local_clock,
                        });
                    }
                }
                winners.push((col.clone(), new.clone()));
            } else {
                losers += 1;
                if local != new {
                    conflicts.push(Conflict {
                        table: op.table.clone(),
                        id: op.id.clone(),
                        column: col.clone(),
                        kept: local.clone(),
                        kept_hlc: local_clock,
                        lost: new.clone(),
                        lost_hlc: stamp,
                    });
                }
            }
        }
        for (col, _) in &winners {
            won_columns.push((op.table.clone(), op.id.clone(), col.clone()));
        }
        if !winners.is_empty() {
            rows += 1;
        }
        if op.kind == Kind::Insert {
            // A record this replica holds already, inserted again (relayed after the whole
            // record was taken in, or a signed review the school re-asserts): never SQLite's
            // REPLACE, which for an insert deletes the row first — and ON DELETE CASCADE would
            // take its children (a review's ratings and amendments, a plan's goals) with it.
            // The winning columns that differ are written in place instead.
            decisions.insert(key, Decision::Keep);
            let differing: Vec<(String, Value)> = winners
                .iter()
                .filter(|(c, v)| {
                    info.columns
                        .iter()
                        .position(|n| n == c)
                        .is_some_and(|i| &current[i] != v)
                })
                .cloned()
                .collect();
            if !differing.is_empty() {
                column_fixups.push((op.table.clone(), op.key.clone(), differing));
            }
        } else if losers == 0 {
            decisions.insert(key, Decision::Take);
        } else {
            decisions.insert(key, Decision::Keep);
            if !winners.is_empty() {
                column_fixups.push((op.table.clone(), op.key.clone(), winners));
            }
        }
        if let Some((_, h)) = local_row_hlc {
            hlc_fixups.push((op.table.clone(), op.key.clone(), h.max(stamp)));
        }
    }

    // SQLite applies the changeset; the handler resolves each conflict SQLite finds with
    // the decision taken above (a row not decided is a fault: abort, nothing changes).
    let info_of: HashMap<String, TableInfo> = schema
        .tables
        .iter()
        .map(|(n, t)| (n.clone(), t.clone()))
        .collect();
    let decisions = Arc::new(decisions);
    let broken_reference = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let decisions = Arc::clone(&decisions);
        let broken = Arc::clone(&broken_reference);
        let kept;
        let mut input: &[u8] = if skip.iter().any(|s| *s) {
            let wanted: Vec<bool> = skip.iter().map(|s| !s).collect();
            kept = raw::filter(&change.changeset, &wanted)?;
            &kept
        } else {
            &change.changeset
        };
        tx.apply_strm(
            &mut input,
            None::<fn(&str) -> bool>,
            move |kind: ConflictType, item: ChangesetItem| {
                // SQLite reports broken references once, at the end, with an iterator on no
                // change at all: reading it (`item.op()`) would read through a null pointer.
                // Such a change cannot be applied whole here: abort, nothing changes.
                if matches!(kind, ConflictType::SQLITE_CHANGESET_FOREIGN_KEY) {
                    broken.store(true, std::sync::atomic::Ordering::SeqCst);
                    return ConflictAction::SQLITE_CHANGESET_ABORT;
                }
                let Some(d) = decide(&decisions, &info_of, &item) else {
                    return ConflictAction::SQLITE_CHANGESET_ABORT;
                };
                match (kind, d) {
                    // A row that is not there cannot be replaced: nothing to do.
                    (ConflictType::SQLITE_CHANGESET_NOTFOUND, _) => {
                        ConflictAction::SQLITE_CHANGESET_OMIT
                    }
                    (
                        ConflictType::SQLITE_CHANGESET_DATA
                        | ConflictType::SQLITE_CHANGESET_CONFLICT,
                        Decision::Take,
                    ) => ConflictAction::SQLITE_CHANGESET_REPLACE,
                    (
                        ConflictType::SQLITE_CHANGESET_DATA
                        | ConflictType::SQLITE_CHANGESET_CONFLICT,
                        Decision::Keep,
                    ) => ConflictAction::SQLITE_CHANGESET_OMIT,
                    _ => ConflictAction::SQLITE_CHANGESET_ABORT,
                }
            },
        )
        .map_err(|e| {
            if broken_reference.load(std::sync::atomic::Ordering::SeqCst) {
                Error::Refused(
                    "this sync file's records refer to records this vault does not hold".into(),
                )
            } else {
                e.into()
            }
        })?;
    }
    for (table, key, cols) in &column_fixups {
        let info = schema.table(table)?;
        let set: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("\"{c}\" = ?{}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE \"{table}\" SET {} WHERE {}",
            set.join(", "),
            info.key_where(cols.len() + 1)
        );
        let mut values: Vec<Value> = cols.iter().map(|(_, v)| v.clone()).collect();
        values.extend(key.iter().cloned());
        tx.execute(&sql, rusqlite::params_from_iter(values))?;
    }
    for (table, key, h) in &hlc_fixups {
        let info = schema.table(table)?;
        let sql = format!(
            "UPDATE \"{table}\" SET hlc = ?1 WHERE {}",
            info.key_where(2)
        );
        let mut values = vec![Value::Text(h.to_text())];
        values.extend(key.iter().cloned());
        tx.execute(&sql, rusqlite::params_from_iter(values))?;
    }
    for (table, key) in &redelete {
        let info = schema.table(table)?;
        let sql = format!("DELETE FROM \"{table}\" WHERE {}", info.key_where(1));
        tx.execute(&sql, rusqlite::params_from_iter(key))?;
    }
    for (table, id, col) in &won_columns {
        set_clock(&tx, table, id, col, stamp)?;
    }
    tx.execute(
        "INSERT INTO sync_log (origin, seq, hlc, deps, changeset) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            change.origin.0 as i64,
            change.seq as i64,
            stamp.to_text(),
            encode_deps(&change.deps),
            change.changeset
        ],
    )?;
    set_applied(&tx, change.origin, change.seq.max(applied))?;
    if let Some((_, last)) = around {
        tx.execute_batch(last)?;
    }
    tx.commit()?;
    *clock = probe;
    if let Some(base) = base {
        // After the commit, never in it: had the base taken these rows and the vault not
        // (a crash between the two files), the next capture would undo the change everywhere.
        // This way a crash at worst captures them again, with the values they have.
        refresh_base(conn, schema, base, &ops)?;
    }
    Ok(Applied::Done { rows, conflicts })
}

fn decide(
    decisions: &HashMap<(String, String), Decision>,
    info_of: &HashMap<String, TableInfo>,
    item: &ChangesetItem,
) -> Option<Decision> {
    let op = item.op().ok()?;
    let info = info_of.get(op.table_name())?;
    let n = info.columns.len();
    let values: Vec<Option<Value>> = (0..n)
        .map(|i| {
            let v = match op.code() {
                Action::SQLITE_INSERT => item.new_value(i),
                _ => item.old_value(i),
            };
            v.ok().and_then(|v| Value::try_from(v).ok())
        })
        .collect();
    let (id, _) = key_text(&values, info).ok()?;
    decisions.get(&(op.table_name().to_string(), id)).copied()
}

/// A canonical SHA-256 of what the synced tables hold: tables by name, rows by id, every
/// value with its type. Two replicas holding the same records have the same digest,
/// whatever order the records arrived in. Bookkeeping (`sync_*`) is not included.
pub fn digest(conn: &Connection, schema: &Schema) -> Result<[u8; 32]> {
    let mut h = Sha256::new();
    for (name, info) in &schema.tables {
        h.update(b"T");
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        let mut stmt = conn.prepare(&format!(
            "SELECT * FROM \"{name}\" ORDER BY {}",
            info.key_order()
        ))?;
        let n = info.columns.len();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            h.update(b"R");
            for i in 0..n {
                match row.get::<_, Value>(i)? {
                    Value::Null => h.update(b"n"),
                    Value::Integer(v) => {
                        h.update(b"i");
                        h.update(v.to_be_bytes());
                    }
                    Value::Real(v) => {
                        h.update(b"r");
                        h.update(v.to_bits().to_be_bytes());
                    }
                    Value::Text(s) => {
                        h.update(b"t");
                        h.update((s.len() as u64).to_be_bytes());
                        h.update(s.as_bytes());
                    }
                    Value::Blob(b) => {
                        h.update(b"b");
                        h.update((b.len() as u64).to_be_bytes());
                        h.update(&b);
                    }
                }
            }
        }
    }
    Ok(h.finalize().into())
}
