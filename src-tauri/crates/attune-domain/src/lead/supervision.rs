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

use std::collections::BTreeSet;

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Role, UserInfo, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{named_params, params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::model::UserRef;
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
       n.recorded_by, rb.name, n.created_at
FROM supervision_notes n
JOIN users ka ON ka.id = n.key_adult_id
LEFT JOIN users rb ON rb.id = n.recorded_by";

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

fn load(conn: &Connection, note_id: i64) -> Result<Option<SupervisionNote>> {
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

fn check(
    conn: &Connection,
    me: &UserInfo,
    input: &SupervisionNoteInput,
    today: NaiveDate,
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
    if ids
        .iter()
        .any(|id| !supervisee.pupils.iter().any(|p| p.pupil_id == *id))
    {
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
    let checked = check(vault.conn()?, &user, input, today)?;
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
    let note = load(&tx, id)?.ok_or_else(|| Error::NotFound("There is no such note.".into()))?;
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
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(&format!(
        "{NOTE_SELECT} WHERE (:ka IS NULL OR n.key_adult_id = :ka)
         ORDER BY n.held_on DESC, n.id DESC"
    ))?;
    let mut notes = stmt
        .query_map(named_params! { ":ka": who }, note_row)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    attach_pupils(conn, &mut notes)?;
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
    let note = load(conn, note_id)?;
    let note = match (note, user.role) {
        (Some(n), Role::StrategicLead) => n,
        (Some(n), Role::KeyAdult) if n.key_adult.id == user.id => n,
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
    let notes: Vec<(i64, String, String, bool)> = {
        let mut stmt = conn.prepare(
            "SELECT n.id, n.notes, n.actions,
                    EXISTS (SELECT 1 FROM supervision_pupils sp
                            WHERE sp.note_id = n.id AND sp.pupil_id = ?1)
             FROM supervision_notes n",
        )?;
        let rows = stmt.query_map([pupil_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut changed = 0;
    for (id, notes, actions, linked) in notes {
        let forms = if linked { &all } else { &with_surname };
        let n = redact_names(&notes, forms, ERASED);
        let a = redact_names(&actions, forms, ERASED);
        if n != notes || a != actions {
            conn.execute(
                "UPDATE supervision_notes SET notes = ?2, actions = ?3 WHERE id = ?1",
                params![id, n, a],
            )?;
            changed += 1;
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
/// [`OTHER_PUPIL`] (and those pupils are not listed). No permission check, no audit: the
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
    }
    Ok(notes)
}
