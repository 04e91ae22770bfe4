//! Change capture and apply on SQLCipher connections, with SQLite's session extension.
//!
//! **Capture** ([`write`]): a local write runs in one transaction with a session attached to
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
//! Rules the schema must follow ([`Schema::check`]): every synced table has a single-column
//! `TEXT` or `INTEGER` primary key `id` (ids unique across laptops: see DESIGN.md; the
//! vault's record tables use device-range integers); every *mutable* table
//! has a `hlc TEXT NOT NULL` column, set by each write to the write's HLC (checked on
//! capture and on apply). *Insert-only* tables (sessions, chronology, scores, signed reviews,
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
}

#[derive(Debug, Clone)]
struct TableInfo {
    kind: TableKind,
    columns: Vec<String>,
    pk: usize,
    /// The primary key is an `INTEGER` (device-range ids, see DESIGN.md), not `TEXT`.
    int_pk: bool,
    hlc: Option<usize>,
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
            let pks: Vec<usize> = (0..cols.len()).filter(|&i| cols[i].2 > 0).collect();
            let pk_type = pks.first().map(|&i| cols[i].1.to_ascii_uppercase());
            if pks.len() != 1
                || cols[pks[0]].0 != "id"
                || !matches!(pk_type.as_deref(), Some("TEXT" | "INTEGER"))
            {
                return Err(Error::InvalidInput(format!(
                    "table {name} must have a single TEXT or INTEGER primary key named id"
                )));
            }
            let int_pk = pk_type.as_deref() == Some("INTEGER");
            let hlc = cols.iter().position(|c| c.0 == "hlc");
            if kind == TableKind::Mutable && hlc.is_none() {
                return Err(Error::InvalidInput(format!(
                    "mutable table {name} must have an hlc column"
                )));
            }
            out.insert(
                name.to_string(),
                TableInfo {
                    kind,
                    columns: cols.into_iter().map(|c| c.0).collect(),
                    pk: pks[0],
                    int_pk,
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
    id: String,
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

/// A row's id as the bookkeeping keeps it (text): the id itself for a `TEXT` key, its
/// decimal form for an `INTEGER` one. An id of the other type than the table declares is
/// refused, so a forged `'011'` can never stand beside the row `11` in the bookkeeping.
fn id_key(v: &Option<Value>, int_pk: bool) -> Result<String> {
    match (v, int_pk) {
        (Some(Value::Text(s)), false) => Ok(s.clone()),
        (Some(Value::Integer(i)), true) => Ok(i.to_string()),
        _ => Err(Error::Refused(
            "a change to a record without an id of its table's type".into(),
        )),
    }
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
        let id = match kind {
            Kind::Insert => id_key(&new[info.pk], info.int_pk)?,
            _ => id_key(&old[info.pk], info.int_pk)?,
        };
        ops.push(Op {
            table,
            kind,
            id,
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
            (TableKind::Mutable, Kind::Insert | Kind::Update) => {
                let h = info.hlc.expect("checked by Schema::check");
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

fn tombstone(tx: &Connection, table: &str, id: &str, hlc: Hlc) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_tombstone (tbl, id, hlc) VALUES (?1, ?2, ?3)
         ON CONFLICT (tbl, id) DO NOTHING",
        params![table, id, hlc.to_text()],
    )?;
    tx.execute(
        "DELETE FROM sync_clock WHERE tbl = ?1 AND id = ?2",
        params![table, id],
    )?;
    Ok(())
}

fn is_tombstoned(tx: &Connection, table: &str, id: &str) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM sync_tombstone WHERE tbl = ?1 AND id = ?2",
            params![table, id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn current_row(
    tx: &Connection,
    table: &str,
    info: &TableInfo,
    id: &str,
) -> Result<Option<Vec<Value>>> {
    let sql = format!("SELECT * FROM \"{table}\" WHERE id = ?1");
    let n = info.columns.len();
    Ok(tx
        .query_row(&sql, [id], |r| {
            (0..n)
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .optional()?)
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
    for op in &ops {
        let info = schema.table(&op.table)?;
        match op.kind {
            Kind::Delete => tombstone(&tx, &op.table, &op.id, hlc)?,
            Kind::Insert | Kind::Update => {
                for (i, col) in info.columns.iter().enumerate() {
                    if i != info.pk && op.new[i].is_some() {
                        set_clock(&tx, &op.table, &op.id, col, hlc)?;
                    }
                }
            }
        }
    }
    let origin = clock.device();
    let seq = next_seq(&tx, origin)?;
    let deps: Vec<(DeviceId, u64)> = acknowledgements(&tx)?
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
    set_applied(&tx, origin, seq)?;
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

/// (table, id, winning columns and their values) of a row that otherwise keeps its values.
type ColumnFixup = (String, String, Vec<(String, Value)>);

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
    let tx = conn.transaction()?;
    let applied = applied_seq(&tx, change.origin)?;
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
    let mut hlc_fixups: Vec<(String, String, Hlc)> = Vec::new();
    let mut redelete: Vec<(String, String)> = Vec::new();
    let mut won_columns: Vec<(String, String, String)> = Vec::new();
    let mut conflicts = Vec::new();
    let mut rows = 0usize;

    for op in &ops {
        let info = schema.table(&op.table)?;
        let key = (op.table.clone(), op.id.clone());
        if op.kind == Kind::Delete {
            decisions.insert(key, Decision::Take);
            tombstone(&tx, &op.table, &op.id, stamp)?;
            rows += 1;
            continue;
        }
        if is_tombstoned(&tx, &op.table, &op.id)? {
            // Erased here: an edit made elsewhere before the erasure arrived stays erased.
            decisions.insert(key, Decision::Keep);
            if op.kind == Kind::Insert {
                redelete.push((op.table.clone(), op.id.clone()));
            }
            continue;
        }
        let current = current_row(&tx, &op.table, info, &op.id)?;
        let Some(current) = current else {
            if op.kind == Kind::Update {
                return Err(Error::Refused(format!(
                    "a change edits a record of {} this vault does not hold",
                    op.table
                )));
            }
            // A new record: no conflict is possible.
            decisions.insert(key, Decision::Take);
            for (i, col) in info.columns.iter().enumerate() {
                if i != info.pk {
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
        // A mutable row both sides hold: last writer wins, column by column.
        let h = info.hlc.expect("mutable tables have hlc");
        let local_row_hlc = match &current[h] {
            Value::Text(s) => Hlc::from_text(s)?,
            _ => {
                return Err(Error::Refused(format!(
                    "a row of {} without its time",
                    op.table
                )))
            }
        };
        let mut winners = Vec::new();
        let mut losers = 0usize;
        for (i, col) in info.columns.iter().enumerate() {
            if i == info.pk || i == h {
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
        if losers == 0 {
            decisions.insert(key, Decision::Take);
        } else {
            decisions.insert(key, Decision::Keep);
            if !winners.is_empty() {
                column_fixups.push((op.table.clone(), op.id.clone(), winners));
            }
        }
        hlc_fixups.push((op.table.clone(), op.id.clone(), local_row_hlc.max(stamp)));
    }

    // SQLite applies the changeset; the handler resolves each conflict SQLite finds with
    // the decision taken above (a row not decided is a fault: abort, nothing changes).
    let pk_of: HashMap<String, usize> = schema
        .tables
        .iter()
        .map(|(n, t)| (n.clone(), t.pk))
        .collect();
    let decisions = Arc::new(decisions);
    {
        let decisions = Arc::clone(&decisions);
        let mut input: &[u8] = &change.changeset;
        tx.apply_strm(
            &mut input,
            None::<fn(&str) -> bool>,
            move |kind: ConflictType, item: ChangesetItem| {
                let Some(d) = decide(&decisions, &pk_of, &item) else {
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
        )?;
    }
    for (table, id, cols) in &column_fixups {
        let set: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("\"{c}\" = ?{}", i + 2))
            .collect();
        let sql = format!("UPDATE \"{table}\" SET {} WHERE id = ?1", set.join(", "));
        let mut values: Vec<Value> = vec![Value::Text(id.clone())];
        values.extend(cols.iter().map(|(_, v)| v.clone()));
        tx.execute(&sql, rusqlite::params_from_iter(values))?;
    }
    for (table, id, h) in &hlc_fixups {
        tx.execute(
            &format!("UPDATE \"{table}\" SET hlc = ?2 WHERE id = ?1"),
            params![id, h.to_text()],
        )?;
    }
    for (table, id) in &redelete {
        tx.execute(&format!("DELETE FROM \"{table}\" WHERE id = ?1"), [id])?;
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
    set_applied(&tx, change.origin, change.seq)?;
    tx.commit()?;
    *clock = probe;
    Ok(Applied::Done { rows, conflicts })
}

fn decide(
    decisions: &HashMap<(String, String), Decision>,
    pk_of: &HashMap<String, usize>,
    item: &ChangesetItem,
) -> Option<Decision> {
    let op = item.op().ok()?;
    let pk = *pk_of.get(op.table_name())?;
    let id = match op.code() {
        Action::SQLITE_INSERT => item.new_value(pk).ok()?,
        _ => item.old_value(pk).ok()?,
    };
    let id = match id {
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.to_string(),
        ValueRef::Integer(i) => i.to_string(),
        _ => return None,
    };
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
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\" ORDER BY id"))?;
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
