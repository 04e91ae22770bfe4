//! Conflicts of sync across laptops (issue 17), for a person to see and choose — and the rule
//! for a review signed off twice.
//!
//! **A field edited on two replicas** between two syncs keeps one value everywhere, by
//! last-writer-wins per column (attune-sync); the value that lost is kept in `sync_conflicts`
//! on the vault where it lost. [`list`] shows each beside the value the vault holds now
//! ("also changed on Grace Hopper's laptop on 2026-11-22"); [`resolve`] keeps the current value
//! or takes the other, which is then an ordinary local edit: captured at the next sync and
//! sent on like any edit, so every replica ends with it.
//!
//! **A review signed off twice** (on a laptop and at the school before the files crossed, or
//! edited on a laptop while the school signed it): **the school decides** — the first sign-off
//! the school holds wins everywhere.
//! - At the school, a laptop's row operations on a review the school holds signed are not
//!   applied (the rest of its file is), and are kept whole as one conflict
//!   ([`ConflictKind::SecondSignOff`], or [`ConflictKind::SignedReviewEdit`] for an edit of
//!   the draft) — no word is lost. The school then re-asserts its signed review: a change of
//!   its own carrying the whole review and its ratings (and the removal of ratings the laptop
//!   added), which is relayed to the laptop like any change.
//! - On the laptop, a change relayed by the school may replace a signed review (and its
//!   ratings): the apply names the reviews it touches in `sync_signed_relay`, which the
//!   immutability triggers honour (migration `0013_signed_review_relay`), inside the apply's
//!   own transaction, emptied before it commits. The laptop's own signed (or edited) version,
//!   whole, is kept as a conflict for its key adult to see.
//! - A signed review is never changed by [`resolve`]: a conflict on one can only be kept.
//! - Amendments are insert-only: they never conflict.
//!
//! **Who sees what**: a strategic lead every conflict; a key adult those of the pupils they
//! may see ([`crate::access::may_see`]), and of their own supervision notes. A conflict whose
//! row has since gone (erased, or the pupil moved off this laptop) is not listed: the value has
//! no record left to go back into, and an erasure must not live on in a list. Conflicts on
//! bookkeeping columns (`updated_at`, `updated_by`, …) are not listed: they are not anyone's
//! words, and they follow the field they came with.
//!
//! **Invariants.** The audit log records that a conflict was seen or resolved, and how, never
//! a value. Every table and column name in SQL built here comes from [`super::scope::TABLES`]
//! or was checked against the table's own columns.

use std::collections::{BTreeMap, BTreeSet};

use attune_sync::changes::{self, Applied, Change, RowOp, Schema};
use attune_sync::hlc::{Clock, Hlc};
use attune_vault::{Action, Role, Vault};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};
use ts_rs::TS;

use super::scope::{self, Class, Reach};
use crate::access;
use crate::error::{Error, Result};
use crate::model::ReviewInput;

/// The `col` of a conflict that keeps a refused second sign-off of a review, whole.
pub(crate) const SIGN_OFF: &str = "*sign_off";
/// The `col` of a conflict that keeps a refused edit of a review signed elsewhere, whole.
pub(crate) const SIGNED_EDIT: &str = "*signed_edit";

/// Columns that only say when and by whom a row was written: their conflicts are not listed.
pub(crate) const BOOKKEEPING: &[&str] = &[
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "recorded_by",
];

/// What kind of conflict it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A field edited on two replicas: one value kept, the other shown; either may be chosen.
    Value,
    /// A review signed off twice: the school's sign-off stands; the other, kept whole, can only
    /// be read (and copied into an amendment).
    SecondSignOff,
    /// A review edited as a draft on one replica while it was signed on another: the signed
    /// review stands; the edit, kept whole, can only be read.
    SignedReviewEdit,
}

/// One conflict, as the window and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncConflict {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number | null")]
    pub pupil_id: Option<i64>,
    /// The pupil's name as the caseload shows it (preferred name, else legal forename, and
    /// surname).
    pub pupil_name: Option<String>,
    /// What the value is, in plain English ("What helps", "Review").
    pub what: String,
    /// The value this vault holds now.
    pub current: String,
    /// The value that lost (or the refused review, whole).
    pub other: String,
    /// Where the other value was written ("Grace Hopper's laptop", "the school vault").
    pub other_from: String,
    /// The day it was written there (`YYYY-MM-DD`, from its clock).
    pub other_on: String,
    /// When this vault found the conflict (RFC 3339).
    pub found_at: String,
    pub kind: ConflictKind,
}

/// What a person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// Keep the value the vault holds now.
    KeepCurrent,
    /// Take the other value (an ordinary edit, sent on at the next sync).
    TakeOther,
}

// ----- reading the stored conflicts -------------------------------------------------------------

struct Stored {
    id: i64,
    tbl: String,
    row_key: String,
    col: String,
    kept: Value,
    lost: Value,
    lost_hlc: String,
    lost_device: i64,
    found_at: String,
}

fn stored(conn: &Connection, only: Option<i64>) -> Result<Vec<Stored>> {
    let mut stmt = conn.prepare(
        "SELECT id, tbl, row_key, col, kept, lost, lost_hlc, lost_device, found_at
         FROM sync_conflicts WHERE resolved_at IS NULL AND (?1 IS NULL OR id = ?1) ORDER BY id",
    )?;
    let rows = stmt.query_map([only], |r| {
        Ok(Stored {
            id: r.get(0)?,
            tbl: r.get(1)?,
            row_key: r.get(2)?,
            col: r.get(3)?,
            kept: r.get(4)?,
            lost: r.get(5)?,
            lost_hlc: r.get(6)?,
            lost_device: r.get(7)?,
            found_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The key values of a row from the bookkeeping's key text (see attune-sync's `key_text`): the
/// id itself for a one-column key; `i12|t10:2027-01-08` for a wider one.
fn key_values(text: &str, width: usize) -> Option<Vec<Value>> {
    if width == 1 {
        // Bound as text: SQLite compares it with an INTEGER key by the column's affinity.
        return Some(vec![Value::Text(text.to_string())]);
    }
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('i') {
            let end = r.find('|').unwrap_or(r.len());
            out.push(Value::Integer(r[..end].parse().ok()?));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('t') {
            let colon = r.find(':')?;
            let n: usize = r[..colon].parse().ok()?;
            let body = r.get(colon + 1..colon + 1 + n)?;
            out.push(Value::Text(body.to_string()));
            rest = &r[colon + 1 + n..];
        } else {
            return None;
        }
        rest = rest.strip_prefix('|').unwrap_or(rest);
    }
    (out.len() == width).then_some(out)
}

/// `"a" = ?1 AND "b" = ?2` for the table's key, and the values to bind.
fn key_where(t: &scope::TableScope, row_key: &str) -> Option<(String, Vec<Value>)> {
    let values = key_values(row_key, t.key.len())?;
    let w = t
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("\"{k}\" = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    Some((w, values))
}

/// Whose a row is, if it is still there.
enum Place {
    Gone,
    Pupil(i64),
    KeyAdult(String),
    School,
}

fn place(conn: &Connection, tbl: &str, row_key: &str) -> Result<Place> {
    let Some(t) = scope::table(tbl) else {
        return Ok(Place::Gone);
    };
    let Some((w, key)) = key_where(t, row_key) else {
        return Ok(Place::Gone);
    };
    let there = conn
        .query_row(
            &format!("SELECT 1 FROM \"{}\" WHERE {w}", t.name),
            rusqlite::params_from_iter(key.iter()),
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !there {
        return Ok(Place::Gone);
    }
    let one = |sql: String| -> Result<Option<Value>> {
        Ok(conn
            .query_row(&sql, rusqlite::params_from_iter(key.iter()), |r| r.get(0))
            .optional()?)
    };
    Ok(match t.class {
        Class::Pupil(r) => {
            let sql = format!(
                "SELECT p.id FROM pupils p WHERE EXISTS (SELECT 1 FROM \"{}\" WHERE {w} AND {})",
                t.name,
                scope::reach_condition(r, "= p.id")
            );
            match one(sql)? {
                Some(Value::Integer(p)) => Place::Pupil(p),
                _ => Place::Gone,
            }
        }
        Class::KeyAdultAboutPupil { pupil, .. } => {
            match one(format!("SELECT \"{pupil}\" FROM \"{}\" WHERE {w}", t.name))? {
                Some(Value::Integer(p)) => Place::Pupil(p),
                _ => Place::Gone,
            }
        }
        Class::KeyAdult(Reach::Column(c)) => {
            match one(format!("SELECT \"{c}\" FROM \"{}\" WHERE {w}", t.name))? {
                Some(Value::Text(u)) => Place::KeyAdult(u),
                _ => Place::Gone,
            }
        }
        _ => Place::School,
    })
}

fn may_see_place(conn: &Connection, user: &attune_vault::UserInfo, p: &Place) -> Result<bool> {
    if user.role == Role::StrategicLead {
        return Ok(!matches!(p, Place::Gone));
    }
    Ok(match p {
        Place::Pupil(id) => access::may_see(conn, user, *id)? == Some(true),
        Place::KeyAdult(u) => *u == user.id,
        Place::Gone | Place::School => false,
    })
}

fn pupil_name(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT coalesce(nullif(preferred_name, ''), legal_forename) || ' ' || legal_surname
             FROM pupils WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

fn kind_of(col: &str) -> ConflictKind {
    match col {
        SIGN_OFF => ConflictKind::SecondSignOff,
        SIGNED_EDIT => ConflictKind::SignedReviewEdit,
        _ => ConflictKind::Value,
    }
}

/// "What helps", "Pupil's year group", … — plain English for a table's column.
fn what(tbl: &str, col: &str) -> String {
    let known = match (tbl, col) {
        ("reviews", SIGN_OFF) => Some("Review (signed off twice)"),
        ("reviews", SIGNED_EDIT) => Some("Review (edited after it was signed off)"),
        ("profiles", "strengths_interests") => Some("Strengths and interests"),
        ("profiles", "what_helps") => Some("What helps"),
        ("profiles", "what_does_not_help") => Some("What does not help"),
        ("profiles", "stressors") => Some("Stressors"),
        ("profiles", "calmers") => Some("Calmers"),
        ("profiles", "story") => Some("The pupil's story"),
        ("profiles", "starting_point") => Some("Starting point"),
        ("profiles", "developmental_age_notes") => Some("Developmental age"),
        ("pupils", "year_group") => Some("Pupil's year group"),
        ("pupils", "preferred_name") => Some("Pupil's preferred name"),
        ("pupils", "care_status") => Some("Pupil's care status"),
        ("pupils", "support_level") => Some("Pupil's support level"),
        ("goals", "outcome") => Some("Goal wording"),
        ("goals", "strategies") => Some("Goal strategies"),
        ("goals", "who") => Some("Goal: who does what"),
        ("goals", "how_often") => Some("Goal: how often"),
        ("goals", "status") => Some("Goal status"),
        ("reviews", "content") => Some("Review"),
        ("review_goal_ratings", "evidence") => Some("Review: a goal's evidence"),
        ("review_goal_ratings", "rating") => Some("Review: a goal's rating"),
        ("team_members", "name") => Some("Team member's name"),
        ("team_members", "role") => Some("Team member's role"),
        ("agency_advice", "advice") => Some("Advice from an agency"),
        _ => None,
    };
    match known {
        Some(s) => s.to_string(),
        None => {
            let t = tbl.replace('_', " ");
            let c = col.replace('_', " ");
            let mut s = format!("{t}: {c}");
            if let Some(f) = s.get(..1) {
                s = f.to_uppercase() + &s[1..];
            }
            s
        }
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) if s.is_empty() => "(empty)".into(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => format!("({} bytes)", b.len()),
    }
}

/// Where a value was written, from its device number.
fn from_device(conn: &Connection, device: i64) -> Result<String> {
    if device == 0 {
        return Ok("the school vault".into());
    }
    let me = attune_vault::ids::device_no(conn)?;
    if device == i64::from(me) {
        return Ok("this laptop".into());
    }
    let name: Option<String> = conn
        .query_row(
            "SELECT u.name FROM sync_laptops l JOIN users u ON u.id = l.user_id WHERE l.device_no = ?1",
            [device],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match name {
        Some(n) => format!("{n}'s laptop"),
        None => format!("laptop {device}"),
    })
}

fn day_of(hlc: &str) -> String {
    Hlc::from_text(hlc)
        .ok()
        .and_then(|h| DateTime::<Utc>::from_timestamp_millis(h.wall_ms() as i64))
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Part of erasing pupil `pupil_id` (inside the erasure's transaction, before their rows
/// go): deletes every conflict kept about one of their rows, resolved or not, since both values
/// may hold their words. Returns how many. A conflict about a row already gone before the
/// erasure (a team member removed since) cannot be traced to a pupil and is left.
pub(crate) fn forget_pupil(conn: &Connection, pupil_id: i64) -> Result<usize> {
    let rows: Vec<(i64, String, String)> = {
        let mut stmt = conn.prepare("SELECT id, tbl, row_key FROM sync_conflicts")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut n = 0;
    for (id, tbl, key) in rows {
        if matches!(place(conn, &tbl, &key)?, Place::Pupil(p) if p == pupil_id) {
            conn.execute("DELETE FROM sync_conflicts WHERE id = ?1", [id])?;
            n += 1;
        }
    }
    Ok(n)
}

/// The unresolved conflicts the session may see, oldest first. Audited `sync.conflicts`.
pub fn list(vault: &Vault, now: DateTime<Utc>) -> Result<Vec<SyncConflict>> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let mut out = Vec::new();
    for s in stored(conn, None)? {
        if BOOKKEEPING.contains(&s.col.as_str()) {
            continue;
        }
        let p = place(conn, &s.tbl, &s.row_key)?;
        if !may_see_place(conn, &user, &p)? {
            continue;
        }
        out.push(shown(conn, &s, &p)?);
    }
    vault.audit(Action::SyncConflicts, None, "ok", now)?;
    Ok(out)
}

fn shown(conn: &Connection, s: &Stored, p: &Place) -> Result<SyncConflict> {
    let pupil_id = match p {
        Place::Pupil(id) => Some(*id),
        _ => None,
    };
    let kind = kind_of(&s.col);
    let (current, other) = match kind {
        ConflictKind::Value => {
            let t = scope::table(&s.tbl).expect("placed rows are of classified tables");
            let now_value = current_value(conn, t, &s.row_key, &s.col)?.unwrap_or(s.kept.clone());
            (show_value(&now_value), show_value(&s.lost))
        }
        _ => {
            let id: i64 = s.row_key.parse().unwrap_or_default();
            let now_review = review_json(conn, id)?.unwrap_or(Json::Null);
            (
                show_review(conn, &now_review),
                show_review(conn, &json_of_text(&s.lost)),
            )
        }
    };
    Ok(SyncConflict {
        id: s.id,
        pupil_id,
        pupil_name: match pupil_id {
            Some(id) => pupil_name(conn, id)?,
            None => None,
        },
        what: what(&s.tbl, &s.col),
        current,
        other,
        other_from: from_device(conn, s.lost_device)?,
        other_on: day_of(&s.lost_hlc),
        found_at: s.found_at.clone(),
        kind,
    })
}

/// The columns of a table, as SQLite has them.
fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    let names = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

fn current_value(
    conn: &Connection,
    t: &scope::TableScope,
    row_key: &str,
    col: &str,
) -> Result<Option<Value>> {
    if !columns(conn, t.name)?.iter().any(|c| c == col) {
        return Ok(None);
    }
    let Some((w, key)) = key_where(t, row_key) else {
        return Ok(None);
    };
    Ok(conn
        .query_row(
            &format!("SELECT \"{col}\" FROM \"{}\" WHERE {w}", t.name),
            rusqlite::params_from_iter(key.iter()),
            |r| r.get(0),
        )
        .optional()?)
}

/// Keeps the current value or takes the other one (then an ordinary edit of this vault, sent
/// on at the next sync). Refused for a signed review (immutable: a conflict on one can only be
/// kept), for a row that is gone, and for a conflict the session may not see. Audited
/// `sync.resolve` with the choice as the outcome, never a value.
pub fn resolve(
    vault: &mut Vault,
    id: i64,
    choice: ConflictChoice,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let Some(s) = stored(conn, Some(id))?.pop() else {
        return Err(Error::NotFound(
            "There is no such conflict still open on this vault.".into(),
        ));
    };
    let p = place(conn, &s.tbl, &s.row_key)?;
    let target_of = |p: &Place| match p {
        Place::Pupil(pupil) => access::target(*pupil, Some(("conflict", id))),
        _ => format!("conflict:{id}"),
    };
    let target = target_of(&p);
    if !may_see_place(conn, &user, &p)? {
        if matches!(p, Place::Gone) && user.role == Role::StrategicLead {
            return Err(Error::invalid(
                "conflict",
                "The record this conflict was about is no longer in this vault (erased, or moved off this laptop): there is nothing to choose.",
            ));
        }
        let _ = vault.audit(Action::SyncResolve, Some(&target), "refused", now);
        return Err(Error::NotPermitted(
            "this conflict is about a pupil who is not on your caseload.".into(),
        ));
    }
    let kind = kind_of(&s.col);
    let signed = match (kind, s.tbl.as_str()) {
        (ConflictKind::Value, "reviews") => review_signed(conn, s.row_key.parse().ok())?,
        (ConflictKind::Value, "review_goal_ratings") => review_signed(
            conn,
            key_values(&s.row_key, 2).and_then(|k| match k.first() {
                Some(Value::Integer(r)) => Some(*r),
                _ => None,
            }),
        )?,
        (ConflictKind::Value, _) => false,
        _ => true,
    };
    let at = attune_vault::datetime::format_instant(now);
    let outcome = match choice {
        ConflictChoice::KeepCurrent => "kept",
        ConflictChoice::TakeOther => "took_other",
    };
    let tx = vault.conn_mut()?.transaction()?;
    if choice == ConflictChoice::TakeOther {
        if signed {
            drop(tx);
            let _ = vault.audit(Action::SyncResolve, Some(&target), "refused", now);
            return Err(Error::invalid(
                "conflict",
                "This review has been signed off and cannot be changed: keep it as it is, and add an amendment if the other version holds something it should say.",
            ));
        }
        let t = scope::table(&s.tbl).expect("placed rows are of classified tables");
        if !columns(&tx, t.name)?.contains(&s.col) {
            return Err(Error::invalid(
                "conflict",
                "This conflict names a field this vault does not have.",
            ));
        }
        let (w, key) = key_where(t, &s.row_key)
            .ok_or_else(|| Error::invalid("conflict", "This conflict's record cannot be found."))?;
        let mut values = vec![s.lost.clone()];
        values.extend(key);
        let w = shift_params(&w, 1);
        tx.execute(
            &format!("UPDATE \"{}\" SET \"{}\" = ?1 WHERE {w}", t.name, s.col),
            rusqlite::params_from_iter(values.iter()),
        )?;
    }
    // The other conflicts of the same field are settled by the same choice.
    tx.execute(
        "UPDATE sync_conflicts SET resolved_at = ?4
         WHERE resolved_at IS NULL AND tbl = ?1 AND row_key = ?2 AND col = ?3",
        params![s.tbl, s.row_key, s.col, at],
    )?;
    attune_vault::audit::append(
        &tx,
        &attune_vault::audit::NewEntry {
            at: now,
            actor_id: Some(&user.id),
            actor_name: &user.name,
            action: Action::SyncResolve,
            target: Some(&target),
            outcome,
        },
    )?;
    tx.commit()?;
    Ok(())
}

/// `"a" = ?1 AND "b" = ?2` with every parameter number moved up by `by`.
fn shift_params(w: &str, by: usize) -> String {
    let mut out = String::new();
    let mut chars = w.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            let n: usize = n.parse().unwrap_or(0);
            out.push_str(&(n + by).to_string());
        }
    }
    out
}

fn review_signed(conn: &Connection, id: Option<i64>) -> Result<bool> {
    let Some(id) = id else { return Ok(false) };
    Ok(conn
        .query_row("SELECT status FROM reviews WHERE id = ?1", [id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .is_some_and(|s| s == "signed"))
}

// ----- a review, whole, as JSON (kept in a conflict) and as text (shown) -------------------------

fn json_value(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Blob(b) => json!(hex::encode(b)),
    }
}

fn json_of_text(v: &Value) -> Json {
    match v {
        Value::Text(s) => serde_json::from_str(s).unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

fn row_json(conn: &Connection, sql: &str, id: i64) -> Result<Vec<Json>> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let rows = stmt.query_map([id], |r| {
        let mut m = Map::new();
        for (i, n) in names.iter().enumerate() {
            m.insert(n.clone(), json_value(&r.get::<_, Value>(i)?));
        }
        Ok(Json::Object(m))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A review as this vault holds it: `{"review": {…every column…}, "ratings": [{…}, …]}`.
fn review_json(conn: &Connection, id: i64) -> Result<Option<Json>> {
    let mut review = row_json(conn, "SELECT * FROM reviews WHERE id = ?1", id)?;
    let Some(review) = review.pop() else {
        return Ok(None);
    };
    let ratings = row_json(
        conn,
        "SELECT * FROM review_goal_ratings WHERE review_id = ?1 ORDER BY goal_id",
        id,
    )?;
    Ok(Some(json!({ "review": review, "ratings": ratings })))
}

fn user_name(conn: &Connection, id: &str) -> String {
    conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| {
        r.get::<_, String>(0)
    })
    .unwrap_or_else(|_| "someone".into())
}

/// A review (as [`review_json`] or a refused change keeps it) in words: who signed it and
/// when, then everything it says.
fn show_review(conn: &Connection, j: &Json) -> String {
    let r = &j["review"];
    let mut parts = Vec::new();
    if r["status"] == "signed" {
        let by = r["signed_by"]
            .as_str()
            .map(|u| user_name(conn, u))
            .unwrap_or_else(|| "someone".into());
        let on = r["held_on"].as_str().unwrap_or("");
        parts.push(format!("Signed off by {by} on {on}."));
    } else if r.get("status").is_some() {
        parts.push("A draft.".into());
    }
    match r["content"]
        .as_str()
        .map(serde_json::from_str::<ReviewInput>)
    {
        Some(Ok(c)) => {
            if !c.attendees.is_empty() {
                let who: Vec<String> = c
                    .attendees
                    .iter()
                    .map(|a| match a.scaling {
                        Some(n) => format!("{} ({}, {n})", a.name, a.role),
                        None => format!("{} ({})", a.name, a.role),
                    })
                    .collect();
                parts.push(format!("Attendees: {}.", who.join(", ")));
            }
            for (label, text) in [
                ("Pupil's voice", &c.pupil_voice),
                ("Parent or carer's voice", &c.parent_carer_voice),
                ("What is working well", &c.working_well),
                ("What we are worried about", &c.worried_about),
                ("What needs to happen", &c.needs_to_happen),
                ("Next steps", &c.next_steps),
            ] {
                if !text.is_empty() {
                    parts.push(format!("{label}: {text}"));
                }
            }
            for g in &c.new_goals {
                parts.push(format!("New goal: {}", g.outcome));
            }
        }
        Some(Err(_)) => parts.push(r["content"].as_str().unwrap_or("").to_string()),
        None => {}
    }
    if let Some(ratings) = j["ratings"].as_array() {
        for g in ratings {
            let rating = match &g["rating"] {
                Json::Null => "no rating".to_string(),
                v => format!("rated {v}"),
            };
            let decision = g["decision"].as_str().unwrap_or("no decision");
            let op = match g["op"].as_str() {
                Some("delete") => " (removed)",
                _ => "",
            };
            let evidence = g["evidence"].as_str().unwrap_or("");
            parts.push(format!(
                "Goal {}{op}: {rating}, {decision}. {evidence}",
                g["goal_id"]
            ));
        }
    }
    if parts.is_empty() {
        "(nothing)".into()
    } else {
        parts.join("\n")
    }
}

// ----- the rule for signed reviews, in the sync apply -------------------------------------------

/// The review a row operation is about, if it is one of a review or its ratings.
fn review_of(op: &RowOp) -> Option<i64> {
    let col = match op.table.as_str() {
        "reviews" => "id",
        "review_goal_ratings" => "review_id",
        _ => return None,
    };
    match op.get(col) {
        Some(Value::Integer(id)) => Some(*id),
        _ => None,
    }
}

/// A laptop's row operations on a review the school holds signed, held back.
pub(crate) struct Refused {
    review_id: i64,
    /// The refused operations sign the review off (not only edit the draft).
    signs: bool,
    ops: Vec<RowOp>,
    hlc: Hlc,
    origin: i64,
}

/// At the school, before a laptop's change is applied: its row operations on reviews the
/// school holds signed are taken out (the change keeps its origin and number, so the laptop's
/// stream goes on), and returned to be kept whole ([`keep_refused`]). A change applied before
/// is returned as it is.
pub(crate) fn hold_back_signed(
    conn: &Connection,
    schema: &Schema,
    c: &Change,
) -> Result<(Change, Vec<Refused>)> {
    if c.seq <= changes::applied_seq(conn, c.origin)? {
        return Ok((c.clone(), Vec::new()));
    }
    let ops = changes::row_ops(&c.changeset, schema)?;
    let mut refused_flags = Vec::with_capacity(ops.len());
    let mut refused: BTreeMap<i64, Refused> = BTreeMap::new();
    for op in &ops {
        let held_back = match review_of(op) {
            Some(id) if review_signed(conn, Some(id))? => {
                let r = refused.entry(id).or_insert_with(|| Refused {
                    review_id: id,
                    signs: false,
                    ops: Vec::new(),
                    hlc: c.hlc,
                    origin: c.origin.0 as i64,
                });
                if op.table == "reviews"
                    && matches!(op.get("status"), Some(Value::Text(s)) if s == "signed")
                {
                    r.signs = true;
                }
                r.ops.push(op.clone());
                true
            }
            _ => false,
        };
        refused_flags.push(held_back);
    }
    if refused.is_empty() {
        return Ok((c.clone(), Vec::new()));
    }
    let mut i = 0;
    let kept = changes::filter_changeset(&c.changeset, schema, |_| {
        i += 1;
        !refused_flags[i - 1]
    })?;
    Ok((
        Change {
            changeset: kept,
            ..c.clone()
        },
        refused.into_values().collect(),
    ))
}

fn op_json(op: &RowOp) -> Json {
    let mut m = Map::new();
    m.insert("op".into(), json!(op.kind));
    for (c, v) in &op.values {
        if let Some(v) = v {
            m.insert(c.clone(), json_value(v));
        }
    }
    Json::Object(m)
}

fn clock_of_status(conn: &Connection, review_id: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT hlc FROM sync_clock WHERE tbl = 'reviews' AND id = ?1 AND col = 'status'",
            [review_id.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Keeps each refused review change whole as a conflict beside the school's signed review
/// (once: the same change held back again after a crash is not kept twice). Returns how many
/// were kept.
pub(crate) fn keep_refused(
    conn: &Connection,
    refused: &[Refused],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut n = 0;
    for r in refused {
        let again = conn
            .query_row(
                "SELECT 1 FROM sync_conflicts WHERE tbl = 'reviews' AND row_key = ?1 AND lost_hlc = ?2",
                params![r.review_id.to_string(), r.hlc.to_text()],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if again {
            continue;
        }
        n += 1;
        let kept = review_json(conn, r.review_id)?.unwrap_or(Json::Null);
        let mut review = Map::new();
        let mut ratings = Vec::new();
        for op in &r.ops {
            match op_json(op) {
                Json::Object(m) if op.table == "reviews" => review.extend(m),
                j => ratings.push(j),
            }
        }
        let lost = json!({ "review": review, "ratings": ratings });
        let kept_hlc = clock_of_status(conn, r.review_id)?.unwrap_or_else(|| Hlc::ZERO.to_text());
        conn.execute(
            "INSERT INTO sync_conflicts (id, tbl, row_key, col, kept, kept_hlc, lost, lost_hlc, lost_device, found_at)
             VALUES ((SELECT coalesce(max(id), 0) + 1 FROM sync_conflicts), 'reviews', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                r.review_id.to_string(),
                if r.signs { SIGN_OFF } else { SIGNED_EDIT },
                kept.to_string(),
                kept_hlc,
                lost.to_string(),
                r.hlc.to_text(),
                r.origin,
                attune_vault::datetime::format_instant(now)
            ],
        )?;
    }
    Ok(n)
}

/// At the school, after refusing a laptop's operations on signed reviews: a change of the
/// school's own carrying each such review whole as the school holds it (the review and its
/// ratings, as inserts) and the removal of the ratings the laptop's refused operations added,
/// so the laptop — which applies it over its own version — ends with exactly the school's.
pub(crate) fn reassert(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    refused: &[Refused],
) -> Result<()> {
    if refused.is_empty() {
        return Ok(());
    }
    let reviews: BTreeSet<i64> = refused.iter().map(|r| r.review_id).collect();
    // Ratings the laptop wrote that the school does not hold: (review, goal) → the laptop's row.
    let mut extra: BTreeMap<(i64, i64), &RowOp> = BTreeMap::new();
    for r in refused {
        for op in r.ops.iter().filter(|o| o.table == "review_goal_ratings") {
            if let (Some(Value::Integer(rv)), Some(Value::Integer(g))) =
                (op.get("review_id"), op.get("goal_id"))
            {
                let held = conn
                    .query_row(
                        "SELECT 1 FROM review_goal_ratings WHERE review_id = ?1 AND goal_id = ?2",
                        params![rv, g],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                if !held && op.kind != "delete" {
                    extra.insert((*rv, *g), op);
                }
            }
        }
    }
    conn.execute_batch("ATTACH DATABASE ':memory:' AS sync_reassert")?;
    let result = (|| -> Result<Vec<u8>> {
        changes::install_tables(conn, schema, "sync_reassert", false)?;
        let conn = &*conn;
        for op in extra.values() {
            let cols: Vec<&(String, Option<Value>)> =
                op.values.iter().filter(|(_, v)| v.is_some()).collect();
            let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            conn.execute(
                &format!(
                    "INSERT INTO sync_reassert.review_goal_ratings ({}) VALUES ({})",
                    names.join(", "),
                    marks.join(", ")
                ),
                rusqlite::params_from_iter(
                    cols.iter().map(|(_, v)| v.clone().unwrap_or(Value::Null)),
                ),
            )?;
        }
        let mut bytes = Vec::new();
        {
            let mut session = rusqlite::session::Session::new_with_name(conn, "sync_reassert")?;
            session.attach(Some("reviews"))?;
            session.attach(Some("review_goal_ratings"))?;
            for id in &reviews {
                conn.execute(
                    "INSERT INTO sync_reassert.reviews SELECT * FROM main.reviews WHERE id = ?1",
                    [id],
                )?;
                conn.execute(
                    "INSERT INTO sync_reassert.review_goal_ratings
                     SELECT * FROM main.review_goal_ratings WHERE review_id = ?1",
                    [id],
                )?;
            }
            for (rv, g) in extra.keys() {
                conn.execute(
                    "DELETE FROM sync_reassert.review_goal_ratings WHERE review_id = ?1 AND goal_id = ?2",
                    params![rv, g],
                )?;
            }
            session.changeset_strm(&mut bytes)?;
        }
        Ok(bytes)
    })();
    conn.execute_batch("DETACH DATABASE sync_reassert")?;
    let bytes = result?;
    changes::record_made(conn, schema, clock, now_ms, &bytes)?;
    Ok(())
}

/// The latest clock of a column of the review this vault wrote and that is still in force (its
/// own sign-off or edit), if any.
fn written_here(conn: &Connection, review_id: i64, me: u16) -> Result<Option<Hlc>> {
    let mut stmt = conn.prepare("SELECT hlc FROM sync_clock WHERE tbl = 'reviews' AND id = ?1")?;
    let clocks = stmt
        .query_map([review_id.to_string()], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(clocks
        .iter()
        .filter_map(|h| Hlc::from_text(h).ok())
        .filter(|h| h.device().0 == u64::from(me))
        .max())
}

/// An SQL string literal of `text` (quotes doubled; the JSON written here holds no NUL).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn open_review_conflict(conn: &Connection, review_id: i64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sync_conflicts WHERE resolved_at IS NULL AND tbl = 'reviews'
             AND row_key = ?1 AND col IN (?2, ?3)",
            params![review_id.to_string(), SIGN_OFF, SIGNED_EDIT],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// On a laptop: applies a change the school relayed. The school decides, so a change that
/// touches a review this laptop holds signed may replace it (the immutability triggers let it
/// past for exactly those reviews, inside the apply's transaction). When that replaces what
/// this laptop wrote (its own sign-off, or its edit), the laptop's version is kept whole as a
/// conflict, and the column conflicts of that review are left out of those returned.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_relayed(
    conn: &mut Connection,
    schema: &Schema,
    clock: &mut Clock,
    now_ms: u64,
    c: &Change,
    base: &str,
    me: u16,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let touched: BTreeSet<i64> = changes::row_ops(&c.changeset, schema)?
        .iter()
        .filter_map(review_of)
        .collect();
    // The reviews signed here whose version this laptop wrote: if the change replaces one, the
    // laptop's version is kept whole. The conflict is written by the apply's own transaction
    // (so a crash can never replace the review and lose the version), and taken out again
    // below if the review came through unchanged.
    let mut mine = Vec::new();
    let mut keep_sql = String::new();
    for id in &touched {
        if !review_signed(conn, Some(*id))? || open_review_conflict(conn, *id)? {
            continue;
        }
        let Some(own) = written_here(conn, *id, me)? else {
            continue;
        };
        let before = review_json(conn, *id)?.unwrap_or(Json::Null);
        let signed_here = clock_of_status(conn, *id)?
            .and_then(|h| Hlc::from_text(&h).ok())
            .is_some_and(|h| h.device().0 == u64::from(me));
        keep_sql.push_str(&format!(
            "INSERT INTO sync_conflicts (id, tbl, row_key, col, kept, kept_hlc, lost, lost_hlc, lost_device, found_at)
             VALUES ((SELECT coalesce(max(id), 0) + 1 FROM sync_conflicts), 'reviews', {}, {}, NULL, {}, {}, {}, {me}, {});",
            literal(&id.to_string()),
            literal(if signed_here { SIGN_OFF } else { SIGNED_EDIT }),
            literal(&c.hlc.to_text()),
            literal(&before.to_string()),
            literal(&own.to_text()),
            literal(&attune_vault::datetime::format_instant(now)),
        ));
        mine.push((*id, before));
    }
    if touched.is_empty() {
        return Ok(changes::apply_relayed(
            conn,
            schema,
            clock,
            now_ms,
            c,
            Some(base),
        )?);
    }
    let ids: Vec<String> = touched.iter().map(|i| format!("({i})")).collect();
    let first = format!(
        "DELETE FROM sync_signed_relay; INSERT INTO sync_signed_relay (review_id) VALUES {}; {keep_sql}",
        ids.join(", ")
    );
    let applied = changes::apply_relayed_around(
        conn,
        schema,
        clock,
        now_ms,
        c,
        Some(base),
        &first,
        "DELETE FROM sync_signed_relay;",
    )?;
    let Applied::Done { rows, conflicts } = applied else {
        return Ok(applied);
    };
    let mut replaced = BTreeSet::new();
    for (id, before) in mine {
        let after = review_json(conn, id)?.unwrap_or(Json::Null);
        if after == before {
            conn.execute(
                "DELETE FROM sync_conflicts WHERE resolved_at IS NULL AND tbl = 'reviews' AND row_key = ?1
                 AND col IN (?2, ?3) AND kept IS NULL",
                params![id.to_string(), SIGN_OFF, SIGNED_EDIT],
            )?;
            continue;
        }
        replaced.insert(id);
        conn.execute(
            "UPDATE sync_conflicts SET kept = ?4 WHERE resolved_at IS NULL AND tbl = 'reviews'
             AND row_key = ?1 AND col IN (?2, ?3) AND kept IS NULL",
            params![id.to_string(), SIGN_OFF, SIGNED_EDIT, after.to_string()],
        )?;
    }
    // A review replaced before keeps its first (the laptop's own) version: its column
    // conflicts add nothing.
    for id in &touched {
        if open_review_conflict(conn, *id)? {
            replaced.insert(*id);
        }
    }
    let conflicts = conflicts
        .into_iter()
        .filter(|k| {
            let review = match k.table.as_str() {
                "reviews" => k.id.parse().ok(),
                "review_goal_ratings" => key_values(&k.id, 2).and_then(|v| match v.first() {
                    Some(Value::Integer(r)) => Some(*r),
                    _ => None,
                }),
                _ => None,
            };
            !review.is_some_and(|r| replaced.contains(&r))
        })
        .collect();
    Ok(Applied::Done { rows, conflicts })
}
