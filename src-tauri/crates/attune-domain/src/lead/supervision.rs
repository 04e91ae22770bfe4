//! Supervision and consultation notes (issue 5; tables in `0005_supervision.sql`): the
//! strategic lead's record of a meeting with a key adult — the date, supervision or
//! consultation, the pupils discussed, the notes and the actions agreed.
//!
//! # Rules
//!
//! - **Who**: a strategic lead records notes and reads every note; a key adult reads only the
//!   notes about them (read only); nobody else reads any. A key adult asking for another's
//!   notes, or to record one, is refused ([`Error::NotPermitted`]) and the refusal audited.
//! - **Validation**, each error naming its form field: `held_on` not after today; `key_adult_id`
//!   an existing user who is a key adult, or a strategic lead who holds a caseload — not
//!   removed, and not the lead recording the note; `pupil_ids` at most [`MAX_PUPILS`], each a
//!   pupil currently on that key adult's caseload (active, assigned to them; repeated ids count
//!   once); `notes` required, at most [`MAX_NOTES_CHARS`] characters; `actions` optional, at most
//!   [`MAX_ACTIONS_CHARS`].
//! - **Audit**, ids only: `supervision.create` and `supervision.view` with target
//!   `supervision:<id>`; the list as `supervision.list` (target `user:<id>` when filtered to one
//!   key adult); the form's choices as `supervision.options`.
//! - **Erasure** ([`crate::transfer::retention::erase_pupil`] calls [`forget_pupil`]): the pupil's rows
//!   in `supervision_pupils` go, and their names are taken out of every note's text (see
//!   [`redact_names`]); the note itself stays, as a record of the key adult's supervision.
//! - **Subject access** ([`crate::transfer::sar`]): the notes in which a pupil was discussed are part of
//!   what is held about them, with the names of any other pupil discussed in the same note
//!   taken out ([`notes_about_pupil`]).
//! - **Corrections and withdrawals** (issue 16; migration `0021_supervision_versions`): the
//!   strategic lead — only the lead, who writes the notes — may correct a note (the values it
//!   replaces are kept in `supervision_note_versions`, with who, when and why) or withdraw it
//!   (kept, marked), giving a reason of at most
//!   [`crate::record::corrections::MAX_REASON_CHARS`] characters. A correction is checked as a
//!   new note is, except that its key adult cannot change and a pupil it already lists may stay
//!   listed after leaving the caseload. A withdrawn note cannot be corrected or withdrawn again.
//!   Audited as `supervision.correct` and `supervision.withdraw` (target `supervision:<id>`;
//!   a key adult's attempt is refused and audited). The lead sees withdrawn notes, marked, and
//!   every earlier version ([`SupervisionNote::changes`]); a key adult never sees a withdrawn
//!   note, and gets nothing of a note's corrections (no earlier version, no mark): the earlier
//!   versions stay on the school vault (they are not synced) and are the lead's alone.
//!   Erasing a pupil takes their name out of the versions too. The subject access document
//!   shows a note's current words and lists its corrections and withdrawal (who, when, why),
//!   not the earlier words.
//! - **Handover packs** never hold supervision notes (nor their versions): they are the key
//!   adult's supervision, not the pupil's record.

use std::collections::BTreeSet;

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Role, UserInfo, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{named_params, params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::model::{ChangeMark, EarlierVersion, EntryChanges, UserRef, VersionField};
use crate::record::corrections::MAX_REASON_CHARS;
use crate::record::versions::withdrawn_mark;
use crate::rules::dates::format_uk;
use crate::store::{self, d2s, get_date, get_enum, ts};

/// The longest notes.
pub const MAX_NOTES_CHARS: usize = 8000;
/// The longest agreed actions.
pub const MAX_ACTIONS_CHARS: usize = 4000;
/// The most pupils one note lists as discussed.
pub const MAX_PUPILS: usize = 60;
/// What an erased pupil's name becomes in a note's text.
pub const ERASED: &str = "[pupil erased]";
/// What another pupil's name becomes in a subject access document.
pub const OTHER_PUPIL: &str = "[another pupil]";

/// Supervision or consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionKind {
    /// Regular supervision of the key adult's work.
    Supervision,
    /// A consultation about a particular pupil or situation.
    Consultation,
}

impl SupervisionKind {
    /// Every value, in the order forms list them.
    pub const ALL: &'static [SupervisionKind] =
        &[SupervisionKind::Supervision, SupervisionKind::Consultation];

    /// The stored (and serialised) form.
    pub fn as_str(self) -> &'static str {
        match self {
            SupervisionKind::Supervision => "supervision",
            SupervisionKind::Consultation => "consultation",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<SupervisionKind> {
        match s {
            "supervision" => Some(SupervisionKind::Supervision),
            "consultation" => Some(SupervisionKind::Consultation),
            _ => None,
        }
    }

    /// How it is named to a person.
    pub fn label(self) -> &'static str {
        match self {
            SupervisionKind::Supervision => "Supervision",
            SupervisionKind::Consultation => "Consultation",
        }
    }
}

/// A note as the lead enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SupervisionNoteInput {
    /// The day of the meeting: today or earlier.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub held_on: NaiveDate,
    pub kind: SupervisionKind,
    /// The key adult met.
    pub key_adult_id: String,
    /// The pupils discussed: any of the key adult's current pupils, or none.
    #[serde(default)]
    #[ts(type = "number[]")]
    pub pupil_ids: Vec<i64>,
    /// Required; up to 8,000 characters.
    pub notes: String,
    /// Up to 4,000 characters.
    #[serde(default)]
    pub actions: String,
}

/// A pupil discussed in a note, or offered on the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DiscussedPupil {
    #[ts(type = "number")]
    pub pupil_id: i64,
    /// The preferred name, else the legal forename.
    pub preferred_name: String,
    pub surname: String,
}

/// A stored note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SupervisionNote {
    #[ts(type = "number")]
    pub id: i64,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub held_on: NaiveDate,
    pub kind: SupervisionKind,
    pub key_adult: UserRef,
    /// By surname; a pupil since erased is no longer listed.
    pub pupils: Vec<DiscussedPupil>,
    pub notes: String,
    pub actions: String,
    pub recorded_by: Option<UserRef>,
    pub created_at: String,
    /// Its corrections and withdrawal (issue 16), for the strategic lead only: a key adult's
    /// notes never carry any (and never include a withdrawn note).
    pub changes: EntryChanges,
}

/// A key adult the lead may record a note with, and their current pupils (for the form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Supervisee {
    pub key_adult: UserRef,
    pub is_lead: bool,
    pub pupils: Vec<DiscussedPupil>,
}

const NOTE_SELECT: &str = "
SELECT n.id, n.held_on, n.kind, n.key_adult_id, ka.name, n.notes, n.actions,
       n.recorded_by, rb.name, n.created_at, n.withdrawn_at, wb.name, n.withdrawn_reason
FROM supervision_notes n
JOIN users ka ON ka.id = n.key_adult_id
LEFT JOIN users rb ON rb.id = n.recorded_by
LEFT JOIN users wb ON wb.id = n.withdrawn_by";

fn note_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SupervisionNote> {
    let recorded_id: Option<String> = r.get(7)?;
    let recorded_name: Option<String> = r.get(8)?;
    Ok(SupervisionNote {
        id: r.get(0)?,
        held_on: get_date(r, 1)?,
        kind: get_enum(r, 2, SupervisionKind::parse)?,
        key_adult: UserRef {
            id: r.get(3)?,
            name: r.get(4)?,
        },
        pupils: Vec::new(),
        notes: r.get(5)?,
        actions: r.get(6)?,
        recorded_by: recorded_id.map(|id| UserRef {
            id,
            name: recorded_name.unwrap_or_default(),
        }),
        created_at: r.get(9)?,
        changes: EntryChanges {
            withdrawn: withdrawn_mark(r, 10)?,
            ..EntryChanges::default()
        },
    })
}

/// Fills in each note's pupils, in one query.
fn attach_pupils(conn: &Connection, notes: &mut [SupervisionNote]) -> Result<()> {
    if notes.is_empty() {
        return Ok(());
    }
    let ids = notes
        .iter()
        .map(|n| n.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // The ids are integers from the database, not input.
    let mut stmt = conn.prepare(&format!(
        "SELECT sp.note_id, p.id, p.preferred_name, p.legal_forename, p.legal_surname
         FROM supervision_pupils sp JOIN pupils p ON p.id = sp.pupil_id
         WHERE sp.note_id IN ({ids})
         ORDER BY lower(p.legal_surname), lower(coalesce(p.preferred_name, p.legal_forename)), p.id"
    ))?;
    let rows = stmt.query_map([], |r| {
        let preferred: Option<String> = r.get(2)?;
        let forename: String = r.get(3)?;
        Ok((
            r.get::<_, i64>(0)?,
            DiscussedPupil {
                pupil_id: r.get(1)?,
                preferred_name: preferred.unwrap_or(forename),
                surname: r.get(4)?,
            },
        ))
    })?;
    for row in rows {
        let (note_id, pupil) = row?;
        if let Some(n) = notes.iter_mut().find(|n| n.id == note_id) {
            n.pupils.push(pupil);
        }
    }
    Ok(())
}

/// Note `note_id` with its pupils; with `versions`, its corrections and earlier versions too.
fn load(conn: &Connection, note_id: i64, versions: bool) -> Result<Option<SupervisionNote>> {
    let note = conn
        .query_row(
            &format!("{NOTE_SELECT} WHERE n.id = ?1"),
            [note_id],
            note_row,
        )
        .optional()?;
    Ok(match note {
        Some(n) => {
            let mut v = vec![n];
            attach_pupils(conn, &mut v)?;
            if versions {
                attach_versions(conn, &mut v)?;
            }
            v.pop()
        }
        None => None,
    })
}

fn note_target(id: i64) -> String {
    format!("supervision:{id}")
}

/// The users a lead may record a note with: key adults (not removed), and strategic leads
/// other than `me` who hold active pupils. With their active pupils, by name.
fn supervisees(conn: &Connection, me: &str) -> Result<Vec<Supervisee>> {
    let mut stmt = conn.prepare(
        "SELECT u.id, u.name, u.role FROM users u
         WHERE u.removed_at IS NULL AND u.id <> :me
           AND (u.role = 'key_adult'
                OR EXISTS (SELECT 1 FROM pupils p WHERE p.key_adult_id = u.id AND p.status = 'active'))
         ORDER BY lower(u.name), u.id",
    )?;
    let users = stmt
        .query_map(named_params! { ":me": me }, |r| {
            Ok(Supervisee {
                key_adult: UserRef {
                    id: r.get(0)?,
                    name: r.get(1)?,
                },
                is_lead: r.get::<_, String>(2)? == "strategic_lead",
                pupils: Vec::new(),
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT p.key_adult_id, p.id, p.preferred_name, p.legal_forename, p.legal_surname
         FROM pupils p WHERE p.status = 'active' AND p.key_adult_id IS NOT NULL
         ORDER BY lower(p.legal_surname), lower(coalesce(p.preferred_name, p.legal_forename)), p.id",
    )?;
    let mut out = users;
    let rows = stmt.query_map([], |r| {
        let preferred: Option<String> = r.get(2)?;
        let forename: String = r.get(3)?;
        Ok((
            r.get::<_, String>(0)?,
            DiscussedPupil {
                pupil_id: r.get(1)?,
                preferred_name: preferred.unwrap_or(forename),
                surname: r.get(4)?,
            },
        ))
    })?;
    for row in rows {
        let (ka, pupil) = row?;
        if let Some(s) = out.iter_mut().find(|s| s.key_adult.id == ka) {
            s.pupils.push(pupil);
        }
    }
    Ok(out)
}

/// The key adults a note can be recorded with, each with their current pupils (strategic lead
/// only). Audited as `supervision.options`.
pub fn supervision_options(vault: &Vault, now: DateTime<Utc>) -> Result<Vec<Supervisee>> {
    let user = access::require_lead(
        vault,
        Action::SupervisionOptions,
        None,
        "record supervision notes",
        now,
    )?;
    let conn = vault.conn()?;
    let out = supervisees(conn, &user.id)?;
    access::record(conn, &user, Action::SupervisionOptions, None, now)?;
    Ok(out)
}

struct Checked {
    notes: String,
    actions: String,
    pupil_ids: Vec<i64>,
}

/// Checks a note as entered: a new one (`existing` none), or a correction of `existing`, whose
/// key adult cannot change and whose listed pupils may stay listed.
fn check(
    conn: &Connection,
    me: &UserInfo,
    input: &SupervisionNoteInput,
    today: NaiveDate,
    existing: Option<&SupervisionNote>,
) -> Result<Checked> {
    if input.held_on > today {
        return Err(Error::invalid(
            "held_on",
            "The date of the meeting must be today or in the past.",
        ));
    }
    let ka = input.key_adult_id.trim();
    if ka.is_empty() {
        return Err(Error::invalid(
            "key_adult_id",
            "Choose the key adult you met.",
        ));
    }
    // The pupils the note may list.
    let may_list: BTreeSet<i64> = if let Some(note) = existing {
        if ka != note.key_adult.id {
            return Err(Error::invalid(
                "key_adult_id",
                "The key adult of a note cannot be changed: withdraw this note and record a new one with the right key adult.",
            ));
        }
        let mut stmt =
            conn.prepare("SELECT id FROM pupils WHERE key_adult_id = ?1 AND status = 'active'")?;
        let mut ids = stmt
            .query_map([ka], |r| r.get::<_, i64>(0))?
            .collect::<std::result::Result<BTreeSet<_>, _>>()?;
        ids.extend(note.pupils.iter().map(|p| p.pupil_id));
        ids
    } else {
        if ka == me.id {
            return Err(Error::invalid(
                "key_adult_id",
                "Choose the key adult you met: a note cannot be about yourself.",
            ));
        }
        let allowed = supervisees(conn, &me.id)?;
        let Some(supervisee) = allowed.iter().find(|s| s.key_adult.id == ka) else {
            return Err(Error::invalid(
                "key_adult_id",
                "There is no such key adult. Choose one from the list.",
            ));
        };
        supervisee.pupils.iter().map(|p| p.pupil_id).collect()
    };
    let mut ids = BTreeSet::new();
    for id in &input.pupil_ids {
        ids.insert(*id);
    }
    if ids.len() > MAX_PUPILS {
        return Err(Error::invalid(
            "pupil_ids",
            format!("A note can list at most {MAX_PUPILS} pupils discussed."),
        ));
    }
    if ids.iter().any(|id| !may_list.contains(id)) {
        return Err(Error::invalid(
            "pupil_ids",
            "Only pupils on this key adult's caseload can be listed as discussed.",
        ));
    }
    let notes = store::text(
        "notes",
        "the notes",
        &input.notes,
        MAX_NOTES_CHARS,
        true,
        true,
    )?;
    let actions = store::text(
        "actions",
        "the agreed actions",
        &input.actions,
        MAX_ACTIONS_CHARS,
        false,
        true,
    )?;
    Ok(Checked {
        notes,
        actions,
        pupil_ids: ids.into_iter().collect(),
    })
}

/// Records a supervision or consultation note (strategic lead only; see the module's rules).
/// `today` bounds the meeting's date. Audited as `supervision.create`.
pub fn record_supervision_note(
    vault: &mut Vault,
    input: &SupervisionNoteInput,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SupervisionNote> {
    let user = access::require_lead(
        vault,
        Action::SupervisionCreate,
        None,
        "record supervision notes",
        now,
    )?;
    let checked = check(vault.conn()?, &user, input, today, None)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::SupervisionNotes)?;
    tx.execute(
        "INSERT INTO supervision_notes (id, held_on, kind, key_adult_id, notes, actions,
                                        recorded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            d2s(input.held_on),
            input.kind.as_str(),
            input.key_adult_id.trim(),
            checked.notes,
            checked.actions,
            user.id,
            ts(now)
        ],
    )?;
    for p in &checked.pupil_ids {
        tx.execute(
            "INSERT INTO supervision_pupils (note_id, pupil_id) VALUES (?1, ?2)",
            params![id, p],
        )?;
    }
    access::record(
        &tx,
        &user,
        Action::SupervisionCreate,
        Some(&note_target(id)),
        now,
    )?;
    let note =
        load(&tx, id, true)?.ok_or_else(|| Error::NotFound("There is no such note.".into()))?;
    tx.commit()?;
    Ok(note)
}

/// The supervision notes the session may read, newest meeting first: for a strategic lead
/// every note, or one key adult's with `key_adult_id`; for a key adult their own (asking for
/// anyone else's is refused and audited). Audited as `supervision.list`.
pub fn list_supervision_notes(
    vault: &Vault,
    key_adult_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<SupervisionNote>> {
    let user = access::actor(vault)?;
    let filter = key_adult_id.map(str::trim).filter(|s| !s.is_empty());
    let target = filter.map(|k| format!("user:{k}"));
    let who = match user.role {
        Role::StrategicLead => filter.map(str::to_string),
        Role::KeyAdult => {
            if filter.is_some_and(|k| k != user.id) {
                let _ = vault.audit(Action::SupervisionList, target.as_deref(), "refused", now);
                return Err(Error::NotPermitted(
                    "you can read only your own supervision notes.".into(),
                ));
            }
            Some(user.id.clone())
        }
    };
    let lead = user.role == Role::StrategicLead;
    let conn = vault.conn()?;
    // A key adult never sees a withdrawn note.
    let mut stmt = conn.prepare(&format!(
        "{NOTE_SELECT} WHERE (:ka IS NULL OR n.key_adult_id = :ka)
           AND (:lead OR n.withdrawn_at IS NULL)
         ORDER BY n.held_on DESC, n.id DESC"
    ))?;
    let mut notes = stmt
        .query_map(named_params! { ":ka": who, ":lead": lead }, note_row)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    attach_pupils(conn, &mut notes)?;
    if lead {
        attach_versions(conn, &mut notes)?;
    }
    record_pupils_seen(conn, &user, Action::SupervisionList, &notes, now)?;
    access::record(conn, &user, Action::SupervisionList, target.as_deref(), now)?;
    Ok(notes)
}

/// One note: for a strategic lead any, for a key adult only one about them (another's is
/// refused, audited, exactly as one that does not exist). Audited as `supervision.view`.
pub fn get_supervision_note(
    vault: &Vault,
    note_id: i64,
    now: DateTime<Utc>,
) -> Result<SupervisionNote> {
    let user = access::actor(vault)?;
    let target = note_target(note_id);
    let conn = vault.conn()?;
    let note = load(conn, note_id, user.role == Role::StrategicLead)?;
    let note = match (note, user.role) {
        (Some(n), Role::StrategicLead) => n,
        // A withdrawn note is, to its key adult, as one that does not exist.
        (Some(n), Role::KeyAdult) if n.key_adult.id == user.id && n.changes.withdrawn.is_none() => {
            n
        }
        (None, Role::StrategicLead) => {
            return Err(Error::NotFound("There is no such supervision note.".into()))
        }
        _ => {
            let _ = vault.audit(Action::SupervisionView, Some(&target), "refused", now);
            return Err(Error::NotPermitted(
                "you can read only your own supervision notes.".into(),
            ));
        }
    };
    record_pupils_seen(
        conn,
        &user,
        Action::SupervisionView,
        std::slice::from_ref(&note),
        now,
    )?;
    access::record(conn, &user, Action::SupervisionView, Some(&target), now)?;
    Ok(note)
}

/// One audit entry per pupil a note shown discusses (target `pupil:<id>/supervision:<note>`),
/// so a pupil's own audit trail — and their subject access document — lists who read notes
/// about them.
fn record_pupils_seen(
    conn: &Connection,
    user: &UserInfo,
    action: Action,
    notes: &[SupervisionNote],
    now: DateTime<Utc>,
) -> Result<()> {
    for n in notes {
        for p in &n.pupils {
            let target = access::target(p.pupil_id, Some(("supervision", n.id)));
            access::record(conn, user, action, Some(&target), now)?;
        }
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Corrections and withdrawals (issue 16)

/// The fields of a note a correction may change, in the order an earlier version lists them.
const FIELDS: &[(&str, &str)] = &[
    ("held_on", "Date"),
    ("kind", "Kind"),
    ("pupil_ids", "Pupils discussed"),
    ("notes", "Notes"),
    ("actions", "Agreed actions"),
];

/// Note `note_id`'s current values as stored in a version (`pupil_ids` in ascending order),
/// and whether it is withdrawn.
fn current_values(conn: &Connection, note_id: i64) -> Result<Option<(Json, bool)>> {
    let row: Option<(String, String, String, String, bool)> = conn
        .query_row(
            "SELECT held_on, kind, notes, actions, withdrawn_at IS NOT NULL
             FROM supervision_notes WHERE id = ?1",
            [note_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((held_on, kind, notes, actions, withdrawn)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT pupil_id FROM supervision_pupils WHERE note_id = ?1 ORDER BY pupil_id",
    )?;
    let pupil_ids = stmt
        .query_map([note_id], |r| r.get::<_, i64>(0))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Some((
        serde_json::json!({
            "held_on": held_on,
            "kind": kind,
            "notes": notes,
            "actions": actions,
            "pupil_ids": pupil_ids,
        }),
        withdrawn,
    )))
}

/// A stored value in words, for field `col` of an earlier version.
fn display(conn: &Connection, col: &str, v: Option<&Json>) -> Result<String> {
    Ok(match (col, v) {
        (_, None | Some(Json::Null)) => String::new(),
        ("held_on", Some(Json::String(s))) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(format_uk)
            .unwrap_or_else(|_| s.clone()),
        ("kind", Some(Json::String(s))) => {
            SupervisionKind::parse(s).map_or_else(|| s.clone(), |k| k.label().to_string())
        }
        ("pupil_ids", Some(Json::Array(ids))) => {
            let mut names = Vec::new();
            for id in ids.iter().filter_map(Json::as_i64) {
                let name: Option<String> = conn
                    .query_row(
                        "SELECT coalesce(preferred_name, legal_forename) || ' ' || legal_surname
                         FROM pupils WHERE id = ?1",
                        [id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(n) = name {
                    names.push(n);
                }
            }
            if names.is_empty() {
                "None".to_string()
            } else {
                names.join(", ")
            }
        }
        (_, Some(Json::String(s))) => s.clone(),
        (_, Some(other)) => other.to_string(),
    })
}

/// Fills each note's corrections and earlier versions (newest first), as the strategic lead
/// sees them: each earlier version lists the fields the next version changed, with their
/// values as they were.
fn attach_versions(conn: &Connection, notes: &mut [SupervisionNote]) -> Result<()> {
    for n in notes.iter_mut() {
        let versions: Vec<(String, ChangeMark)> = {
            let mut stmt = conn.prepare_cached(
                "SELECT v.old_values, v.reason, u.name, v.changed_at
                 FROM supervision_note_versions v LEFT JOIN users u ON u.id = v.changed_by
                 WHERE v.note_id = ?1 ORDER BY v.changed_at, v.id",
            )?;
            let rows = stmt.query_map([n.id], |r| {
                Ok((
                    r.get(0)?,
                    ChangeMark {
                        reason: r.get(1)?,
                        by: r.get(2)?,
                        at: r.get(3)?,
                    },
                ))
            })?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        if versions.is_empty() {
            continue;
        }
        let values: Vec<Json> = versions
            .iter()
            .map(|(v, _)| serde_json::from_str(v).unwrap_or(Json::Null))
            .collect();
        let now_values = current_values(conn, n.id)?
            .map(|(v, _)| v)
            .unwrap_or(Json::Null);
        let mut earlier = Vec::with_capacity(versions.len());
        for (i, (_, mark)) in versions.iter().enumerate() {
            let this = &values[i];
            let next = values.get(i + 1).unwrap_or(&now_values);
            let changed: Vec<&(&str, &str)> = FIELDS
                .iter()
                .filter(|(c, _)| this.get(*c) != next.get(*c))
                .collect();
            let shown: Vec<&(&str, &str)> = if changed.is_empty() {
                FIELDS.iter().collect()
            } else {
                changed
            };
            let mut fields = Vec::with_capacity(shown.len());
            for (c, label) in shown {
                fields.push(VersionField {
                    label: label.to_string(),
                    value: display(conn, c, this.get(*c))?,
                });
            }
            earlier.push(EarlierVersion {
                replaced: mark.clone(),
                fields,
            });
        }
        n.changes.corrections = versions.len() as u32;
        n.changes.corrected = versions.last().map(|(_, m)| m.clone());
        earlier.reverse();
        n.changes.earlier = earlier;
    }
    Ok(())
}

fn reason_text(reason: &str) -> Result<String> {
    store::text("reason", "the reason", reason, MAX_REASON_CHARS, true, true)
}

fn withdrawn_already() -> Error {
    Error::invalid(
        "reason",
        "This supervision note was withdrawn, so it cannot be changed any more.",
    )
}

/// Corrects note `note_id` with the values of `input` (checked as a new note's are, except
/// that the key adult cannot change and a pupil the note lists may stay listed), giving a
/// reason. Strategic lead only. The values it replaces are kept as an earlier version.
/// Refused for a withdrawn note, and when nothing changed. Audited as `supervision.correct`.
pub fn correct_supervision_note(
    vault: &mut Vault,
    note_id: i64,
    input: &SupervisionNoteInput,
    reason: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SupervisionNote> {
    let target = note_target(note_id);
    let user = access::require_lead(
        vault,
        Action::SupervisionCorrect,
        Some(&target),
        "correct supervision notes",
        now,
    )?;
    let existing = load(vault.conn()?, note_id, false)?
        .ok_or_else(|| Error::NotFound("There is no such supervision note.".into()))?;
    if existing.changes.withdrawn.is_some() {
        return Err(withdrawn_already());
    }
    let checked = check(vault.conn()?, &user, input, today, Some(&existing))?;
    let reason = reason_text(reason)?;
    let tx = vault.conn_mut()?.transaction()?;
    let (old, _) = current_values(&tx, note_id)?.expect("the note was just read");
    tx.execute(
        "UPDATE supervision_notes SET held_on = ?2, kind = ?3, notes = ?4, actions = ?5
         WHERE id = ?1",
        params![
            note_id,
            d2s(input.held_on),
            input.kind.as_str(),
            checked.notes,
            checked.actions
        ],
    )?;
    let had: BTreeSet<i64> = existing.pupils.iter().map(|p| p.pupil_id).collect();
    let now_listed: BTreeSet<i64> = checked.pupil_ids.iter().copied().collect();
    for p in had.difference(&now_listed) {
        tx.execute(
            "DELETE FROM supervision_pupils WHERE note_id = ?1 AND pupil_id = ?2",
            params![note_id, p],
        )?;
    }
    for p in now_listed.difference(&had) {
        tx.execute(
            "INSERT INTO supervision_pupils (note_id, pupil_id) VALUES (?1, ?2)",
            params![note_id, p],
        )?;
    }
    let (new, _) = current_values(&tx, note_id)?.expect("the note is still there");
    if new == old {
        return Err(Error::invalid(
            "reason",
            "Nothing was changed: change a value to correct it, or close the form.",
        ));
    }
    tx.execute(
        "INSERT INTO supervision_note_versions (note_id, old_values, reason, changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![note_id, old.to_string(), reason, user.id, ts(now)],
    )?;
    access::record(&tx, &user, Action::SupervisionCorrect, Some(&target), now)?;
    let note = load(&tx, note_id, true)?.expect("the note is still there");
    tx.commit()?;
    Ok(note)
}

/// Withdraws note `note_id`, giving a reason: it stays, marked withdrawn, for the strategic
/// lead; its key adult no longer sees it. Strategic lead only; refused for a note already
/// withdrawn. Audited as `supervision.withdraw`.
pub fn withdraw_supervision_note(
    vault: &mut Vault,
    note_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<SupervisionNote> {
    let target = note_target(note_id);
    let user = access::require_lead(
        vault,
        Action::SupervisionWithdraw,
        Some(&target),
        "withdraw supervision notes",
        now,
    )?;
    let reason = reason_text(reason)?;
    let tx = vault.conn_mut()?.transaction()?;
    let (_, withdrawn) = current_values(&tx, note_id)?
        .ok_or_else(|| Error::NotFound("There is no such supervision note.".into()))?;
    if withdrawn {
        return Err(withdrawn_already());
    }
    tx.execute(
        "UPDATE supervision_notes SET withdrawn_at = ?2, withdrawn_by = ?3, withdrawn_reason = ?4
         WHERE id = ?1",
        params![note_id, ts(now), user.id, reason],
    )?;
    access::record(&tx, &user, Action::SupervisionWithdraw, Some(&target), now)?;
    let note = load(&tx, note_id, true)?.expect("the note is still there");
    tx.commit()?;
    Ok(note)
}

// ----------------------------------------------------------------------------------------------
// Names in free text: erasure and subject access

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn chars_eq(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Replaces every whole-word, case-insensitive occurrence in `text` of each of `names` with
/// `replacement`. Longer names are replaced first (so "Mary Jane" goes before "Mary"); names
/// shorter than two characters are ignored. A "whole word" has no letter or digit just before
/// or after it, so "Sam" is found in "Sam's" and "(Sam)" but not in "Samuel".
pub fn redact_names(text: &str, names: &[&str], replacement: &str) -> String {
    let mut names: Vec<Vec<char>> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2)
        .map(|n| n.chars().collect())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.dedup();
    if names.is_empty() {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < chars.len() {
        let before_ok = i == 0 || !is_word_char(chars[i - 1]);
        if before_ok {
            for n in &names {
                let end = i + n.len();
                if end <= chars.len()
                    && chars[i..end].iter().zip(n).all(|(a, b)| chars_eq(*a, *b))
                    && (end == chars.len() || !is_word_char(chars[end]))
                {
                    out.push_str(replacement);
                    i = end;
                    continue 'outer;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The ways a pupil's name may be written: each of the legal forename, legal surname and
/// preferred name, whole and word by word, and forename or preferred name with the surname.
pub(crate) fn name_forms(forename: &str, surname: &str, preferred: Option<&str>) -> Vec<String> {
    let mut forms = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim();
        if !s.is_empty() {
            forms.push(s.to_string());
            for w in s.split_whitespace() {
                forms.push(w.to_string());
            }
        }
    };
    add(forename);
    add(surname);
    if let Some(p) = preferred {
        add(p);
    }
    forms.push(format!("{} {}", forename.trim(), surname.trim()));
    if let Some(p) = preferred {
        forms.push(format!("{} {}", p.trim(), surname.trim()));
    }
    forms
}

/// The pupil's name forms, read from the vault.
fn pupil_name_forms(conn: &Connection, pupil_id: i64) -> Result<Vec<String>> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT legal_forename, legal_surname, preferred_name FROM pupils WHERE id = ?1",
            [pupil_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(row
        .map(|(f, s, p)| name_forms(&f, &s, p.as_deref()))
        .unwrap_or_default())
}

/// Part of erasing pupil `pupil_id` (called inside [`crate::transfer::retention::erase_pupil`]'s
/// transaction, before the pupil's row goes): takes their name out of the notes' text
/// (replaced by [`ERASED`]) and deletes their rows in `supervision_pupils`. Returns how many
/// notes changed.
///
/// In a note that lists the pupil as discussed, every form of their name goes (forename,
/// preferred name, surname, each word of them, and the full names). In any other note, the
/// forms that include the surname go (the surname, and forename or preferred name with it): a
/// forename alone there may well be another pupil's, and is kept. An unsaved draft of the
/// supervision form (form key `supervision:…`) that lists the pupil in its `pupil_ids` or names
/// them in any form is deleted.
pub(crate) fn forget_pupil(conn: &Connection, pupil_id: i64) -> Result<usize> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT legal_forename, legal_surname, preferred_name FROM pupils WHERE id = ?1",
            [pupil_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((forename, surname, preferred)) = row else {
        return Ok(0);
    };
    let all = name_forms(&forename, &surname, preferred.as_deref());
    let mut with_surname = name_forms("", &surname, None);
    with_surname.push(format!("{} {}", forename.trim(), surname.trim()));
    if let Some(p) = &preferred {
        with_surname.push(format!("{} {}", p.trim(), surname.trim()));
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let with_surname: Vec<&str> = with_surname.iter().map(String::as_str).collect();
    type NoteText = (i64, String, String, Option<String>, bool);
    let notes: Vec<NoteText> = {
        let mut stmt = conn.prepare(
            "SELECT n.id, n.notes, n.actions, n.withdrawn_reason,
                    EXISTS (SELECT 1 FROM supervision_pupils sp
                            WHERE sp.note_id = n.id AND sp.pupil_id = ?1)
             FROM supervision_notes n",
        )?;
        let rows = stmt.query_map([pupil_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut changed = 0;
    let mut linked_notes = BTreeSet::new();
    for (id, notes, actions, reason, linked) in notes {
        if linked {
            linked_notes.insert(id);
        }
        let forms = if linked { &all } else { &with_surname };
        let n = redact_names(&notes, forms, ERASED);
        let a = redact_names(&actions, forms, ERASED);
        let w = reason.as_deref().map(|r| redact_names(r, forms, ERASED));
        if n != notes || a != actions || w != reason {
            conn.execute(
                "UPDATE supervision_notes SET notes = ?2, actions = ?3, withdrawn_reason = ?4
                 WHERE id = ?1",
                params![id, n, a, w],
            )?;
            changed += 1;
        }
    }
    // The notes' earlier versions (issue 16) likewise: the name out of the words and the
    // reason, the pupil's id out of the pupils discussed.
    let versions: Vec<(i64, i64, String, String)> = {
        let mut stmt =
            conn.prepare("SELECT id, note_id, old_values, reason FROM supervision_note_versions")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for (vid, note_id, old_values, reason) in versions {
        let mut values: Json = serde_json::from_str(&old_values).unwrap_or(Json::Null);
        let mut listed = false;
        if let Some(ids) = values.get_mut("pupil_ids").and_then(Json::as_array_mut) {
            let before = ids.len();
            ids.retain(|i| i.as_i64() != Some(pupil_id));
            listed = ids.len() != before;
        }
        let forms = if listed || linked_notes.contains(&note_id) {
            &all
        } else {
            &with_surname
        };
        for field in ["notes", "actions"] {
            if let Some(Json::String(t)) = values.get_mut(field) {
                *t = redact_names(t, forms, ERASED);
            }
        }
        let values = values.to_string();
        let reason_now = redact_names(&reason, forms, ERASED);
        if values != old_values || reason_now != reason {
            conn.execute(
                "UPDATE supervision_note_versions SET old_values = ?2, reason = ?3 WHERE id = ?1",
                params![vid, values, reason_now],
            )?;
        }
    }
    conn.execute(
        "DELETE FROM supervision_pupils WHERE pupil_id = ?1",
        [pupil_id],
    )?;
    // Unsaved drafts of the supervision form (`supervision:…`, the JSON the window keeps)
    // that name the pupil or list them as discussed go too.
    let drafts: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT user_id, form_key, content FROM drafts
             WHERE substr(form_key, 1, 12) = 'supervision:'",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for (user_id, form_key, content) in drafts {
        let lists_pupil = serde_json::from_str::<serde_json::Value>(&content)
            .ok()
            .and_then(|v| v.get("pupil_ids").cloned())
            .and_then(|ids| ids.as_array().cloned())
            .is_some_and(|ids| ids.iter().any(|i| i.as_i64() == Some(pupil_id)));
        if lists_pupil || redact_names(&content, &all, "") != content {
            conn.execute(
                "DELETE FROM drafts WHERE user_id = ?1 AND form_key = ?2",
                params![user_id, form_key],
            )?;
        }
    }
    Ok(changed)
}

/// The notes in which pupil `pupil_id` was discussed, oldest first, for their subject access
/// document: the names of every other pupil discussed in the same note are replaced by
/// [`OTHER_PUPIL`] (and those pupils are not listed). Withdrawn notes are included, marked;
/// each correction is listed (as an earlier version with no fields: who, when, why), not the
/// words it replaced. No permission check, no audit: the
/// caller has done both.
pub(crate) fn notes_about_pupil(conn: &Connection, pupil_id: i64) -> Result<Vec<SupervisionNote>> {
    let mut stmt = conn.prepare(&format!(
        "{NOTE_SELECT} WHERE n.id IN (SELECT note_id FROM supervision_pupils WHERE pupil_id = ?1)
         ORDER BY n.held_on, n.id"
    ))?;
    let mut notes = stmt
        .query_map([pupil_id], note_row)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    attach_pupils(conn, &mut notes)?;
    let own = pupil_name_forms(conn, pupil_id)?;
    for n in &mut notes {
        let mut others: Vec<String> = Vec::new();
        for p in n.pupils.iter().filter(|p| p.pupil_id != pupil_id) {
            others.extend(pupil_name_forms(conn, p.pupil_id)?);
        }
        // A name the pupil shares with another (a common forename) stays: it is theirs too.
        others.retain(|o| !own.iter().any(|w| w.to_lowercase() == o.to_lowercase()));
        let refs: Vec<&str> = others.iter().map(String::as_str).collect();
        n.notes = redact_names(&n.notes, &refs, OTHER_PUPIL);
        n.actions = redact_names(&n.actions, &refs, OTHER_PUPIL);
        n.pupils.retain(|p| p.pupil_id == pupil_id);
        // Its corrections and withdrawal: who, when and why, not the earlier words (the
        // lead's alone); other pupils' names out of the reasons.
        if let Some(w) = &mut n.changes.withdrawn {
            w.reason = redact_names(&w.reason, &refs, OTHER_PUPIL);
        }
        let mut stmt = conn.prepare_cached(
            "SELECT v.reason, u.name, v.changed_at
             FROM supervision_note_versions v LEFT JOIN users u ON u.id = v.changed_by
             WHERE v.note_id = ?1 ORDER BY v.changed_at DESC, v.id DESC",
        )?;
        let marks = stmt
            .query_map([n.id], |r| {
                Ok(ChangeMark {
                    reason: redact_names(&r.get::<_, String>(0)?, &refs, OTHER_PUPIL),
                    by: r.get(1)?,
                    at: r.get(2)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        n.changes.corrections = marks.len() as u32;
        n.changes.corrected = marks.first().cloned();
        n.changes.earlier = marks
            .into_iter()
            .map(|replaced| EarlierVersion {
                replaced,
                fields: Vec::new(),
            })
            .collect();
    }
    Ok(notes)
}
