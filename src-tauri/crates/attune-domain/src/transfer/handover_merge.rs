//! Adding a handover pack to a pupil this vault already holds (issue 15, item 2): a receiving
//! school normally has the child from its MIS before the pack arrives.
//!
//! [`preview_handover_into`] (strategic lead only; audited `handover.preview`, target the held
//! pupil) sets the pack's identity fields beside the held record's, each marked same /
//! different / only in the pack / only held, and counts what a merge would add.
//! [`merge_handover`] (strategic lead only; audited `handover.merge`, target the held pupil)
//! adds it, in one transaction.
//!
//! # The rules
//!
//! - **Which pupil.** The one the lead names, else the one holding the pack's UPN or Scottish
//!   Candidate Number ([`held_match`]; a pack whose two identifiers name two different pupils
//!   is refused). A pupil who is not held, was erased, has left or is archived is refused.
//! - **Nothing held is overwritten.** Every row of the held record stays as it was. The pack's
//!   plans (with goals, review dates, reviews), sessions, chronology, scores, agency advice,
//!   team members and termly figures are **added** as history from the sending school: written
//!   as [`super::handover::import_opened`] writes them, with no staff user ids (`recorded_by`,
//!   `created_by`, `updated_by` empty: the sending school's staff are not this vault's users)
//!   and the pack's own dates and timestamps. One chronology event (a transition, dated the day
//!   of the merge, recorded by the lead) says that the record from the previous school was
//!   added, and what.
//! - **The current plan.** A pupil has at most one active plan. When the held pupil has one,
//!   it stays their current plan and the pack's active plan is added closed, closed at the
//!   moment of the merge (history). When the held pupil has none, the pack's active plan
//!   becomes their current plan, as an import would make it.
//! - **Where the held record has its own.** A term's figures the held record already has are
//!   kept (the pack's for that term are not added); "about me" fields the held record has
//!   filled are kept and only its empty ones are filled from the pack. These are counted as
//!   "kept as held".
//! - **Identity fields** ([`IdentityField`]): none is changed unless the lead takes the pack's
//!   value for that field ([`MergeChoices::take`]); by default the held value is kept. A taken
//!   value is checked as an edit is (names, year group, identifiers, a care status or support
//!   level the school's lists know; an identifier another pupil holds is refused). The pack's
//!   local id is the sending school's own and is not offered; nor are the relationship dates
//!   (the sending key adult's).
//! - **Date of birth.** A pack whose date of birth differs from the held record's is refused
//!   unless the lead confirms it is the same child ([`MergeChoices::confirm_date_of_birth`]).
//! - **Merged twice.** A record of the pack is "already held" when the held pupil has one of
//!   the same kind with the same dates and the same creation timestamp (timestamps travel in
//!   the pack and are kept, so they name the sending school's rows). A pack all of whose
//!   records are already held has been merged before and is refused, saying so; a later pack
//!   from the same school adds only what is new.
//! - **Sync.** Every row is written like any other record row (ids from this device's range),
//!   so the sync capture carries the merge to laptops.

use std::collections::HashSet;

use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::model::{IdentifierInput, ListKind, Pupil, PupilInput, PupilStatus};
use crate::record::{pupils, status_history};
use crate::rules::dates::format_uk;
use crate::rules::identifiers::IdentifierKind;
use crate::rules::year_group::YearGroup;
use crate::store::{d2s, ts};
use crate::transfer::handover::{self, OpenedPack, ProfilePart};

/// An identity field the lead may take from the pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IdentityField {
    LegalForename,
    LegalSurname,
    PreferredName,
    DateOfBirth,
    YearGroup,
    Upn,
    ScottishCandidateNumber,
    CareStatus,
    SupportLevel,
}

impl IdentityField {
    /// Every field, in the order they are shown.
    pub const ALL: &'static [IdentityField] = &[
        IdentityField::LegalForename,
        IdentityField::LegalSurname,
        IdentityField::PreferredName,
        IdentityField::DateOfBirth,
        IdentityField::YearGroup,
        IdentityField::Upn,
        IdentityField::ScottishCandidateNumber,
        IdentityField::CareStatus,
        IdentityField::SupportLevel,
    ];

    /// Its name on the command line and in JSON (`legal_forename`, `upn`, …).
    pub fn name(self) -> &'static str {
        match self {
            IdentityField::LegalForename => "legal_forename",
            IdentityField::LegalSurname => "legal_surname",
            IdentityField::PreferredName => "preferred_name",
            IdentityField::DateOfBirth => "date_of_birth",
            IdentityField::YearGroup => "year_group",
            IdentityField::Upn => "upn",
            IdentityField::ScottishCandidateNumber => "scn",
            IdentityField::CareStatus => "care_status",
            IdentityField::SupportLevel => "support_level",
        }
    }

    /// How it is said to a person.
    pub fn label(self) -> &'static str {
        match self {
            IdentityField::LegalForename => "Legal forename",
            IdentityField::LegalSurname => "Legal surname",
            IdentityField::PreferredName => "Preferred name",
            IdentityField::DateOfBirth => "Date of birth",
            IdentityField::YearGroup => "Year group",
            IdentityField::Upn => "UPN",
            IdentityField::ScottishCandidateNumber => "Scottish Candidate Number",
            IdentityField::CareStatus => "Care status",
            IdentityField::SupportLevel => "Support level",
        }
    }

    /// Reads [`IdentityField::name`] (also `scottish_candidate_number`; case and `-` for `_`
    /// do not matter).
    pub fn parse(text: &str) -> Option<IdentityField> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        if t == "scottish_candidate_number" {
            return Some(IdentityField::ScottishCandidateNumber);
        }
        IdentityField::ALL.iter().copied().find(|f| f.name() == t)
    }
}

/// How the pack's value of a field stands beside the held one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Same,
    Different,
    OnlyInPack,
    OnlyHeld,
    Neither,
}

/// One identity field, pack beside held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldComparison {
    pub field: IdentityField,
    /// "Legal forename", …
    pub label: String,
    /// As shown (a date the UK way, a year group by its label).
    pub pack: Option<String>,
    pub held: Option<String>,
    pub comparison: Comparison,
    /// Whether the lead may take the pack's value (it differs or only the pack has one, and it
    /// is a value this vault accepts).
    pub choosable: bool,
    /// Why a differing value cannot be taken, in plain words.
    pub note: Option<String>,
}

/// What a merge adds, and what it leaves as held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct MergeCounts {
    pub plans: u32,
    pub goals: u32,
    pub reviews: u32,
    pub sessions: u32,
    pub chronology: u32,
    pub scores: u32,
    pub indicators: u32,
    pub agency_advice: u32,
    pub team_members: u32,
    /// "About me" fields filled from the pack (empty in the held record).
    pub profile_fields: u32,
    /// Records of the pack the held record already has (an earlier merge of it).
    pub already_held: u32,
    /// The pack's term figures and "about me" fields not added because the held record has
    /// its own.
    pub kept_as_held: u32,
}

impl MergeCounts {
    /// How many records a merge adds.
    pub fn added(&self) -> u32 {
        self.plans
            + self.sessions
            + self.chronology
            + self.scores
            + self.indicators
            + self.agency_advice
            + self.team_members
            + self.profile_fields
    }
}

/// What merging a pack into a held pupil would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MergePreview {
    #[ts(type = "number")]
    pub pupil_id: i64,
    /// The held pupil's display name.
    pub held_name: String,
    pub fields: Vec<FieldComparison>,
    /// The pack's date of birth is not the held one: a merge needs the lead's confirmation.
    pub date_of_birth_differs: bool,
    pub counts: MergeCounts,
    /// The held pupil has a current plan, so the pack's active plan is added as closed.
    pub pack_plan_becomes_history: bool,
    /// Every record of the pack is already held: it has been merged before.
    pub already_merged: bool,
}

/// The lead's choices for a merge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergeChoices {
    /// The fields whose pack value replaces the held one; every other is kept as held.
    pub take: Vec<IdentityField>,
    /// The lead confirms the pack is this child although the dates of birth differ.
    #[serde(default)]
    pub confirm_date_of_birth: bool,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MergeOutcome {
    pub pupil: Pupil,
    pub counts: MergeCounts,
    /// The identity fields taken from the pack.
    pub taken: Vec<IdentityField>,
}

fn kind_str(k: IdentifierKind) -> &'static str {
    match k {
        IdentifierKind::Upn => "upn",
        IdentifierKind::ScottishCandidateNumber => "scottish_candidate_number",
        IdentifierKind::Local => "local",
    }
}

/// The pack's identifier of a kind, normalised (trimmed, a UPN upper case), if it has one.
fn pack_identifier(pack: &OpenedPack, kind: IdentifierKind) -> Option<String> {
    pack.content
        .pupil
        .identifiers
        .iter()
        .find(|i| i.kind == kind && !i.value.trim().is_empty())
        .map(|i| {
            crate::rules::identifiers::parse(kind, &i.value)
                .map(|p| p.value().to_string())
                .unwrap_or_else(|_| i.value.trim().to_string())
        })
}

/// The held pupil holding the pack's UPN or Scottish Candidate Number, if any. Refused when
/// the two name two different pupils.
pub fn held_match(conn: &Connection, pack: &OpenedPack) -> Result<Option<i64>> {
    let mut found: Option<i64> = None;
    for kind in [IdentifierKind::Upn, IdentifierKind::ScottishCandidateNumber] {
        let Some(value) = pack_identifier(pack, kind) else {
            continue;
        };
        let held: Option<i64> = conn
            .query_row(
                "SELECT pupil_id FROM pupil_identifiers WHERE kind = ?1 AND value = ?2",
                params![kind_str(kind), value],
                |r| r.get(0),
            )
            .optional()?;
        match (found, held) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::invalid(
                    "pupil_id",
                    format!(
                        "The pack's UPN is held for pupil {a} and its Scottish Candidate Number for pupil {b}. Choose which pupil to add it to."
                    ),
                ))
            }
            (None, Some(b)) => found = Some(b),
            _ => {}
        }
    }
    Ok(found)
}

/// Which of the pack's identifiers pupil `held` holds (for saying so).
pub(crate) fn matched_kind(
    conn: &Connection,
    pack: &OpenedPack,
    held: i64,
) -> Result<IdentifierKind> {
    for kind in [IdentifierKind::Upn, IdentifierKind::ScottishCandidateNumber] {
        if let Some(value) = pack_identifier(pack, kind) {
            let holds: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM pupil_identifiers
                                WHERE pupil_id = ?1 AND kind = ?2 AND value = ?3)",
                params![held, kind_str(kind), value],
                |r| r.get(0),
            )?;
            if holds {
                return Ok(kind);
            }
        }
    }
    Ok(IdentifierKind::Upn)
}

/// The held pupil a merge goes into: named, else matched; refused in plain words when there
/// is none, or they were erased, have left or are archived.
fn target_pupil(conn: &Connection, pack: &OpenedPack, target: Option<i64>) -> Result<Pupil> {
    let id = match target {
        Some(id) => id,
        None => held_match(conn, pack)?.ok_or_else(|| {
            Error::NotFound(
                "No pupil in this vault has the pack's UPN or Scottish Candidate Number. Choose the pupil to add it to, or import it as a new pupil.".into(),
            )
        })?,
    };
    let erased: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pupil_erasures WHERE pupil_id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if erased {
        return Err(Error::NotFound(format!(
            "Pupil {id} was erased from this vault: a handover pack cannot be added to an erased record. Nothing was changed."
        )));
    }
    let p = match pupils::load(conn, id) {
        Ok(p) => p,
        Err(Error::NotFound(_)) => {
            return Err(Error::NotFound(format!(
                "There is no pupil {id} in this vault. Nothing was changed."
            )))
        }
        Err(e) => return Err(e),
    };
    match p.status {
        PupilStatus::Active => Ok(p),
        PupilStatus::Left => Err(Error::invalid(
            "pupil_id",
            format!(
                "Pupil {id} has left this school: a handover pack is added only to a pupil who is here. Nothing was changed."
            ),
        )),
        PupilStatus::Archived => Err(Error::invalid(
            "pupil_id",
            format!(
                "Pupil {id} is archived: a handover pack is added only to a pupil who is here. Nothing was changed."
            ),
        )),
    }
}

/// The pack's value of a field (canonical), as stored and as shown; and why it cannot be
/// taken, if it cannot.
struct PackValue {
    stored: Option<String>,
    shown: Option<String>,
    refused: Option<String>,
}

fn pack_value(conn: &Connection, pack: &OpenedPack, field: IdentityField) -> PackValue {
    let p = &pack.content.pupil;
    let plain = |v: Option<&str>| {
        let v = v.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        PackValue {
            stored: v.clone(),
            shown: v,
            refused: None,
        }
    };
    match field {
        IdentityField::LegalForename => plain(Some(&p.legal_forename)),
        IdentityField::LegalSurname => plain(Some(&p.legal_surname)),
        IdentityField::PreferredName => plain(p.preferred_name.as_deref()),
        IdentityField::DateOfBirth => match handover::date("date_of_birth", &p.date_of_birth) {
            Ok(d) => PackValue {
                stored: Some(d2s(d)),
                shown: Some(format_uk(d)),
                refused: None,
            },
            Err(_) => PackValue {
                stored: None,
                shown: Some(p.date_of_birth.clone()),
                refused: Some("The pack's date of birth is unreadable.".into()),
            },
        },
        IdentityField::YearGroup => match YearGroup::parse(&p.year_group) {
            Ok(y) => PackValue {
                stored: Some(y.code()),
                shown: Some(y.label()),
                refused: None,
            },
            Err(_) => PackValue {
                stored: None,
                shown: Some(p.year_group.clone()),
                refused: Some("This vault does not know the pack's year group.".into()),
            },
        },
        IdentityField::Upn | IdentityField::ScottishCandidateNumber => {
            let kind = if field == IdentityField::Upn {
                IdentifierKind::Upn
            } else {
                IdentifierKind::ScottishCandidateNumber
            };
            let raw = p
                .identifiers
                .iter()
                .find(|i| i.kind == kind && !i.value.trim().is_empty());
            match raw {
                None => plain(None),
                Some(i) => match crate::rules::identifiers::parse(kind, &i.value) {
                    Ok(v) => plain(Some(v.value())),
                    Err(e) => PackValue {
                        stored: None,
                        shown: Some(i.value.clone()),
                        refused: Some(format!("The pack's {} is not valid: {e}.", kind.label())),
                    },
                },
            }
        }
        IdentityField::CareStatus | IdentityField::SupportLevel => {
            let (list, name, v) = if field == IdentityField::CareStatus {
                (
                    ListKind::CareStatus,
                    "care_status",
                    p.care_status.as_deref(),
                )
            } else {
                (
                    ListKind::SupportLevel,
                    "support_level",
                    p.support_level.as_deref(),
                )
            };
            let v = v.map(str::trim).filter(|s| !s.is_empty());
            match v {
                None => plain(None),
                Some(v) => match handover::on_list(conn, list, name, Some(v)) {
                    Some(c) => plain(Some(&c)),
                    None => PackValue {
                        stored: None,
                        shown: Some(v.to_string()),
                        refused: Some(format!(
                            "\"{v}\" is not on this school's list of {}.",
                            if field == IdentityField::CareStatus {
                                "care statuses"
                            } else {
                                "support levels"
                            }
                        )),
                    },
                },
            }
        }
    }
}

/// The held value of a field, as stored and as shown.
fn held_value(p: &Pupil, field: IdentityField) -> (Option<String>, Option<String>) {
    let id = |k: IdentifierKind| {
        p.identifiers
            .iter()
            .find(|i| i.kind == k)
            .map(|i| i.value.clone())
    };
    let same = |v: Option<String>| (v.clone(), v);
    match field {
        IdentityField::LegalForename => same(Some(p.legal_forename.clone())),
        IdentityField::LegalSurname => same(Some(p.legal_surname.clone())),
        IdentityField::PreferredName => same(p.preferred_name.clone()),
        IdentityField::DateOfBirth => {
            (Some(d2s(p.date_of_birth)), Some(format_uk(p.date_of_birth)))
        }
        IdentityField::YearGroup => (Some(p.year_group.clone()), Some(p.year_group_label.clone())),
        IdentityField::Upn => same(id(IdentifierKind::Upn)),
        IdentityField::ScottishCandidateNumber => same(id(IdentifierKind::ScottishCandidateNumber)),
        IdentityField::CareStatus => same(p.care_status.clone()),
        IdentityField::SupportLevel => same(p.support_level.clone()),
    }
}

fn compare(conn: &Connection, pack: &OpenedPack, held: &Pupil) -> Vec<FieldComparison> {
    IdentityField::ALL
        .iter()
        .map(|&field| {
            let pv = pack_value(conn, pack, field);
            let (held_stored, held_shown) = held_value(held, field);
            let pack_present = pv.shown.is_some();
            let comparison = match (pack_present, held_stored.is_some()) {
                (false, false) => Comparison::Neither,
                (false, true) => Comparison::OnlyHeld,
                (true, false) => Comparison::OnlyInPack,
                (true, true) => {
                    if pv.stored.is_some() && pv.stored == held_stored {
                        Comparison::Same
                    } else {
                        Comparison::Different
                    }
                }
            };
            let differs = matches!(comparison, Comparison::Different | Comparison::OnlyInPack);
            FieldComparison {
                field,
                label: field.label().into(),
                pack: pv.shown,
                held: held_shown,
                comparison,
                choosable: differs && pv.refused.is_none(),
                note: if differs { pv.refused } else { None },
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// What is new

/// Which of the pack's records a merge adds.
#[derive(Default)]
struct Work {
    plans: Vec<usize>,
    sessions: Vec<usize>,
    chronology: Vec<usize>,
    scores: Vec<usize>,
    indicators: Vec<usize>,
    advice: Vec<usize>,
    team: Vec<usize>,
    /// The whole profile (the held pupil has none), or the fields to fill.
    profile_whole: bool,
    profile_fill: Vec<(&'static str, usize)>,
    held_has_active_plan: bool,
    counts: MergeCounts,
}

fn exists(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<bool> {
    Ok(conn.query_row(sql, p, |r| r.get(0))?)
}

const PROFILE_COLUMNS: [&str; 8] = [
    "strengths_interests",
    "what_helps",
    "what_does_not_help",
    "stressors",
    "calmers",
    "story",
    "starting_point",
    "developmental_age_notes",
];

fn profile_values(p: &ProfilePart) -> [&str; 8] {
    [
        &p.strengths_interests,
        &p.what_helps,
        &p.what_does_not_help,
        &p.stressors,
        &p.calmers,
        &p.story,
        &p.starting_point,
        &p.developmental_age_notes,
    ]
}

fn plan_work(conn: &Connection, pack: &OpenedPack, id: i64) -> Result<Work> {
    let c = &pack.content;
    let mut w = Work {
        held_has_active_plan: exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM plans WHERE pupil_id = ?1 AND status = 'active')",
            [id],
        )?,
        ..Work::default()
    };
    let n = &mut w.counts;
    for (i, p) in c.plans.iter().enumerate() {
        if exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM plans WHERE pupil_id = ?1 AND framework_id = ?2
                            AND start_date = ?3 AND created_at = ?4)",
            params![id, p.framework_id, p.start_date, p.created_at],
        )? {
            n.already_held += 1;
        } else {
            w.plans.push(i);
            n.plans += 1;
            n.goals += p.goals.len() as u32;
            n.reviews += p.reviews.len() as u32;
        }
    }
    for (i, s) in c.sessions.iter().enumerate() {
        if exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE pupil_id = ?1 AND held_on = ?2
                            AND kind = ?3 AND minutes = ?4 AND created_at = ?5)",
            params![id, s.held_on, s.kind, s.minutes, s.created_at],
        )? {
            n.already_held += 1;
        } else {
            w.sessions.push(i);
            n.sessions += 1;
        }
    }
    for (i, e) in c.chronology.iter().enumerate() {
        if exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM chronology WHERE pupil_id = ?1 AND occurred_on = ?2
                            AND kind = ?3 AND created_at = ?4)",
            params![id, e.occurred_on, e.kind, e.created_at],
        )? {
            n.already_held += 1;
        } else {
            w.chronology.push(i);
            n.chronology += 1;
        }
    }
    for (i, s) in c.scores.iter().enumerate() {
        if exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM instrument_scores WHERE pupil_id = ?1
                            AND instrument = ?2 AND subscale IS ?3 AND completed_on = ?4
                            AND created_at = ?5)",
            params![id, s.instrument, s.subscale, s.completed_on, s.created_at],
        )? {
            n.already_held += 1;
        } else {
            w.scores.push(i);
            n.scores += 1;
        }
    }
    for (i, a) in c.agency_advice.iter().enumerate() {
        if exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM agency_advice WHERE pupil_id = ?1 AND agency = ?2
                            AND advised_on = ?3 AND created_at = ?4)",
            params![id, a.agency, a.advised_on, a.created_at],
        )? {
            n.already_held += 1;
        } else {
            w.advice.push(i);
            n.agency_advice += 1;
        }
    }
    for (i, t) in c.team.iter().enumerate() {
        if exists(
            conn,
            "SELECT EXISTS (SELECT 1 FROM team_members WHERE pupil_id = ?1 AND name = ?2
                            AND role = ?3)",
            params![id, t.name, t.role],
        )? {
            n.already_held += 1;
        } else {
            w.team.push(i);
            n.team_members += 1;
        }
    }
    for (i, t) in c.indicators.iter().enumerate() {
        let held: Option<(Option<f64>, Option<f64>, Option<i64>)> = conn
            .query_row(
                "SELECT attendance_pct, exclusion_days, physical_interventions
                 FROM termly_indicators WHERE pupil_id = ?1 AND term_label = ?2",
                params![id, t.term_label],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match held {
            None => {
                w.indicators.push(i);
                n.indicators += 1;
            }
            Some(h) if h == (t.attendance_pct, t.exclusion_days, t.physical_interventions) => {
                n.already_held += 1;
            }
            Some(_) => n.kept_as_held += 1,
        }
    }
    if let Some(pp) = &c.profile {
        let held: Option<Vec<String>> = conn
            .query_row(
                "SELECT strengths_interests, what_helps, what_does_not_help, stressors, calmers,
                        story, starting_point, developmental_age_notes
                 FROM profiles WHERE pupil_id = ?1",
                [id],
                |r| (0..8).map(|k| r.get::<_, String>(k)).collect(),
            )
            .optional()?;
        let values = profile_values(pp);
        match held {
            None => {
                let filled = values.iter().filter(|v| !v.trim().is_empty()).count() as u32;
                if filled > 0 {
                    w.profile_whole = true;
                    n.profile_fields += filled;
                }
            }
            Some(h) => {
                for (k, v) in values.iter().enumerate() {
                    if v.trim().is_empty() {
                        continue;
                    }
                    if h[k].trim().is_empty() {
                        w.profile_fill.push((PROFILE_COLUMNS[k], k));
                        n.profile_fields += 1;
                    } else if h[k] == *v {
                        n.already_held += 1;
                    } else {
                        n.kept_as_held += 1;
                    }
                }
            }
        }
    }
    Ok(w)
}

fn dob_differs(fields: &[FieldComparison]) -> bool {
    fields
        .iter()
        .any(|f| f.field == IdentityField::DateOfBirth && f.comparison == Comparison::Different)
}

fn pack_has_active_plan(pack: &OpenedPack, w: &Work) -> bool {
    w.plans
        .iter()
        .any(|&i| pack.content.plans[i].status == "active")
}

/// What merging `pack` into pupil `target` (else the pupil holding the pack's UPN / SCN)
/// would do (strategic lead only; audited `handover.preview`, target the held pupil). Writes
/// nothing else.
pub fn preview_handover_into(
    vault: &Vault,
    pack: &OpenedPack,
    target: Option<i64>,
    now: DateTime<Utc>,
) -> Result<MergePreview> {
    let audit_target = target.map(|id| access::target(id, None));
    let user = access::require_lead(
        vault,
        Action::HandoverPreview,
        audit_target.as_deref(),
        "add a handover pack to a pupil's record",
        now,
    )?;
    let conn = vault.conn()?;
    let held = target_pupil(conn, pack, target)?;
    let fields = compare(conn, pack, &held);
    let w = plan_work(conn, pack, held.id)?;
    access::record(
        conn,
        &user,
        Action::HandoverPreview,
        Some(&access::target(held.id, None)),
        now,
    )?;
    Ok(MergePreview {
        pupil_id: held.id,
        held_name: held.display_name.clone(),
        date_of_birth_differs: dob_differs(&fields),
        fields,
        already_merged: w.counts.added() == 0 && w.counts.already_held > 0,
        pack_plan_becomes_history: w.held_has_active_plan && pack_has_active_plan(pack, &w),
        counts: w.counts,
    })
}

/// Adds `pack` to pupil `target` (else the pupil holding the pack's UPN / SCN), taking the
/// identity fields in `choices.take` (strategic lead only; audited `handover.merge`, target
/// the held pupil). One transaction: nothing is written when any check fails. See the module's
/// rules.
pub fn merge_handover(
    vault: &mut Vault,
    pack: &OpenedPack,
    target: Option<i64>,
    choices: &MergeChoices,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<MergeOutcome> {
    let audit_target = target.map(|id| access::target(id, None));
    let user = access::require_lead(
        vault,
        Action::HandoverMerge,
        audit_target.as_deref(),
        "add a handover pack to a pupil's record",
        now,
    )?;
    let conn = vault.conn()?;
    let held = target_pupil(conn, pack, target)?;
    let id = held.id;
    let fields = compare(conn, pack, &held);
    let w = plan_work(conn, pack, id)?;
    if w.counts.added() == 0 && w.counts.already_held > 0 {
        return Err(Error::Duplicate(format!(
            "This handover pack has already been added to pupil {id}: every record in it is already in their record. Nothing was changed."
        )));
    }
    if dob_differs(&fields) && !choices.confirm_date_of_birth {
        let f = fields
            .iter()
            .find(|f| f.field == IdentityField::DateOfBirth)
            .expect("every field is compared");
        return Err(Error::invalid(
            "date_of_birth",
            format!(
                "The pack's date of birth ({}) is not the one held for pupil {id} ({}). Check that it is the same child; to add the pack anyway, confirm that it is. Nothing was changed.",
                f.pack.as_deref().unwrap_or(""),
                f.held.as_deref().unwrap_or("")
            ),
        ));
    }
    let take: Vec<IdentityField> = {
        let set: HashSet<IdentityField> = choices.take.iter().copied().collect();
        IdentityField::ALL
            .iter()
            .copied()
            .filter(|f| set.contains(f))
            .collect()
    };
    for f in &take {
        let c = fields.iter().find(|c| c.field == *f).expect("compared");
        if !c.choosable {
            return Err(Error::invalid(
                f.name(),
                match (&c.note, c.comparison) {
                    (Some(n), _) => format!("{} cannot be taken from the pack: {n} Nothing was changed.", f.label()),
                    (None, Comparison::Same) => format!("The pack's {} is the one already held: there is nothing to take. Nothing was changed.", f.label().to_lowercase()),
                    _ => format!("The pack has no {} to take. Nothing was changed.", f.label().to_lowercase()),
                },
            ));
        }
    }
    if w.counts.added() == 0 && take.is_empty() {
        return Err(Error::invalid(
            "file",
            format!("There is nothing in this handover pack to add to pupil {id}'s record. Nothing was changed."),
        ));
    }

    // The identity as it will be: held values, with the taken ones from the pack; checked as
    // an edit is.
    let mut input = PupilInput {
        legal_forename: held.legal_forename.clone(),
        legal_surname: held.legal_surname.clone(),
        preferred_name: held.preferred_name.clone(),
        date_of_birth: held.date_of_birth,
        year_group: held.year_group.clone(),
        identifiers: held
            .identifiers
            .iter()
            .map(|i| IdentifierInput {
                kind: i.kind,
                value: i.value.clone(),
            })
            .collect(),
        care_status: held.care_status.clone(),
        support_level: held.support_level.clone(),
        relationship_start: held.relationship_start,
        relationship_planned_end: held.relationship_planned_end,
    };
    for f in &take {
        let v = pack_value(conn, pack, *f).stored;
        match f {
            IdentityField::LegalForename => input.legal_forename = v.unwrap_or_default(),
            IdentityField::LegalSurname => input.legal_surname = v.unwrap_or_default(),
            IdentityField::PreferredName => input.preferred_name = v,
            IdentityField::DateOfBirth => {
                input.date_of_birth = handover::date("date_of_birth", &v.unwrap_or_default())?
            }
            IdentityField::YearGroup => input.year_group = v.unwrap_or_default(),
            IdentityField::Upn | IdentityField::ScottishCandidateNumber => {
                let kind = if *f == IdentityField::Upn {
                    IdentifierKind::Upn
                } else {
                    IdentifierKind::ScottishCandidateNumber
                };
                input.identifiers.retain(|i| i.kind != kind);
                input.identifiers.push(IdentifierInput {
                    kind,
                    value: v.unwrap_or_default(),
                });
            }
            IdentityField::CareStatus => input.care_status = v,
            IdentityField::SupportLevel => input.support_level = v,
        }
    }
    let checked = if take.is_empty() {
        None
    } else {
        let c = pupils::check_held(conn, &input, today, pupils::Held::of(&held))?;
        pupils::check_identifiers_free(conn, &c.identifiers, Some(id))?;
        Some(c)
    };

    let c = &pack.content;
    let stamp = ts(now);
    let tx = vault.conn_mut()?.transaction()?;
    if let Some(ch) = &checked {
        for f in &take {
            let (column, value): (&str, Option<String>) = match f {
                IdentityField::LegalForename => ("legal_forename", Some(ch.legal_forename.clone())),
                IdentityField::LegalSurname => ("legal_surname", Some(ch.legal_surname.clone())),
                IdentityField::PreferredName => ("preferred_name", ch.preferred_name.clone()),
                IdentityField::DateOfBirth => ("date_of_birth", Some(d2s(ch.date_of_birth))),
                IdentityField::YearGroup => ("year_group", Some(ch.year_group.code())),
                IdentityField::CareStatus => ("care_status", ch.care_status.clone()),
                IdentityField::SupportLevel => ("support_level", ch.support_level.clone()),
                IdentityField::Upn | IdentityField::ScottishCandidateNumber => continue,
            };
            // `column` is one of the static names above, never input.
            tx.execute(
                &format!("UPDATE pupils SET {column} = ?2, updated_at = ?3 WHERE id = ?1"),
                params![id, value, stamp],
            )?;
            // A care status or support level taken from the pack takes effect today, in the
            // status history as any other change (summaries of earlier periods keep the old).
            let kind = match f {
                IdentityField::CareStatus => Some(ListKind::CareStatus),
                IdentityField::SupportLevel => Some(ListKind::SupportLevel),
                _ => None,
            };
            if let Some(kind) = kind {
                status_history::record(
                    &tx,
                    id,
                    kind,
                    value.as_deref(),
                    today,
                    Some(&user.id),
                    today,
                    now,
                )?;
            }
        }
        if take.iter().any(|f| {
            matches!(
                f,
                IdentityField::Upn | IdentityField::ScottishCandidateNumber
            )
        }) {
            pupils::write_identifiers(&tx, id, &ch.identifiers)?;
            tx.execute(
                "UPDATE pupils SET updated_at = ?2 WHERE id = ?1",
                params![id, stamp],
            )?;
        }
    }
    if let Some(pp) = &c.profile {
        if w.profile_whole {
            handover::insert_profile(&tx, id, pp)?;
        } else {
            let values = profile_values(pp);
            for (column, k) in &w.profile_fill {
                // `column` is one of PROFILE_COLUMNS, never input.
                tx.execute(
                    &format!("UPDATE profiles SET {column} = ?2 WHERE pupil_id = ?1"),
                    params![id, values[*k]],
                )?;
            }
        }
    }
    for &i in &w.advice {
        handover::insert_advice(&tx, id, &c.agency_advice[i])?;
    }
    let mut position: i64 = tx.query_row(
        "SELECT coalesce(max(position), 0) FROM team_members WHERE pupil_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    for &i in &w.team {
        position += 1;
        handover::insert_team_member(&tx, id, &c.team[i], position)?;
    }
    let close_at = w.held_has_active_plan.then_some(stamp.as_str());
    let mut goal_ids: Vec<Option<Vec<i64>>> = vec![None; c.plans.len()];
    for &i in &w.plans {
        goal_ids[i] = Some(handover::insert_plan(&tx, id, &c.plans[i], close_at)?);
    }
    handover::link_carried_goals(&tx, &c.plans, &goal_ids)?;
    for &i in &w.sessions {
        handover::insert_session(&tx, id, &c.sessions[i])?;
    }
    for &i in &w.chronology {
        handover::insert_chronology(&tx, id, &c.chronology[i])?;
    }
    for &i in &w.scores {
        handover::insert_score(&tx, id, &c.scores[i])?;
    }
    for &i in &w.indicators {
        handover::insert_indicators(&tx, id, &c.indicators[i])?;
    }
    let event_id = attune_vault::ids::next_id(&tx, attune_vault::ids::RecordTable::Chronology)?;
    tx.execute(
        "INSERT INTO chronology (id, pupil_id, occurred_on, kind, description, recorded_by,
             created_at)
         VALUES (?1, ?2, ?3, 'transition', ?4, ?5, ?6)",
        params![
            event_id,
            id,
            d2s(today),
            marker_text(&w.counts, &take),
            user.id,
            stamp
        ],
    )?;
    access::record(
        &tx,
        &user,
        Action::HandoverMerge,
        Some(&access::target(id, None)),
        now,
    )?;
    let pupil = pupils::load(&tx, id)?;
    tx.commit()?;
    Ok(MergeOutcome {
        pupil,
        counts: w.counts,
        taken: take,
    })
}

/// The chronology entry that says a pack was added: what came, and how to tell it.
fn marker_text(n: &MergeCounts, take: &[IdentityField]) -> String {
    let mut parts = Vec::new();
    let mut add = |k: u32, one: &str, many: &str| {
        if k > 0 {
            parts.push(format!("{k} {}", if k == 1 { one } else { many }));
        }
    };
    add(n.plans, "plan", "plans");
    add(n.reviews, "review", "reviews");
    add(n.sessions, "session", "sessions");
    add(n.chronology, "chronology event", "chronology events");
    add(n.scores, "score", "scores");
    add(n.indicators, "term's figures", "terms' figures");
    add(
        n.agency_advice,
        "piece of agency advice",
        "pieces of agency advice",
    );
    add(n.team_members, "team member", "team members");
    add(
        n.profile_fields,
        "\"about me\" field",
        "\"about me\" fields",
    );
    let what = if parts.is_empty() {
        "nothing new".to_string()
    } else {
        parts.join(", ")
    };
    let taken = if take.is_empty() {
        String::new()
    } else {
        format!(
            " Taken from the pack: {}.",
            take.iter()
                .map(|f| f.label().to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "Record from the previous school added from a handover pack: {what}. Entries from the pack have no \"recorded by\".{taken}"
    )
}
