//! The pupil's running record: sessions, chronology, instrument scores and termly indicators
//! (with their CSV import).
//!
//! # Instrument scores
//!
//! Only scores are kept, never questionnaire items (they are copyrighted):
//! - **SDQ** (Strengths and Difficulties Questionnaire): with no subscale, the total
//!   difficulties score, 0–40; subscales `emotional`, `conduct`, `hyperactivity`, `peer` and
//!   `prosocial` are 0–10 each, and the `impact` score 0–10.
//! - **Boxall Profile**: one strand per score, named by its letter. Developmental strands
//!   A–E (organisation of experience) and F–J (internalisation of controls); diagnostic strands
//!   Q–Z (self-limiting features, undeveloped behaviour, unsupported development). Items are
//!   scored 0–4 and strands have different numbers of items, which Attune does not reproduce;
//!   it checks the letter and that the score is a whole number from 0 to 40, a ceiling above
//!   every strand's maximum, not each strand's own maximum.
//! - **Thrive**: a developmental stage by name, no number: Being, Doing, Thinking, Power and
//!   identity, Skills and structure, Interdependence.

use std::collections::HashMap;

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Vault};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::model::LineError;
use crate::model::{
    ChronologyEvent, ChronologyInput, ChronologyKind, EntryChanges, EntryKind, ImportMode,
    IndicatorImportOutcome, IndicatorsInput, Instrument, InstrumentScore, ScoreInput, SessionEntry,
    SessionInput, SessionKind, TermlyIndicators,
};
use crate::record::versions::{self, withdrawn_mark, Show};
use crate::store::{self, d2s, get_date, get_enum, ts};

/// The longest session note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// The longest session, in minutes.
pub const MAX_SESSION_MINUTES: u32 = 480;
/// The longest chronology description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The longest safeguarding cross-reference, in characters.
pub const MAX_SAFEGUARDING_REF_CHARS: usize = 100;

/// SDQ subscales and their maxima.
pub const SDQ_SUBSCALES: [(&str, u32); 6] = [
    ("emotional", 10),
    ("conduct", 10),
    ("hyperactivity", 10),
    ("peer", 10),
    ("prosocial", 10),
    ("impact", 10),
];
/// Boxall Profile strands (letters).
pub const BOXALL_STRANDS: &str = "ABCDEFGHIJQRSTUVWXYZ";
/// The ceiling checked for a Boxall strand score.
pub const BOXALL_MAX: u32 = 40;
/// Thrive developmental stages, in order.
pub const THRIVE_STAGES: [&str; 6] = [
    "Being",
    "Doing",
    "Thinking",
    "Power and identity",
    "Skills and structure",
    "Interdependence",
];

fn not_future(field: &str, what: &str, d: NaiveDate, now: DateTime<Utc>) -> Result<()> {
    // A day's grace: the caller's local date may be ahead of UTC.
    if d > now.date_naive() + Duration::days(1) {
        return Err(Error::invalid(
            field,
            format!("{} cannot be in the future.", store::capitalise(what)),
        ));
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Sessions

pub(crate) fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionEntry> {
    Ok(SessionEntry {
        id: r.get(0)?,
        held_on: get_date(r, 1)?,
        minutes: r.get(2)?,
        kind: get_enum(r, 3, SessionKind::parse)?,
        regulation: r.get(4)?,
        note: r.get(5)?,
        safeguarding_ref: r.get(6)?,
        recorded_by: r.get(7)?,
        changes: EntryChanges {
            withdrawn: withdrawn_mark(r, 8)?,
            ..EntryChanges::default()
        },
    })
}

/// Every column of a session, with its withdrawal (see [`session_row`]).
pub(crate) const SESSION_SELECT: &str =
    "SELECT s.id, s.held_on, s.minutes, s.kind, s.regulation, s.note, s.safeguarding_ref, u.name,
            s.withdrawn_at, wu.name, s.withdrawn_reason
     FROM sessions s LEFT JOIN users u ON u.id = s.recorded_by
     LEFT JOIN users wu ON wu.id = s.withdrawn_by";

/// A pupil's sessions, newest first, at most `limit`, and how many there are (withdrawn ones
/// only with `show.withdrawn`).
pub(crate) fn load_sessions(
    conn: &Connection,
    pupil_id: i64,
    limit: u32,
    show: Show,
) -> Result<(Vec<SessionEntry>, u32)> {
    let mut stmt = conn.prepare(&format!(
        "{SESSION_SELECT} WHERE s.pupil_id = ?1 AND (?3 OR s.withdrawn_at IS NULL)
         ORDER BY s.held_on DESC, s.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![pupil_id, limit, show.withdrawn], session_row)?;
    let mut list: Vec<SessionEntry> = rows.collect::<std::result::Result<_, _>>()?;
    let count: u32 = conn.query_row(
        "SELECT count(*) FROM sessions WHERE pupil_id = ?1 AND (?2 OR withdrawn_at IS NULL)",
        params![pupil_id, show.withdrawn],
        |r| r.get(0),
    )?;
    versions::attach(
        conn,
        pupil_id,
        EntryKind::Session,
        list.iter_mut().map(|e| (e.id, &mut e.changes)),
        show,
    )?;
    Ok((list, count))
}

/// Checks a session as entered; returns its note and safeguarding reference, tidied.
pub(crate) fn check_session(
    input: &SessionInput,
    now: DateTime<Utc>,
) -> Result<(String, Option<String>)> {
    if !(1..=MAX_SESSION_MINUTES).contains(&input.minutes) {
        return Err(Error::invalid(
            "minutes",
            format!("A session lasts 1 to {MAX_SESSION_MINUTES} minutes."),
        ));
    }
    if input.regulation.is_some_and(|r| r > 10) {
        return Err(Error::invalid("regulation", "Regulation is rated 0 to 10."));
    }
    not_future("held_on", "the session's date", input.held_on, now)?;
    let note = store::text("note", "the note", &input.note, MAX_NOTE_CHARS, false, true)?;
    let reference = store::opt_text(
        "safeguarding_ref",
        "the safeguarding reference",
        input.safeguarding_ref.as_deref(),
        MAX_SAFEGUARDING_REF_CHARS,
    )?;
    Ok((note, reference))
}

/// Logs a session with a pupil: 1–480 minutes, regulation 0–10, a note of up to 2,000
/// characters, a date not in the future, and optionally the reference of a concern recorded in
/// the school's safeguarding system (never the concern itself). Audited as `session.create`.
pub fn log_session(
    vault: &mut Vault,
    pupil_id: i64,
    input: &SessionInput,
    now: DateTime<Utc>,
) -> Result<SessionEntry> {
    let user = access::require_pupil(vault, pupil_id, Action::SessionCreate, now)?;
    let (note, reference) = check_session(input, now)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::Sessions)?;
    tx.execute(
        "INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, regulation, note,
             safeguarding_ref, recorded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            pupil_id,
            d2s(input.held_on),
            input.minutes,
            input.kind.as_str(),
            input.regulation,
            note,
            reference,
            user.id,
            ts(now)
        ],
    )?;
    access::record(
        &tx,
        &user,
        Action::SessionCreate,
        Some(&access::target(pupil_id, Some(("session", id)))),
        now,
    )?;
    let entry = tx.query_row(
        &format!("{SESSION_SELECT} WHERE s.id = ?1"),
        [id],
        session_row,
    )?;
    tx.commit()?;
    Ok(entry)
}

/// A pupil's sessions, newest first, at most `limit`. Audited as `session.list`.
pub fn list_sessions(
    vault: &Vault,
    pupil_id: i64,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<SessionEntry>> {
    let user = access::require_pupil(vault, pupil_id, Action::SessionList, now)?;
    let (list, _) = load_sessions(vault.conn()?, pupil_id, limit, Show::for_user(&user))?;
    access::record(
        vault.conn()?,
        &user,
        Action::SessionList,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    Ok(list)
}

// ----------------------------------------------------------------------------------------------
// Chronology

pub(crate) fn chronology_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChronologyEvent> {
    Ok(ChronologyEvent {
        id: r.get(0)?,
        occurred_on: get_date(r, 1)?,
        kind: get_enum(r, 2, ChronologyKind::parse)?,
        description: r.get(3)?,
        safeguarding_ref: r.get(4)?,
        recorded_by: r.get(5)?,
        changes: EntryChanges {
            withdrawn: withdrawn_mark(r, 6)?,
            ..EntryChanges::default()
        },
    })
}

/// Every column of a chronology event, with its withdrawal (see [`chronology_row`]).
pub(crate) const CHRONOLOGY_SELECT: &str =
    "SELECT c.id, c.occurred_on, c.kind, c.description, c.safeguarding_ref, u.name,
            c.withdrawn_at, wu.name, c.withdrawn_reason
     FROM chronology c LEFT JOIN users u ON u.id = c.recorded_by
     LEFT JOIN users wu ON wu.id = c.withdrawn_by";

/// A pupil's chronology, oldest first (withdrawn events only with `show.withdrawn`).
pub(crate) fn load_chronology(
    conn: &Connection,
    pupil_id: i64,
    show: Show,
) -> Result<Vec<ChronologyEvent>> {
    let mut stmt = conn.prepare(&format!(
        "{CHRONOLOGY_SELECT} WHERE c.pupil_id = ?1 AND (?2 OR c.withdrawn_at IS NULL)
         ORDER BY c.occurred_on, c.id"
    ))?;
    let rows = stmt.query_map(params![pupil_id, show.withdrawn], chronology_row)?;
    let mut list: Vec<ChronologyEvent> = rows.collect::<std::result::Result<_, _>>()?;
    versions::attach(
        conn,
        pupil_id,
        EntryKind::Chronology,
        list.iter_mut().map(|e| (e.id, &mut e.changes)),
        show,
    )?;
    Ok(list)
}

/// Checks a chronology event as entered; returns its description and safeguarding reference,
/// tidied.
pub(crate) fn check_chronology(
    input: &ChronologyInput,
    now: DateTime<Utc>,
) -> Result<(String, Option<String>)> {
    let description = store::text(
        "description",
        "what happened",
        &input.description,
        MAX_DESCRIPTION_CHARS,
        true,
        true,
    )?;
    let reference = store::opt_text(
        "safeguarding_ref",
        "the safeguarding reference",
        input.safeguarding_ref.as_deref(),
        MAX_SAFEGUARDING_REF_CHARS,
    )?;
    not_future("occurred_on", "the event's date", input.occurred_on, now)?;
    Ok((description, reference))
}

/// Adds a significant event to a pupil's chronology. Audited as `chronology.create`.
///
/// **A safeguarding concern does not belong here**: it is recorded in the school's
/// safeguarding system, following the school's procedures, and this record keeps only a
/// cross-reference to it (`safeguarding_ref`). Attune does not judge whether a description
/// amounts to a disclosure; the form says where a concern belongs.
pub fn add_chronology_event(
    vault: &mut Vault,
    pupil_id: i64,
    input: &ChronologyInput,
    now: DateTime<Utc>,
) -> Result<ChronologyEvent> {
    let user = access::require_pupil(vault, pupil_id, Action::ChronologyCreate, now)?;
    let (description, reference) = check_chronology(input, now)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::Chronology)?;
    tx.execute(
        "INSERT INTO chronology (id, pupil_id, occurred_on, kind, description, safeguarding_ref, recorded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            pupil_id,
            d2s(input.occurred_on),
            input.kind.as_str(),
            description,
            reference,
            user.id,
            ts(now)
        ],
    )?;
    access::record(
        &tx,
        &user,
        Action::ChronologyCreate,
        Some(&access::target(pupil_id, Some(("chronology", id)))),
        now,
    )?;
    let e = tx.query_row(
        &format!("{CHRONOLOGY_SELECT} WHERE c.id = ?1"),
        [id],
        chronology_row,
    )?;
    tx.commit()?;
    Ok(e)
}

// ----------------------------------------------------------------------------------------------
// Instrument scores

/// Checks a score against its instrument's rules (see the module documentation). Returns the
/// normalised subscale, score and stage.
pub fn check_score(input: &ScoreInput) -> Result<(Option<String>, Option<u32>, Option<String>)> {
    let subscale = input
        .subscale
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase);
    match input.instrument {
        Instrument::Sdq => {
            let score = input
                .score
                .ok_or_else(|| Error::invalid("score", "Enter the SDQ score."))?;
            let max = match &subscale {
                None => 40,
                Some(s) => SDQ_SUBSCALES
                    .iter()
                    .find(|(n, _)| n == s)
                    .map(|(_, m)| *m)
                    .ok_or_else(|| {
                        Error::invalid(
                            "subscale",
                            "An SDQ subscale is emotional, conduct, hyperactivity, peer, prosocial or impact (leave it empty for the total difficulties score).",
                        )
                    })?,
            };
            if score > max {
                let what = if subscale.is_some() {
                    "An SDQ subscale score"
                } else {
                    "The SDQ total difficulties score"
                };
                return Err(Error::invalid("score", format!("{what} is 0 to {max}.")));
            }
            Ok((subscale, Some(score), None))
        }
        Instrument::Boxall => {
            let strand = subscale
                .map(|s| s.to_uppercase())
                .filter(|s| s.len() == 1 && BOXALL_STRANDS.contains(s.as_str()))
                .ok_or_else(|| {
                    Error::invalid(
                        "subscale",
                        "Name the Boxall strand by its letter: A to J or Q to Z.",
                    )
                })?;
            let score = input
                .score
                .ok_or_else(|| Error::invalid("score", "Enter the strand's score."))?;
            if score > BOXALL_MAX {
                return Err(Error::invalid(
                    "score",
                    format!("A Boxall strand score is 0 to {BOXALL_MAX}."),
                ));
            }
            Ok((Some(strand), Some(score), None))
        }
        Instrument::Thrive => {
            let stage = input.stage.as_deref().map(str::trim).unwrap_or("");
            let found = THRIVE_STAGES
                .iter()
                .find(|s| {
                    s.eq_ignore_ascii_case(stage)
                        || s.to_lowercase().replace(' ', "_") == stage.to_lowercase()
                })
                .ok_or_else(|| {
                    Error::invalid(
                        "stage",
                        format!("The Thrive stage is one of: {}.", THRIVE_STAGES.join(", ")),
                    )
                })?;
            if input.score.is_some() {
                return Err(Error::invalid(
                    "score",
                    "Thrive records a stage, not a number.",
                ));
            }
            Ok((None, None, Some(found.to_string())))
        }
    }
}

pub(crate) fn score_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InstrumentScore> {
    Ok(InstrumentScore {
        id: r.get(0)?,
        instrument: get_enum(r, 1, Instrument::parse)?,
        subscale: r.get(2)?,
        score: r.get(3)?,
        stage: r.get(4)?,
        completed_on: get_date(r, 5)?,
        completed_by: r.get(6)?,
        changes: EntryChanges {
            withdrawn: withdrawn_mark(r, 7)?,
            ..EntryChanges::default()
        },
    })
}

pub(crate) const SCORE_SELECT: &str =
    "SELECT id, instrument, subscale, score, stage, completed_on, completed_by,
            withdrawn_at, (SELECT name FROM users WHERE id = withdrawn_by), withdrawn_reason
     FROM instrument_scores";

/// A pupil's scores, newest first (withdrawn ones only with `show.withdrawn`).
pub(crate) fn load_scores(
    conn: &Connection,
    pupil_id: i64,
    show: Show,
) -> Result<Vec<InstrumentScore>> {
    let mut stmt = conn.prepare(&format!(
        "{SCORE_SELECT} WHERE pupil_id = ?1 AND (?2 OR withdrawn_at IS NULL)
         ORDER BY completed_on DESC, id DESC"
    ))?;
    let rows = stmt.query_map(params![pupil_id, show.withdrawn], score_row)?;
    let mut list: Vec<InstrumentScore> = rows.collect::<std::result::Result<_, _>>()?;
    versions::attach(
        conn,
        pupil_id,
        EntryKind::Score,
        list.iter_mut().map(|e| (e.id, &mut e.changes)),
        show,
    )?;
    Ok(list)
}

/// A score checked: subscale, score, stage, who completed it.
pub(crate) type CheckedScore = (Option<String>, Option<u32>, Option<String>, String);

/// Checks a score as entered: the instrument's rules, who completed it and the date. Returns
/// the subscale, score, stage and who completed it, tidied.
pub(crate) fn check_score_entry(input: &ScoreInput, now: DateTime<Utc>) -> Result<CheckedScore> {
    let (subscale, score, stage) = check_score(input)?;
    let completed_by = store::text(
        "completed_by",
        "who completed it",
        &input.completed_by,
        80,
        true,
        false,
    )?;
    not_future(
        "completed_on",
        "the date it was completed",
        input.completed_on,
        now,
    )?;
    Ok((subscale, score, stage, completed_by))
}

/// Records an instrument score. Audited as `score.create`.
pub fn add_score(
    vault: &mut Vault,
    pupil_id: i64,
    input: &ScoreInput,
    now: DateTime<Utc>,
) -> Result<InstrumentScore> {
    let user = access::require_pupil(vault, pupil_id, Action::ScoreCreate, now)?;
    let (subscale, score, stage, completed_by) = check_score_entry(input, now)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::InstrumentScores)?;
    tx.execute(
        "INSERT INTO instrument_scores (id, pupil_id, instrument, subscale, score, stage, completed_on,
             completed_by, recorded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            pupil_id,
            input.instrument.as_str(),
            subscale,
            score,
            stage,
            d2s(input.completed_on),
            completed_by,
            user.id,
            ts(now)
        ],
    )?;
    access::record(
        &tx,
        &user,
        Action::ScoreCreate,
        Some(&access::target(pupil_id, Some(("score", id)))),
        now,
    )?;
    let s = tx.query_row(&format!("{SCORE_SELECT} WHERE id = ?1"), [id], score_row)?;
    tx.commit()?;
    Ok(s)
}

// ----------------------------------------------------------------------------------------------
// Termly indicators

/// Checks a term label, "Autumn 2026": a term's name (letters and spaces, up to 20) and the
/// calendar year it starts in. Returns it tidied ("autumn  2026" → "Autumn 2026").
pub fn check_term_label(text: &str) -> Result<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bad = || {
        Error::invalid(
            "term",
            "Write the term as its name and the year it starts in, such as Autumn 2026.",
        )
    };
    let (year, name) = words.split_last().ok_or_else(bad)?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    if !(2000..=2100).contains(&year) || name.is_empty() {
        return Err(bad());
    }
    let name = name.join(" ");
    if name.chars().count() > 20
        || !name
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-')
    {
        return Err(bad());
    }
    Ok(format!("{} {year}", store::capitalise(&name)))
}

/// The indicators checked: term, attendance, exclusion days, physical interventions.
pub(crate) type CheckedIndicators = (String, Option<f64>, Option<f64>, Option<u32>);

pub(crate) fn check_indicators(input: &IndicatorsInput) -> Result<CheckedIndicators> {
    let term = check_term_label(&input.term)?;
    if let Some(a) = input.attendance_pct {
        if !a.is_finite() || !(0.0..=100.0).contains(&a) {
            return Err(Error::invalid(
                "attendance_pct",
                "Attendance is a percentage from 0 to 100.",
            ));
        }
    }
    if let Some(x) = input.exclusion_days {
        if !x.is_finite() || !(0.0..=100.0).contains(&x) || (x * 2.0).fract() != 0.0 {
            return Err(Error::invalid(
                "exclusion_days",
                "Exclusion days are 0 to 100, in whole or half days.",
            ));
        }
    }
    if input.physical_interventions.is_some_and(|n| n > 1000) {
        return Err(Error::invalid(
            "physical_interventions",
            "Physical interventions are 0 to 1,000.",
        ));
    }
    Ok((
        term,
        input.attendance_pct,
        input.exclusion_days,
        input.physical_interventions,
    ))
}

fn upsert_indicators(
    conn: &Connection,
    pupil_id: i64,
    c: &CheckedIndicators,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    // Figures already held for the term are replaced: the values they replace are kept as an
    // earlier version (issue 16), and a withdrawn term entered again is no longer withdrawn.
    versions::before_indicators_replaced(conn, pupil_id, c, user_id, now)?;
    // A new term's row takes the next id; an existing term keeps its own.
    let id = next_id(conn, ids::RecordTable::TermlyIndicators)?;
    conn.execute(
        "INSERT INTO termly_indicators (id, pupil_id, term_label, attendance_pct, exclusion_days,
             physical_interventions, updated_at, updated_by)
         VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (pupil_id, term_label) DO UPDATE SET
             attendance_pct = excluded.attendance_pct, exclusion_days = excluded.exclusion_days,
             physical_interventions = excluded.physical_interventions,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             withdrawn_at = NULL, withdrawn_by = NULL, withdrawn_reason = NULL",
        params![pupil_id, c.0, c.1, c.2, c.3, ts(now), user_id, id],
    )?;
    Ok(())
}

pub(crate) fn indicators_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TermlyIndicators> {
    Ok(TermlyIndicators {
        id: r.get(0)?,
        term: r.get(1)?,
        attendance_pct: r.get(2)?,
        exclusion_days: r.get(3)?,
        physical_interventions: r.get(4)?,
        changes: EntryChanges {
            withdrawn: withdrawn_mark(r, 5)?,
            ..EntryChanges::default()
        },
    })
}

/// Every column of a term's indicators, with its withdrawal (see [`indicators_row`]).
pub(crate) const INDICATORS_SELECT: &str =
    "SELECT id, term_label, attendance_pct, exclusion_days, physical_interventions,
            withdrawn_at, (SELECT name FROM users WHERE id = withdrawn_by), withdrawn_reason
     FROM termly_indicators";

/// A pupil's indicators in term order (withdrawn terms only with `show.withdrawn`).
pub(crate) fn load_indicators(
    conn: &Connection,
    pupil_id: i64,
    show: Show,
) -> Result<Vec<TermlyIndicators>> {
    let mut stmt = conn.prepare(&format!(
        "{INDICATORS_SELECT} WHERE pupil_id = ?1 AND (?2 OR withdrawn_at IS NULL)
         ORDER BY substr(term_label, -4), CASE WHEN term_label LIKE 'Spring%' THEN 0
             WHEN term_label LIKE 'Summer%' THEN 1 ELSE 2 END, term_label"
    ))?;
    let rows = stmt.query_map(params![pupil_id, show.withdrawn], indicators_row)?;
    let mut list: Vec<TermlyIndicators> = rows.collect::<std::result::Result<_, _>>()?;
    versions::attach(
        conn,
        pupil_id,
        EntryKind::Indicators,
        list.iter_mut().map(|e| (e.id, &mut e.changes)),
        show,
    )?;
    Ok(list)
}

/// Enters (or replaces) a pupil's indicators for one term. Audited as `indicators.update`.
pub fn set_indicators(
    vault: &mut Vault,
    pupil_id: i64,
    input: &IndicatorsInput,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_pupil(vault, pupil_id, Action::IndicatorsUpdate, now)?;
    let c = check_indicators(input)?;
    let tx = vault.conn_mut()?.transaction()?;
    upsert_indicators(&tx, pupil_id, &c, &user.id, now)?;
    access::record(
        &tx,
        &user,
        Action::IndicatorsUpdate,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Imports termly indicators from CSV (strategic lead only), one transaction. Columns, found
/// by their header names (any order, case and punctuation ignored): the pupil's identifier
/// (`identifier`, `UPN`, `SCN`, `local id`), `term` ("Autumn 2026"), `attendance` (a
/// percentage, "%" allowed), `exclusion days`, `physical interventions`; empty cells are left
/// empty. A pupil's figures for a term already in the vault are replaced. Every bad line is
/// reported with its number and reason; in [`ImportMode::AllOrNothing`] nothing is written
/// when any line is bad. Audited as one `indicators.import` entry.
pub fn import_indicators_csv(
    vault: &mut Vault,
    text: &str,
    mode: ImportMode,
    now: DateTime<Utc>,
) -> Result<IndicatorImportOutcome> {
    let user = access::require_lead(
        vault,
        Action::IndicatorsImport,
        None,
        "import termly indicators",
        now,
    )?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| Error::ImportCsv {
            line: 1,
            reason: "this file cannot be read as CSV".into(),
        })?
        .iter()
        .map(header_key)
        .collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let col_id = find(&[
        "identifier",
        "upn",
        "scn",
        "localid",
        "pupilid",
        "id",
        "adno",
    ]);
    let col_term = find(&["term"]);
    let col_att = find(&[
        "attendance",
        "attendancepct",
        "attendancepercent",
        "attendancepercentage",
    ]);
    let col_excl = find(&["exclusiondays", "exclusions", "exclusion", "suspensiondays"]);
    let col_phys = find(&[
        "physicalinterventions",
        "physicalintervention",
        "restraints",
        "interventions",
    ]);
    let (Some(col_id), Some(col_term)) = (col_id, col_term) else {
        return Err(Error::ImportMapping {
            reason: "the file needs an identifier column and a term column in its header row"
                .into(),
        });
    };

    let mut good: Vec<(i64, CheckedIndicators)> = Vec::new();
    let mut bad: Vec<LineError> = Vec::new();
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::ImportCsv {
            line: e.position().map_or(0, |p| p.line() as usize),
            reason: "this file cannot be read as CSV".into(),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        let mut reasons = Vec::new();
        let pupil = match cell(Some(col_id)) {
            None => {
                reasons.push("missing identifier".to_string());
                None
            }
            Some(id) => {
                let found: Option<i64> = vault
                    .conn()?
                    .query_row(
                        "SELECT pupil_id FROM pupil_identifiers WHERE value = ?1 OR value = upper(?1)",
                        [id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if found.is_none() {
                    reasons.push("no pupil with this identifier is in Attune".to_string());
                }
                found
            }
        };
        let number = |i: Option<usize>, what: &str, reasons: &mut Vec<String>| -> Option<f64> {
            let c = cell(i)?;
            match c.trim_end_matches('%').trim().parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    reasons.push(format!("{what} is not a number"));
                    None
                }
            }
        };
        let attendance = number(col_att, "attendance", &mut reasons);
        let exclusions = number(col_excl, "exclusion days", &mut reasons);
        let physical = number(col_phys, "physical interventions", &mut reasons);
        let physical = match physical {
            Some(v) if v.fract() != 0.0 || v < 0.0 => {
                reasons.push("physical interventions is a whole number".into());
                None
            }
            Some(v) => Some(v as u32),
            None => None,
        };
        let input = IndicatorsInput {
            term: cell(Some(col_term)).unwrap_or("").to_string(),
            attendance_pct: attendance,
            exclusion_days: exclusions,
            physical_interventions: physical,
        };
        let checked = if cell(Some(col_term)).is_none() {
            reasons.push("missing term".into());
            None
        } else {
            match check_indicators(&input) {
                Ok(c) => Some(c),
                Err(e) => {
                    reasons.push(lower_first(&e.to_string()));
                    None
                }
            }
        };
        if let (Some(p), Some(c)) = (pupil, &checked) {
            if let Some(first) = seen.get(&(p, c.0.clone())) {
                reasons.push(format!(
                    "duplicate: the same pupil and term as line {first}"
                ));
            } else {
                seen.insert((p, c.0.clone()), line);
            }
        }
        match (pupil, checked) {
            (Some(p), Some(c)) if reasons.is_empty() => good.push((p, c)),
            _ => bad.push(LineError {
                line,
                reason: reasons.join("; "),
            }),
        }
    }
    if mode == ImportMode::AllOrNothing && !bad.is_empty() {
        return Ok(IndicatorImportOutcome { imported: 0, bad });
    }
    let tx = vault.conn_mut()?.transaction()?;
    for (p, c) in &good {
        upsert_indicators(&tx, *p, c, &user.id, now)?;
    }
    access::record(
        &tx,
        &user,
        Action::IndicatorsImport,
        Some(&format!("rows:{}", good.len())),
        now,
    )?;
    tx.commit()?;
    Ok(IndicatorImportOutcome {
        imported: good.len(),
        bad,
    })
}

fn lower_first(s: &str) -> String {
    let s = s.trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
