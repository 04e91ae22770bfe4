//! Sync files between the school vault and its laptops (issue 17): what goes in them, what
//! each side does with them, and who may send what.
//!
//! The engine is `attune_sync` (changes captured by difference against the sync base, applied
//! with last-writer-wins by HLC, cut per laptop); the keys and the sealed, signed file are the
//! vault's (`attune_vault::sync_keys`). This module is the protocol between them, with the
//! school as hub (see attune-sync's DESIGN.md, "Next: the protocol"):
//!
//! - **A laptop's file** ([`export`] on a laptop): every change of its own the school has not
//!   acknowledged (a lost file is sent again in the next), the position in the school's stream
//!   it has applied, and the pupils it holds.
//! - **At the school** ([`import`], strategic lead only): the file is checked whole against the
//!   laptop user's rights before anything is applied ([`check_rights`]); one row they may not
//!   write refuses the file, audited. Then the school captures its own edits, applies the
//!   laptop's changes in order, and keeps every value that lost a conflict (`sync_conflicts`).
//! - **The school's file for a laptop** ([`export`] at the school, for a device): every change
//!   it holds after the laptop's acknowledged position, from any origin but that laptop, cut to
//!   the rows of that laptop's caseload; the whole record of a pupil newly on the caseload; the
//!   pupils that left it; or, for a removed user, the order to wipe.
//! - **On the laptop** ([`import`]): capture first (no local edit is overwritten uncaptured),
//!   then wipe, or drop the pupils that left (from the base first, so a crash can never capture
//!   them as erasures), take in the new records, apply the relayed changes.
//!
//! Every step on either side captures before it applies and absorbs after (what the apply
//! cascaded), so the base is always "what was last shared".
//!
//! **Invariants.** Which rows are shared is [`super::scope::TABLES`] alone (the same definition
//! as enrolment and the digest). `users` travels from the school to the laptops (who wrote a
//! record, and who was removed: a person added after a laptop was prepared may write on its
//! pupils); a laptop never writes it, and a wipe keeps it (names, nothing about a pupil). A sync file's payload is only ever read after the vault has
//! verified its signature and decrypted it. Nothing of a refused file is applied.

use std::collections::{BTreeMap, BTreeSet};

use attune_sync::batch::{decode_batch, encode_batch};
use attune_sync::changes::{self, Change, RowOp, Schema, TableKind};
use attune_sync::envelope::Ack;
use attune_sync::hlc::{Clock, DeviceId, Hlc};
use attune_vault::audit::{self, ChainEntry};
use attune_vault::sync_base::SCHEMA as BASE;
use attune_vault::{Action, SecureRng, Vault};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::scope::{self, Class, Reach, TableScope};
use crate::access;
use crate::error::{Error, Result};

/// Tables whose records are only ever added (erasure apart): they never conflict.
/// Sessions, chronology events, scores and termly indicators are mutable since they can be
/// corrected or withdrawn (issue 16); the versions a correction replaced are only added.
const INSERT_ONLY: &[&str] = &["record_versions", "review_amendments"];

/// Tables a key adult's laptop may send rows of, when they are of a pupil on the key adult's
/// caseload: what the domain lets a key adult write. Everything else (a pupil's details and
/// identifiers, assignments, the school's reference data, supervision) is the strategic
/// lead's to write, at the school.
const LAPTOP_WRITES: &[&str] = &[
    "agency_advice",
    "chronology",
    "goals",
    "instrument_scores",
    "plans",
    "profiles",
    "record_versions",
    "review_amendments",
    "review_due_dates",
    "review_goal_ratings",
    "reviews",
    "sessions",
    "team_members",
    "termly_indicators",
];

/// Tables with ids (where a delete is final) a key adult deletes from in normal work: a team
/// rewritten, an outside agency's advice withdrawn. Any other delete from a laptop would be an
/// erasure, which is the strategic lead's.
const LAPTOP_DELETES: &[&str] = &["agency_advice", "team_members"];

const PAYLOAD_FORMAT: &str = "attune-sync-payload/1";

/// The extension of a sync file's name (`attune-sync-from-laptop-2-2026-12-07.attune-sync`).
pub const FILE_EXTENSION: &str = "attune-sync";
const MAX_META_BYTES: usize = 4 << 20;

/// The synced tables and how each behaves under concurrent changes: every table of the scope
/// that is not local.
pub fn synced_tables() -> Vec<(&'static str, TableKind)> {
    scope::TABLES
        .iter()
        .filter(|t| !matches!(t.class, Class::Local(_)))
        .map(|t| (t.name, kind_of(t)))
        .collect()
}

fn kind_of(t: &TableScope) -> TableKind {
    if INSERT_ONLY.contains(&t.name) {
        TableKind::InsertOnly
    } else if t.key == ["id"] || t.name == "profiles" {
        // Ids never handed out twice (device ranges; a profile is its pupil's): a delete is
        // an erasure, final.
        TableKind::Mutable
    } else {
        // Named by what they hold (a date, a label, a setting): deleted and added again.
        TableKind::Keyed
    }
}

/// What is in a sync file besides the changes (JSON, inside the encryption).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Meta {
    format: String,
    /// "laptop" (laptop to school) or "school" (school to laptop).
    from: String,
    /// The laptop the file is from or for.
    device_no: u16,
    /// Laptop → school: the position of the school's stream the laptop has applied.
    #[serde(default)]
    applied_pos: u64,
    /// Laptop → school: the pupils the laptop holds.
    #[serde(default)]
    holds: Vec<i64>,
    /// Laptop → school: the last of the school's files the laptop had imported when it wrote
    /// this one, so `holds` is what it holds after that file (0 from a laptop of a version
    /// before this field: the school then assumes nothing of its files was applied).
    #[serde(default)]
    school_seq: u64,
    /// School → laptop: the position this file brings the laptop up to.
    #[serde(default)]
    position: u64,
    /// School → laptop: the highest of the laptop's own changes the school has applied.
    #[serde(default)]
    yours_applied: u64,
    /// School → laptop: pupils no longer on the caseload, to remove from the laptop.
    #[serde(default)]
    left: Vec<i64>,
    /// School → laptop: the key adult was removed; the laptop wipes its records.
    #[serde(default)]
    removed: bool,
    /// Laptop → school: the laptop's audit chain after what the school keeps, and its key (hex)
    /// to check it with.
    #[serde(default)]
    audit: Vec<ChainEntry>,
    #[serde(default)]
    audit_key: String,
    /// School → laptop: the highest entry of the laptop's chain the school keeps.
    #[serde(default)]
    yours_audit: i64,
}

fn encode_payload(meta: &Meta, changes: &[Change], adopt: &[u8]) -> Result<Vec<u8>> {
    let m = serde_json::to_vec(meta)?;
    let batch = encode_batch(changes);
    let mut out = Vec::with_capacity(12 + m.len() + batch.len() + adopt.len());
    out.extend_from_slice(&(m.len() as u32).to_le_bytes());
    out.extend_from_slice(&m);
    out.extend_from_slice(&(batch.len() as u64).to_le_bytes());
    out.extend_from_slice(&batch);
    out.extend_from_slice(adopt);
    Ok(out)
}

fn decode_payload(bytes: &[u8]) -> Result<(Meta, Vec<Change>, Vec<u8>)> {
    let bad = || {
        Error::invalid("sync_file", "The sync file's content is not laid out as this version of Attune expects. Nothing was imported.")
    };
    let m = u32::from_le_bytes(
        bytes
            .get(..4)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    ) as usize;
    if m > MAX_META_BYTES {
        return Err(bad());
    }
    let meta: Meta =
        serde_json::from_slice(bytes.get(4..4 + m).ok_or_else(bad)?).map_err(|_| bad())?;
    if meta.format != PAYLOAD_FORMAT {
        return Err(bad());
    }
    let at = 4 + m;
    let n = u64::from_le_bytes(
        bytes
            .get(at..at + 8)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    );
    let n = usize::try_from(n).map_err(|_| bad())?;
    let end = (at + 8).checked_add(n).ok_or_else(bad)?;
    let changes = decode_batch(bytes.get(at + 8..end).ok_or_else(bad)?)?;
    Ok((meta, changes, bytes[end..].to_vec()))
}

/// What a sync did, for the screen ("3 sessions, 1 review signed, 2 pupils updated") and the
/// CLI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The laptop the file was for or from.
    pub device_no: u16,
    /// The file had been imported before: nothing changed.
    pub already_imported: bool,
    /// Row operations sent or applied, per table and kind ("sessions" → "insert" → 3).
    pub rows: BTreeMap<String, BTreeMap<String, u64>>,
    /// Values that lost a conflict and were kept for a person to choose.
    pub conflicts: u64,
    /// Pupils whose whole record came in (newly on the caseload).
    pub pupils_added: u64,
    /// Pupils removed from the laptop (no longer on the caseload).
    pub pupils_removed: u64,
    /// The laptop wiped its records (its user was removed at the school).
    pub wiped: bool,
    /// The sync file's size in bytes.
    pub file_bytes: u64,
    /// Entries of the laptop's audit chain sent, or kept at the school.
    pub audit_entries: u64,
}

impl SyncReport {
    fn count(&mut self, ops: &[RowOp]) {
        for op in ops {
            *self
                .rows
                .entry(op.table.clone())
                .or_default()
                .entry(op.kind.to_string())
                .or_default() += 1;
        }
    }

    /// What the sync did, one plain line each ("3 sessions added", "1 review changed");
    /// empty when nothing was new.
    pub fn lines(&self) -> Vec<String> {
        let mut parts = Vec::new();
        for (table, kinds) in &self.rows {
            for (kind, n) in kinds {
                let verb = match kind.as_str() {
                    "insert" => "added",
                    "update" => "changed",
                    _ => "removed",
                };
                parts.push(format!("{n} {} {verb}", record_words(table, *n)));
            }
        }
        if self.pupils_added > 0 {
            parts.push(format!(
                "{} {} whole record taken in",
                self.pupils_added,
                plural(self.pupils_added, "pupil's", "pupils'")
            ));
        }
        if self.pupils_removed > 0 {
            parts.push(format!(
                "{} {} removed from the laptop",
                self.pupils_removed,
                plural(self.pupils_removed, "pupil", "pupils")
            ));
        }
        if self.conflicts > 0 {
            parts.push(format!(
                "{} {} also changed elsewhere, kept for you to choose",
                self.conflicts,
                plural(self.conflicts, "value", "values")
            ));
        }
        if self.wiped {
            parts.push("the laptop's records were wiped".into());
        }
        parts
    }

    /// "3 sessions added, 2 pupils changed", or "nothing new".
    pub fn summary(&self) -> String {
        let parts = self.lines();
        if parts.is_empty() {
            "nothing new".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The schema, clock and this vault's device number, with the base attached.
struct Ctx {
    schema: Schema,
    clock: Clock,
    device_no: u16,
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// A synced table's records in words, for [`SyncReport::lines`].
fn record_words(table: &str, n: u64) -> String {
    let (one, many) = match table {
        "agency_advice" => ("piece of outside advice", "pieces of outside advice"),
        "assignments" => ("key adult assignment", "key adult assignments"),
        "chronology" => ("chronology event", "chronology events"),
        "goals" => ("goal", "goals"),
        "instrument_scores" => ("score", "scores"),
        "list_items" => ("list entry", "list entries"),
        "plans" => ("plan", "plans"),
        "profiles" => ("\"about me\" profile", "\"about me\" profiles"),
        "pupil_identifiers" => ("pupil identifier", "pupil identifiers"),
        "pupil_status_history" => (
            "care status or support level change",
            "care status and support level changes",
        ),
        "pupils" => ("pupil's details", "pupils' details"),
        "record_versions" => (
            "earlier version of a corrected entry",
            "earlier versions of corrected entries",
        ),
        "review_amendments" => ("review amendment", "review amendments"),
        "review_due_dates" => ("review date", "review dates"),
        "review_goal_ratings" => ("goal rating", "goal ratings"),
        "reviews" => ("review", "reviews"),
        "school_calendars" => ("school calendar", "school calendars"),
        "school_frameworks" => ("framework", "frameworks"),
        "sessions" => ("session", "sessions"),
        "settings" => ("setting", "settings"),
        "supervision_notes" => ("supervision note", "supervision notes"),
        "supervision_pupils" => ("pupil named in supervision", "pupils named in supervision"),
        "team_members" => ("team member", "team members"),
        "termly_indicators" => ("termly indicator", "termly indicators"),
        other => return other.replace('_', " "),
    };
    (if n == 1 { one } else { many }).to_string()
}

fn millis(now: DateTime<Utc>) -> u64 {
    now.timestamp_millis().max(0) as u64
}

/// This vault's clock, going on from the greatest HLC it has issued or seen.
fn clock_of(conn: &Connection, device_no: u16) -> Result<Clock> {
    let device = DeviceId(u64::from(device_no));
    let last: Option<String> = conn.query_row("SELECT max(hlc) FROM sync_log", [], |r| r.get(0))?;
    Ok(match last {
        Some(h) => Clock::resume(device, Hlc::from_text(&h)?),
        None => Clock::new(device),
    })
}

fn prepare(conn: &mut Connection) -> Result<Ctx> {
    changes::install(conn)?;
    let schema = Schema::check(conn, &synced_tables())?;
    changes::install_base(conn, &schema, BASE)?;
    let device_no = attune_vault::ids::device_no(conn)?;
    let clock = clock_of(conn, device_no)?;
    Ok(Ctx {
        schema,
        clock,
        device_no,
    })
}

/// The rows of a synced table that stay on this vault (a setting of this vault alone).
fn shared(op: &RowOp) -> bool {
    if op.table != "settings" {
        return true;
    }
    matches!(op.get("key"), Some(Value::Text(k)) if scope::SYNCED_SETTINGS.contains(&k.as_str()))
}

fn capture(conn: &mut Connection, ctx: &mut Ctx, now: DateTime<Utc>) -> Result<Option<Change>> {
    Ok(changes::capture_where(
        conn,
        &ctx.schema,
        &mut ctx.clock,
        millis(now),
        BASE,
        shared,
    )?)
}

#[derive(Debug, Default)]
struct PeerState {
    out_seq: u64,
    in_seq: u64,
    acked_pos: u64,
    applied_pos: u64,
    peer_applied_seq: u64,
    peer_audit_seq: i64,
    holds: Vec<i64>,
    /// School side: the pupils a file for this laptop told it to take in whole or to remove,
    /// with the file's seq, since the laptop last said which of the school's files it applied.
    sent: Vec<(i64, u64)>,
}

fn peer_state(conn: &Connection, device_no: u16) -> Result<PeerState> {
    conn.execute(
        "INSERT INTO sync_peer_state (device_no) VALUES (?1) ON CONFLICT DO NOTHING",
        [device_no],
    )?;
    type Row = (i64, i64, i64, i64, i64, i64, String, String);
    let (out_seq, in_seq, acked_pos, applied_pos, peer_applied_seq, peer_audit_seq, holds, sent): Row = conn.query_row(
        "SELECT out_seq, in_seq, acked_pos, applied_pos, peer_applied_seq, peer_audit_seq, holds, sent
         FROM sync_peer_state WHERE device_no = ?1",
        [device_no],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
    )?;
    Ok(PeerState {
        out_seq: out_seq as u64,
        in_seq: in_seq as u64,
        acked_pos: acked_pos as u64,
        applied_pos: applied_pos as u64,
        peer_applied_seq: peer_applied_seq as u64,
        peer_audit_seq,
        holds: serde_json::from_str(&holds).unwrap_or_default(),
        sent: serde_json::from_str(&sent).unwrap_or_default(),
    })
}

fn pupils_held(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM pupils ORDER BY id")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

fn caseload(conn: &Connection, user_id: &str) -> Result<BTreeSet<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM pupils WHERE key_adult_id = ?1 AND status <> 'archived' ORDER BY id",
    )?;
    let ids = stmt
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<BTreeSet<i64>>>()?;
    Ok(ids)
}

/// How many of these lost values a person is asked to choose between: the bookkeeping
/// columns (who wrote a row, and when) are kept but not counted, as `sync conflicts` does not
/// list them either — the report and the list must agree.
fn to_choose(conflicts: &[changes::Conflict]) -> u64 {
    conflicts
        .iter()
        .filter(|c| !super::conflicts::BOOKKEEPING.contains(&c.column.as_str()))
        .count() as u64
}

fn store_conflicts(
    conn: &Connection,
    conflicts: &[changes::Conflict],
    now: DateTime<Utc>,
) -> Result<()> {
    let at = attune_vault::datetime::format_instant(now);
    for c in conflicts {
        conn.execute(
            "INSERT INTO sync_conflicts (id, tbl, row_key, col, kept, kept_hlc, lost, lost_hlc, lost_device, found_at)
             VALUES ((SELECT coalesce(max(id), 0) + 1 FROM sync_conflicts), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                c.table,
                c.id,
                c.column,
                c.kept,
                c.kept_hlc.to_text(),
                c.lost,
                c.lost_hlc.to_text(),
                c.lost_hlc.device().0 as i64,
                at
            ],
        )?;
    }
    Ok(())
}

/// Makes the sync base from what the vault holds now, if it has none: everything in it counts
/// as shared from here on, and only later writes travel in sync files. Called when a laptop
/// joins (its replica is what the school sent) and, at the school, when a laptop is enrolled
/// (the enrolment carries what the school held then). Idempotent.
pub fn start(vault: &mut Vault, rng: &mut impl SecureRng) -> Result<()> {
    vault.with_sync_base(rng, |v| -> Result<_> {
        prepare(v.conn_mut()?)?;
        Ok(())
    })
}

/// Refuses to sync a vault that has no sync base although it syncs: it was restored from a
/// backup (which holds the database alone), so its sync state is from the backup's day. Going
/// on would send stale positions, skip files as "already imported" and lose work silently.
fn require_base(vault: &Vault) -> Result<()> {
    if vault.has_sync_base() {
        return Ok(());
    }
    let me = attune_vault::ids::device_no(vault.conn()?)?;
    Err(Error::invalid(
        "sync_file",
        if me == 0 {
            "This school vault's sync record is missing: it was restored from a backup, or its file sync-base.db was removed. Syncing from here could lose work, so it is not done: prepare the laptops again (sync enrol) and have each key adult join again."
        } else {
            "This laptop's sync record is missing: its vault was restored from a backup, or its file sync-base.db was removed. Syncing from here could lose work, so it is not done: ask the strategic lead for a new enrolment file and join again."
        },
    ))
}

/// Writes the next sync file: on a laptop, for the school (`for_device` `None` or `Some(0)`);
/// at the school (strategic lead only), for the laptop `for_device`. Audited `sync.export`.
/// Returns the file's bytes and what it carries.
pub fn export(
    vault: &mut Vault,
    for_device: Option<u16>,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, SyncReport)> {
    require_base(vault)?;
    let me = attune_vault::ids::device_no(vault.conn()?)?;
    if me == 0 {
        let Some(device) = for_device.filter(|d| *d != 0) else {
            return Err(Error::invalid(
                "laptop",
                "This is the school vault: name the laptop the sync file is for.",
            ));
        };
        let target = format!("device:{device}");
        access::require_lead(
            vault,
            Action::SyncExport,
            Some(&target),
            "write a sync file for a laptop",
            now,
        )?;
        export_for_laptop(vault, device, rng, now)
    } else {
        if for_device.is_some_and(|d| d != 0) {
            return Err(Error::invalid(
                "laptop",
                "A laptop writes its sync files for the school vault only.",
            ));
        }
        export_for_school(vault, rng, now)
    }
}

fn export_for_school(
    vault: &mut Vault,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, SyncReport)> {
    let (payload, seq, report) = vault.with_sync_base(rng, |v| -> Result<_> {
        let conn = v.conn_mut()?;
        let mut ctx = prepare(conn)?;
        capture(conn, &mut ctx, now)?;
        let state = peer_state(conn, 0)?;
        let own = DeviceId(u64::from(ctx.device_no));
        let changes: Vec<Change> =
            changes::changes_since(conn, &[(own, state.peer_applied_seq)].into_iter().collect())?
                .into_iter()
                .filter(|c| c.origin == own)
                .collect();
        let mut report = SyncReport {
            device_no: ctx.device_no,
            ..Default::default()
        };
        for c in &changes {
            report.count(&changes::row_ops(&c.changeset, &ctx.schema)?);
        }
        let meta = Meta {
            format: PAYLOAD_FORMAT.into(),
            from: "laptop".into(),
            device_no: ctx.device_no,
            applied_pos: state.applied_pos,
            holds: pupils_held(conn)?,
            school_seq: state.in_seq,
            position: 0,
            yours_applied: 0,
            left: Vec::new(),
            removed: false,
            audit: audit::entries_after(conn, state.peer_audit_seq)?,
            audit_key: audit::chain_key_for_copy(conn)?
                .map(|k| hex::encode(k.as_slice()))
                .unwrap_or_default(),
            yours_audit: 0,
        };
        report.audit_entries = meta.audit.len() as u64;
        Ok((
            encode_payload(&meta, &changes, &[])?,
            state.out_seq + 1,
            report,
        ))
    })?;
    finish_export(vault, 0, seq, &payload, report, rng, now)
}

fn finish_export(
    vault: &mut Vault,
    to: u16,
    seq: u64,
    payload: &[u8],
    mut report: SyncReport,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, SyncReport)> {
    let conn = vault.conn()?;
    let me = attune_vault::ids::device_no(conn)?;
    let created = clock_of(conn, me)?.tick(millis(now))?;
    let bytes = if report.wiped && me == 0 {
        vault.seal_farewell_file(to, seq, created, payload, rng)?
    } else {
        let acks: Vec<Ack> = Vec::new();
        vault.seal_sync_file(to, seq, created, &acks, payload, rng)?
    };
    vault.conn()?.execute(
        "UPDATE sync_peer_state SET out_seq = ?2, last_out_at = ?3 WHERE device_no = ?1",
        params![to, seq as i64, attune_vault::datetime::format_instant(now)],
    )?;
    report.file_bytes = bytes.len() as u64;
    vault.audit(Action::SyncExport, Some(&format!("device:{to}")), "ok", now)?;
    Ok((bytes, report))
}

/// The pupil a row of `t` belongs to, from the row's own values or (through a parent) the
/// vault's rows or the other rows of the same file; `None` when it cannot be told.
fn pupil_of(
    conn: &Connection,
    t: &TableScope,
    op: &RowOp,
    in_file: &BTreeMap<(String, i64), i64>,
) -> Result<Option<i64>> {
    let reach = match t.class {
        Class::Pupil(r) => r,
        Class::KeyAdultAboutPupil { pupil, .. } => {
            return Ok(match column_value(conn, t, op, pupil)? {
                Some(Value::Integer(p)) => Some(p),
                _ => None,
            })
        }
        _ => return Ok(None),
    };
    // An update carries only the columns it changes: the rest is read from the row as this
    // vault holds it.
    let mut full = op.clone();
    for (c, v) in full.values.iter_mut() {
        if v.is_none() {
            *v = column_value(conn, t, op, c)?;
        }
    }
    reach_pupil(conn, reach, &full, in_file)
}

/// Column `col` of the row `op` is about: from the operation, or else from this vault's row
/// with the same key.
fn column_value(conn: &Connection, t: &TableScope, op: &RowOp, col: &str) -> Result<Option<Value>> {
    if let Some(v) = op.get(col) {
        return Ok(Some(v.clone()));
    }
    let mut key = Vec::new();
    for k in t.key {
        match op.get(k) {
            Some(v) => key.push(v.clone()),
            None => return Ok(None),
        }
    }
    let w: Vec<String> = t
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ?{}", i + 1))
        .collect();
    Ok(conn
        .query_row(
            &format!("SELECT {col} FROM {} WHERE {}", t.name, w.join(" AND ")),
            rusqlite::params_from_iter(key),
            |r| r.get::<_, Value>(0),
        )
        .optional()?)
}

fn reach_pupil(
    conn: &Connection,
    reach: Reach,
    op: &RowOp,
    in_file: &BTreeMap<(String, i64), i64>,
) -> Result<Option<i64>> {
    match reach {
        Reach::Column(c) => Ok(match op.get(c) {
            Some(Value::Integer(p)) => Some(*p),
            _ => None,
        }),
        Reach::Via { column, parent } => {
            let Some(Value::Integer(pid)) = op.get(column) else {
                return Ok(None);
            };
            if let Some(p) = in_file.get(&(parent.to_string(), *pid)) {
                return Ok(Some(*p));
            }
            let pt = scope::table(parent).expect("a parent table is classified");
            let Class::Pupil(parent_reach) = pt.class else {
                return Ok(None);
            };
            let col = match parent_reach {
                Reach::Column(c) => c.to_string(),
                Reach::Via { .. } => {
                    // Two levels (a rating's review's plan): resolve the parent's own parent.
                    let row: Option<ColumnValues> = row_values(conn, parent, *pid)?;
                    let Some(values) = row else { return Ok(None) };
                    let parent_op = RowOp {
                        table: parent.to_string(),
                        kind: "update",
                        values,
                    };
                    return reach_pupil(conn, parent_reach, &parent_op, in_file);
                }
            };
            Ok(conn
                .query_row(
                    &format!("SELECT {col} FROM {parent} WHERE id = ?1"),
                    [pid],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten())
        }
    }
}

/// A row's columns by name, as [`RowOp::values`] holds them.
type ColumnValues = Vec<(String, Option<Value>)>;

fn row_values(conn: &Connection, table: &str, id: i64) -> Result<Option<ColumnValues>> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} WHERE id = ?1"))?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    Ok(stmt
        .query_row([id], |r| {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| Ok((n.clone(), Some(r.get::<_, Value>(i)?))))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .optional()?)
}

/// Parents (plans, reviews, supervision notes) of the file's own rows, by id → pupil, so a
/// goal of a plan added in the same file is placed.
fn parents_in_file(ops: &[RowOp]) -> BTreeMap<(String, i64), i64> {
    let mut out = BTreeMap::new();
    // Plans first (their pupil is a column), then reviews (through their plan).
    for pass in ["plans", "reviews"] {
        for op in ops.iter().filter(|o| o.table == pass) {
            let Some(Value::Integer(id)) = op.get("id") else {
                continue;
            };
            let pupil = match pass {
                "plans" => match op.get("pupil_id") {
                    Some(Value::Integer(p)) => Some(*p),
                    _ => None,
                },
                _ => match op.get("plan_id") {
                    Some(Value::Integer(plan)) => out.get(&("plans".to_string(), *plan)).copied(),
                    _ => None,
                },
            };
            if let Some(p) = pupil {
                out.insert((pass.to_string(), *id), p);
            }
        }
    }
    out
}

/// The school's check of a laptop's file before anything of it is applied: every row
/// operation must be in a table a key adult writes ([`LAPTOP_WRITES`]), of a pupil on the
/// caseload of the laptop's user now or before (their assignment history), and a delete only of rows named by what they hold or in
/// [`LAPTOP_DELETES`] (a key adult erases nothing). The first offence refuses the whole file, with what it
/// was.
pub fn check_rights(
    conn: &Connection,
    user_id: &str,
    device_no: u16,
    changes: &[Change],
    schema: &Schema,
) -> Result<()> {
    // Their pupils: those on the caseload now, and those that were (the assignment history):
    // a session written on the laptop before it heard of a reassignment is still theirs to
    // give in — refused, it would stay in every later file and no file would ever get in.
    let mut mine = caseload(conn, user_id)?;
    let mut stmt =
        conn.prepare("SELECT DISTINCT pupil_id FROM assignments WHERE key_adult_id = ?1")?;
    for p in stmt.query_map([user_id], |r| r.get::<_, i64>(0))? {
        mine.insert(p?);
    }
    drop(stmt);
    let refused = |why: String| {
        Err(Error::NotPermitted(format!(
            "this sync file from laptop {device_no} holds {why}, which its key adult may not send. Nothing in it was imported."
        )))
    };
    let all: Vec<Vec<RowOp>> = changes
        .iter()
        .map(|c| changes::row_ops(&c.changeset, schema))
        .collect::<std::result::Result<_, _>>()?;
    let flat: Vec<RowOp> = all.iter().flatten().cloned().collect();
    let in_file = parents_in_file(&flat);
    for c in changes {
        if c.origin != DeviceId(u64::from(device_no)) {
            return refused("another device's changes".into());
        }
    }
    for op in &flat {
        if !LAPTOP_WRITES.contains(&op.table.as_str()) {
            return refused(format!("a change to {}", op.table.replace('_', " ")));
        }
        let t = scope::table(&op.table).expect("synced tables are classified");
        if op.kind == "delete"
            && kind_of(t) != TableKind::Keyed
            && !LAPTOP_DELETES.contains(&op.table.as_str())
        {
            return refused(format!("a deletion from {}", op.table.replace('_', " ")));
        }
        let Some(pupil) = pupil_of(conn, t, op, &in_file)? else {
            return refused(format!(
                "a row of {} not linked to a pupil it holds",
                op.table.replace('_', " ")
            ));
        };
        if !mine.contains(&pupil) {
            return refused("a change to a pupil who is not on their caseload".into());
        }
    }
    Ok(())
}

/// Imports a sync file: at the school, a laptop's (strategic lead only); on a laptop, the
/// school's. Audited `sync.import` ("ok", "already", "refused"). A file imported before is a
/// no-op; a refused file changes nothing.
pub fn import(
    vault: &mut Vault,
    bytes: &[u8],
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<SyncReport> {
    let me = attune_vault::ids::device_no(vault.conn()?)?;
    if me == 0 {
        access::require_lead(
            vault,
            Action::SyncImport,
            None,
            "import a laptop's sync file",
            now,
        )?;
    }
    require_base(vault)?;
    let opened = match vault.open_sync_file(bytes) {
        Ok(o) => o,
        Err(e) => {
            let _ = vault.audit(Action::SyncImport, None, "refused", now);
            return Err(e.into());
        }
    };
    let sender = opened.sender;
    let target = format!("device:{sender}");
    let (meta, changes, adopt) = match decode_payload(&opened.payload) {
        Ok(p) => p,
        Err(e) => {
            let _ = vault.audit(Action::SyncImport, Some(&target), "refused", now);
            return Err(e);
        }
    };
    let expected_from = if me == 0 { "laptop" } else { "school" };
    let laptop = if me == 0 { sender } else { me };
    if meta.from != expected_from || meta.device_no != laptop || (me != 0 && sender != 0) {
        let _ = vault.audit(Action::SyncImport, Some(&target), "refused", now);
        return Err(Error::invalid(
            "sync_file",
            "This sync file's content does not match who sent it. Nothing was imported.",
        ));
    }
    let state = peer_state(vault.conn()?, sender)?;
    let mut report = SyncReport {
        device_no: laptop,
        file_bytes: bytes.len() as u64,
        ..Default::default()
    };
    if opened.header.seq <= state.in_seq {
        vault.audit(Action::SyncImport, Some(&target), "already", now)?;
        report.already_imported = true;
        return Ok(report);
    }
    let result = if me == 0 {
        import_at_school(vault, sender, &meta, &changes, rng, now, &mut report)
    } else {
        import_on_laptop(vault, &meta, &changes, &adopt, rng, now, &mut report)
    };
    match result {
        Ok(()) => {
            vault.conn()?.execute(
                "UPDATE sync_peer_state SET in_seq = ?2, last_in_at = ?3 WHERE device_no = ?1",
                params![
                    sender,
                    opened.header.seq as i64,
                    attune_vault::datetime::format_instant(now)
                ],
            )?;
            vault.audit(Action::SyncImport, Some(&target), "ok", now)?;
            Ok(report)
        }
        Err(e) => {
            let _ = vault.audit(Action::SyncImport, Some(&target), "refused", now);
            Err(e)
        }
    }
}

fn import_at_school(
    vault: &mut Vault,
    device_no: u16,
    meta: &Meta,
    incoming: &[Change],
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
    report: &mut SyncReport,
) -> Result<()> {
    let user_id: String = vault
        .conn()?
        .query_row(
            "SELECT user_id FROM sync_laptops WHERE device_no = ?1",
            [device_no],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| {
            Error::NotFound(format!(
                "Laptop {device_no} is not one this school prepared."
            ))
        })?;
    vault.with_sync_base(rng, |v| -> Result<_> {
        let conn = v.conn_mut()?;
        let mut ctx = prepare(conn)?;
        check_rights(conn, &user_id, device_no, incoming, &ctx.schema)?;
        let new_entries = check_audit(conn, device_no, meta)?;
        capture(conn, &mut ctx, now)?;
        let mut conflicts = Vec::new();
        let mut refused = 0;
        for c in incoming {
            // The school decides: operations on a review it holds signed are held back, kept
            // whole and answered with the school's review, each committed before the rest of
            // the change is applied (a crash in between holds them back again next time).
            let (c, held_back) = super::conflicts::hold_back_signed(conn, &ctx.schema, c)?;
            if !held_back.is_empty() {
                ctx.clock.observe(c.hlc, millis(now))?;
                refused += super::conflicts::keep_refused(conn, &held_back, now)?;
                super::conflicts::reassert(conn, &ctx.schema, &mut ctx.clock, millis(now), &held_back)?;
            }
            match changes::apply_with_base(conn, &ctx.schema, &mut ctx.clock, millis(now), &c, BASE)? {
                changes::Applied::Duplicate => {}
                changes::Applied::Done { conflicts: lost, .. } => {
                    report.count(&changes::row_ops(&c.changeset, &ctx.schema)?);
                    conflicts.extend(lost);
                }
            }
        }
        changes::absorb(conn, &ctx.schema, BASE)?;
        store_conflicts(conn, &conflicts, now)?;
        report.conflicts = to_choose(&conflicts) + refused;
        report.audit_entries = keep_audit(conn, device_no, meta, &new_entries)? as u64;
        // `holds` is what the laptop held after the school's file `school_seq`: what later
        // files told it stays unsure (see export_for_laptop).
        let sent: Vec<(i64, u64)> = peer_state(conn, device_no)?
            .sent
            .into_iter()
            .filter(|(_, seq)| *seq > meta.school_seq)
            .collect();
        conn.execute(
            "UPDATE sync_peer_state SET acked_pos = max(acked_pos, ?2), holds = ?3, sent = ?4 WHERE device_no = ?1",
            params![
                device_no,
                meta.applied_pos as i64,
                serde_json::to_string(&meta.holds)?,
                serde_json::to_string(&sent)?
            ],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// The laptop's audit entries in its file that the school does not keep yet, checked: those
/// it keeps already must be the same, and the rest must continue the chain it keeps (or start
/// one), under the laptop's chain key (the one it sent first). Anything else refuses the file:
/// a laptop's trail is never rewritten at the school.
fn check_audit(conn: &Connection, device_no: u16, meta: &Meta) -> Result<Vec<ChainEntry>> {
    let refused = |why: &str| {
        Err(Error::NotPermitted(format!(
            "the audit trail in this sync file from laptop {device_no} {why}. Nothing in it was imported."
        )))
    };
    let key = match hex::decode(&meta.audit_key) {
        Ok(k) if k.len() == 32 => k,
        _ if meta.audit.is_empty() => return Ok(Vec::new()),
        _ => return refused("comes without the key to check it"),
    };
    let held: Option<Vec<u8>> = conn
        .query_row(
            "SELECT key FROM sync_audit_keys WHERE device_no = ?1",
            [device_no],
            |r| r.get(0),
        )
        .optional()?;
    if held.as_ref().is_some_and(|h| *h != key) {
        return refused("is under another key than the laptop's");
    }
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM sync_audit_copies WHERE device_no = ?1 ORDER BY seq DESC LIMIT 1",
            [device_no],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (last_seq, last_hash) = last.unwrap_or((0, vec![0u8; 32]));
    let mut fresh = Vec::new();
    for e in &meta.audit {
        if e.seq <= last_seq {
            let same: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT hash FROM sync_audit_copies WHERE device_no = ?1 AND seq = ?2",
                    params![device_no, e.seq],
                    |r| r.get(0),
                )
                .optional()?;
            if same.as_ref() != Some(&e.hash) {
                return refused("differs from the copy the school keeps");
            }
        } else {
            fresh.push(e.clone());
        }
    }
    if let Some(seq) = audit::check_continuation(&fresh, &key, last_seq, &last_hash) {
        return refused(&format!(
            "does not continue the copy the school keeps (entry {seq})"
        ));
    }
    Ok(fresh)
}

/// Keeps the checked entries (and, the first time, the laptop's chain key).
fn keep_audit(
    conn: &Connection,
    device_no: u16,
    meta: &Meta,
    fresh: &[ChainEntry],
) -> Result<usize> {
    if fresh.is_empty() {
        return Ok(0);
    }
    let key =
        hex::decode(&meta.audit_key).map_err(|_| Error::invalid("sync_file", "bad audit key"))?;
    conn.execute(
        "INSERT INTO sync_audit_keys (device_no, key) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![device_no, key],
    )?;
    for e in fresh {
        conn.execute(
            "INSERT INTO sync_audit_copies (device_no, seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![device_no, e.seq, e.at, e.actor_id, e.actor_name, e.action, e.target, e.outcome, e.prev_hash, e.hash],
        )?;
    }
    Ok(fresh.len())
}

/// The condition (SQL) true for the rows of `t` that belong to the pupils in `pupils` (a
/// comma-separated list of ids); `None` for tables not about a pupil.
fn pupil_rows_condition(t: &TableScope, pupils: &str, user_param: bool) -> Option<String> {
    let reach = scope::reach_condition;
    let set = format!("IN ({pupils})");
    match t.class {
        Class::Pupil(r) => Some(reach(r, &set)),
        Class::KeyAdultAboutPupil { reach: r, pupil } if user_param => {
            Some(format!("{} AND {pupil} {set}", reach(r, "= :user")))
        }
        Class::KeyAdultAboutPupil { pupil, .. } => Some(format!("{pupil} {set}")),
        _ => None,
    }
}

fn id_list(ids: &BTreeSet<i64>) -> String {
    if ids.is_empty() {
        "NULL".into()
    } else {
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The whole records of `pupils` (their rows in every synced table, and the user's
/// supervision links to them) as a changeset of inserts, made with a session on an in-memory
/// database — nothing of it touches the disk.
fn records_of(
    conn: &mut Connection,
    schema: &Schema,
    user_id: &str,
    pupils: &BTreeSet<i64>,
) -> Result<Vec<u8>> {
    if pupils.is_empty() {
        return Ok(Vec::new());
    }
    conn.execute_batch("ATTACH DATABASE ':memory:' AS sync_records")?;
    let result = (|| -> Result<Vec<u8>> {
        changes::install_tables(conn, schema, "sync_records", false)?;
        let conn = &*conn;
        let mut bytes = Vec::new();
        {
            let mut session = rusqlite::session::Session::new_with_name(conn, "sync_records")?;
            let list = id_list(pupils);
            for (name, _) in synced_tables() {
                let t = scope::table(name).expect("classified");
                let Some(cond) = pupil_rows_condition(t, &list, true) else {
                    continue;
                };
                session.attach(Some(name))?;
                conn.execute(
                    &format!(
                        "INSERT INTO sync_records.{name} SELECT * FROM main.{name} WHERE {}",
                        cond.replace(":user", "?1")
                    ),
                    rusqlite::params_from_iter(cond.contains(":user").then_some(user_id)),
                )?;
            }
            session.changeset_strm(&mut bytes)?;
        }
        Ok(bytes)
    })();
    conn.execute_batch("DETACH DATABASE sync_records")?;
    result
}

fn export_for_laptop(
    vault: &mut Vault,
    device_no: u16,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, SyncReport)> {
    let (user_id, removed): (String, bool) = vault
        .conn()?
        .query_row(
            "SELECT l.user_id, u.removed_at IS NOT NULL FROM sync_laptops l JOIN users u ON u.id = l.user_id WHERE l.device_no = ?1",
            [device_no],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Laptop {device_no} is not one this school prepared.")))?;
    let (payload, seq, report) = vault.with_sync_base(rng, |v| -> Result<_> {
        let conn = v.conn_mut()?;
        let mut ctx = prepare(conn)?;
        capture(conn, &mut ctx, now)?;
        let state = peer_state(conn, device_no)?;
        let mut report = SyncReport {
            device_no,
            ..Default::default()
        };
        let position: i64 =
            conn.query_row("SELECT coalesce(max(pos), 0) FROM sync_arrivals", [], |r| {
                r.get(0)
            })?;
        let yours_applied = changes::applied_seq(conn, DeviceId(u64::from(device_no)))?;
        let mut meta = Meta {
            format: PAYLOAD_FORMAT.into(),
            from: "school".into(),
            device_no,
            applied_pos: 0,
            holds: Vec::new(),
            school_seq: 0,
            position: position as u64,
            yours_applied,
            left: Vec::new(),
            removed,
            audit: Vec::new(),
            audit_key: String::new(),
            yours_audit: conn.query_row(
                "SELECT coalesce(max(seq), 0) FROM sync_audit_copies WHERE device_no = ?1",
                [device_no],
                |r| r.get(0),
            )?,
        };
        if removed {
            report.wiped = true;
            return Ok((encode_payload(&meta, &[], &[])?, state.out_seq + 1, report));
        }
        let now_on = caseload(conn, &user_id)?;
        // What the laptop holds: what it last said, except that a pupil an earlier file told
        // it to take in or remove (a file it may since have applied, or skipped) may or may
        // not be on it. Such a pupil is taken in whole again while on the caseload and
        // removed again while not; both are harmless when already so. Trusting `holds` alone,
        // a pupil moved off the laptop and back between two of its files was neither new nor
        // left, and the changes relayed for them met rows the laptop had removed.
        let holds: BTreeSet<i64> = state.holds.iter().copied().collect();
        let unsure: BTreeSet<i64> = state.sent.iter().map(|(p, _)| *p).collect();
        let surely: BTreeSet<i64> = holds.difference(&unsure).copied().collect();
        let maybe: BTreeSet<i64> = holds.union(&unsure).copied().collect();
        let new: BTreeSet<i64> = now_on.difference(&surely).copied().collect();
        meta.left = maybe.difference(&now_on).copied().collect();
        report.pupils_removed = meta.left.len() as u64;
        report.pupils_added = new.len() as u64;
        let seq = state.out_seq + 1;
        let mut sent = state.sent.clone();
        sent.extend(new.iter().chain(&meta.left).map(|p| (*p, seq)));
        sent.sort_unstable();
        sent.dedup();
        conn.execute(
            "UPDATE sync_peer_state SET sent = ?2 WHERE device_no = ?1",
            params![device_no, serde_json::to_string(&sent)?],
        )?;
        // Everything after the laptop's acknowledged position, but its own, cut to its rows —
        // the new pupils' too: the laptop takes their whole records first and then these, in
        // order, so it ends where the school is even when the records are taken in again
        // (the school learns what a laptop holds only from its next file; until then a pupil
        // stays "new", and a change made meanwhile must still reach the laptop).
        let mut stmt = conn.prepare(
            "SELECT l.origin, l.seq, l.hlc, l.deps, l.changeset FROM sync_arrivals a
             JOIN sync_log l ON l.origin = a.origin AND l.seq = a.seq
             WHERE a.pos > ?1 AND a.origin <> ?2 ORDER BY a.pos",
        )?;
        let rows = stmt.query_map(params![state.acked_pos as i64, device_no], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?;
        let mut relayed = Vec::new();
        for row in rows {
            let (origin, seq, hlc, deps, changeset) = row?;
            let ops = changes::row_ops(&changeset, &ctx.schema)?;
            let in_file = parents_in_file(&ops);
            let mut keep_flags = Vec::with_capacity(ops.len());
            for op in &ops {
                keep_flags.push(belongs(conn, op, &user_id, &now_on, &in_file)?);
            }
            if !keep_flags.iter().any(|k| *k) {
                continue;
            }
            let mut i = 0;
            let part = changes::filter_changeset(&changeset, &ctx.schema, |_| {
                i += 1;
                keep_flags[i - 1]
            })?;
            report.count(&changes::row_ops(&part, &ctx.schema)?);
            relayed.push(Change {
                origin: DeviceId(origin as u64),
                seq: seq as u64,
                hlc: Hlc::from_text(&hlc)?,
                deps: attune_sync::batch::decode_deps(&deps)?,
                changeset: part,
            });
        }
        drop(stmt);
        let adopt = records_of(conn, &ctx.schema, &user_id, &new)?;
        Ok((
            encode_payload(&meta, &relayed, &adopt)?,
            state.out_seq + 1,
            report,
        ))
    })?;
    finish_export(vault, device_no, seq, &payload, report, rng, now)
}

/// Whether a row operation belongs on the laptop of `user_id`, whose pupils (held, and still on
/// the caseload) are `pupils`.
fn belongs(
    conn: &Connection,
    op: &RowOp,
    user_id: &str,
    pupils: &BTreeSet<i64>,
    in_file: &BTreeMap<(String, i64), i64>,
) -> Result<bool> {
    let Some(t) = scope::table(&op.table) else {
        return Ok(false);
    };
    Ok(match t.class {
        Class::Local(_) => false,
        Class::Reference { .. } => shared(op),
        Class::KeyAdult(Reach::Column(c)) => {
            matches!(column_value(conn, t, op, c)?, Some(Value::Text(u)) if u == user_id)
        }
        Class::KeyAdult(_) => false,
        Class::KeyAdultAboutPupil {
            reach: Reach::Via { column, parent },
            pupil,
        } => {
            let note_of_user = match column_value(conn, t, op, column)? {
                Some(Value::Integer(n)) => conn
                    .query_row(
                        &format!("SELECT 1 FROM {parent} WHERE id = ?1 AND key_adult_id = ?2"),
                        params![n, user_id],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some(),
                _ => false,
            };
            note_of_user
                && matches!(column_value(conn, t, op, pupil)?, Some(Value::Integer(p)) if pupils.contains(&p))
        }
        Class::KeyAdultAboutPupil { .. } => false,
        Class::Pupil(_) => match pupil_of(conn, t, op, in_file)? {
            Some(p) => pupils.contains(&p),
            None => false,
        },
    })
}

fn import_on_laptop(
    vault: &mut Vault,
    meta: &Meta,
    incoming: &[Change],
    adopt: &[u8],
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
    report: &mut SyncReport,
) -> Result<()> {
    vault.with_sync_base(rng, |v| -> Result<_> {
        let conn = v.conn_mut()?;
        let mut ctx = prepare(conn)?;
        capture(conn, &mut ctx, now)?;
        if meta.removed {
            wipe(conn)?;
            report.wiped = true;
            return Ok(());
        }
        let left: BTreeSet<i64> = meta.left.iter().copied().collect();
        report.pupils_removed = remove_pupils(conn, &left)? as u64;
        if !adopt.is_empty() {
            let before = pupils_held(conn)?.len();
            changes::adopt(conn, &ctx.schema, adopt, BASE)?;
            report.pupils_added = (pupils_held(conn)?.len() - before) as u64;
        }
        let mut conflicts = Vec::new();
        for c in incoming {
            // The school decides: a relayed change may replace a review signed here.
            match super::conflicts::apply_relayed(conn, &ctx.schema, &mut ctx.clock, millis(now), c, BASE, ctx.device_no, now)? {
                changes::Applied::Duplicate => {}
                changes::Applied::Done { conflicts: lost, .. } => {
                    report.count(&changes::row_ops(&c.changeset, &ctx.schema)?);
                    conflicts.extend(lost);
                }
            }
        }
        changes::absorb(conn, &ctx.schema, BASE)?;
        store_conflicts(conn, &conflicts, now)?;
        report.conflicts = to_choose(&conflicts);
        conn.execute(
            "UPDATE sync_peer_state SET applied_pos = max(applied_pos, ?1), peer_applied_seq = max(peer_applied_seq, ?2),
                 peer_audit_seq = max(peer_audit_seq, ?3) WHERE device_no = 0",
            params![meta.position as i64, meta.yours_applied as i64, meta.yours_audit],
        )?;
        Ok(())
    })?;
    if report.wiped {
        vault.audit(Action::SyncWipe, None, "ok", now)?;
    }
    Ok(())
}

/// Remove the records of `pupils` from this laptop — from the base first, then the vault, so
/// a crash in between can never capture them as erasures to send. Not an erasure: nothing is
/// tombstoned, the school keeps them.
fn remove_pupils(conn: &mut Connection, pupils: &BTreeSet<i64>) -> Result<usize> {
    let held: BTreeSet<i64> = pupils_held(conn)?.into_iter().collect();
    let gone: BTreeSet<i64> = pupils.intersection(&held).copied().collect();
    if gone.is_empty() {
        return Ok(0);
    }
    let list = id_list(&gone);
    // Children before parents: a condition through a parent reads the parent's rows.
    let mut tables: Vec<&TableScope> = synced_tables()
        .into_iter()
        .filter_map(|(n, _)| scope::table(n))
        .filter(|t| pupil_rows_condition(t, &list, false).is_some())
        .collect();
    tables.sort_by_key(|t| depth(t));
    tables.reverse();
    for schema_name in [BASE, "main"] {
        let tx = conn.transaction()?;
        for t in &tables {
            let cond = pupil_rows_condition(t, &list, false).expect("filtered above");
            let cond = qualify(&cond, schema_name);
            tx.execute(
                &format!("DELETE FROM {schema_name}.{} WHERE {cond}", t.name),
                [],
            )?;
        }
        tx.commit()?;
    }
    Ok(gone.len())
}

/// How far a table is from `pupils` (0) through its parents.
fn depth(t: &TableScope) -> usize {
    match t.class {
        Class::Pupil(Reach::Via { parent, .. }) => 1 + scope::table(parent).map_or(0, depth),
        Class::Pupil(Reach::Column(_)) if t.name == "pupils" => 0,
        _ => 1,
    }
}

/// Point a condition's sub-selects (`FROM plans`) at the same schema as the table.
fn qualify(cond: &str, schema_name: &str) -> String {
    cond.replace("FROM ", &format!("FROM {schema_name}."))
}

/// Everything the laptop holds of the school's records, gone (its user was removed at the
/// school): every synced table emptied, in the base first, and the sync bookkeeping cleared.
fn wipe(conn: &mut Connection) -> Result<()> {
    let names: Vec<&str> = synced_tables().into_iter().map(|(n, _)| n).collect();
    for schema_name in [BASE, "main"] {
        let tx = conn.transaction()?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON;")?;
        for n in &names {
            // Who people are stays (their names only: the key slots and the audit log name
            // them); it holds nothing about a pupil.
            if *n == "users" {
                continue;
            }
            if *n == "settings" {
                // This vault's own settings stay, in the base too (where a capture put them).
                tx.execute(
                    &format!(
                        "DELETE FROM {schema_name}.settings WHERE key IN ({})",
                        scope::SYNCED_SETTINGS
                            .iter()
                            .map(|k| format!("'{k}'"))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                    [],
                )?;
                continue;
            }
            tx.execute(&format!("DELETE FROM {schema_name}.{n}"), [])?;
        }
        tx.commit()?;
    }
    conn.execute_batch(
        "DELETE FROM sync_log; DELETE FROM sync_clock; DELETE FROM sync_tombstone; DELETE FROM sync_conflicts;",
    )?;
    Ok(())
}
