//! Updating the pupils already held from a later export of the school's MIS (issue 15): the
//! September file with new year groups, a changed care status, a corrected name, leavers.
//!
//! The file is read as a first import is ([`crate::transfer::import::parse`], the same column mapping and
//! per-line errors); then each good line is **matched** to a pupil held:
//!
//! - by identifier: any of the line's UPN, SCN or local id equal (normalised) to one the pupil
//!   has; a line whose identifiers belong to two different pupils is refused;
//! - a line with no identifier, by legal name and date of birth when exactly one pupil has them;
//! - a pupil matched by an earlier line refuses the later one.
//!
//! [`preview_update`] says, per matched pupil, which fields would change (names, date of birth,
//! year group, care status, support level, identifiers — only for columns the mapping fills, so a
//! file without a care-status column never clears one), the lines that are new pupils, and the
//! active pupils that no line names (offered as having left: a pupil named only by a bad line
//! is not offered). Nothing is written until [`apply_update`], which reads the file again, in one
//! transaction, with the lead's choices (add the new pupils or not; which missing pupils left,
//! and on what date). Every change is checked as an edit by hand would be (the school's lists,
//! dates, identifiers held by nobody else) and audited per pupil (`pupil.update`,
//! `pupil.import`, `pupil.leave`).

use std::collections::{HashMap, HashSet};

use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::model::LineError;
use crate::model::{IdentifierInput, ImportMode, ListKind, Pupil, PupilInput, PupilStatus};
use crate::record::{pupils, status_history};
use crate::rules::dates::DateOrder;
use crate::rules::identifiers::IdentifierKind;
use crate::store::{d2s, ts};
use crate::transfer::import::{self, ColumnMapping, NewPupil, PupilField};

/// One field of a pupil that the file would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldChange {
    pub field: PupilField,
    /// As held now ("" for none).
    pub from: String,
    /// As the file has it ("" for none).
    pub to: String,
}

/// A pupil held whom a line of the file changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PupilChanges {
    /// The line of the file.
    pub line: usize,
    #[ts(type = "number")]
    pub pupil_id: i64,
    /// The name as held now.
    pub display_name: String,
    pub changes: Vec<FieldChange>,
}

/// An active pupil no line of the file names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MissingPupil {
    #[ts(type = "number")]
    pub pupil_id: i64,
    pub display_name: String,
    pub year_group_label: String,
}

/// A line that is a pupil not held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NewLine {
    pub line: usize,
    pub pupil: NewPupil,
}

/// What an update from the MIS would do. Writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdatePreview {
    /// Pupils held whom the file changes, in line order.
    pub changed: Vec<PupilChanges>,
    /// How many lines match a pupil held and change nothing.
    pub unchanged: usize,
    /// Lines that are pupils not held.
    pub new: Vec<NewLine>,
    /// Active pupils no line names, by name.
    pub missing: Vec<MissingPupil>,
    /// Lines that cannot be used, with the reason, in line order.
    pub bad: Vec<LineError>,
    pub date_order: DateOrder,
    pub header_line: usize,
}

/// The strategic lead's choices when confirming an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpdateChoices {
    /// Add the lines that are pupils not held.
    pub add_new: bool,
    /// Missing pupils to mark as having left on `left_on`.
    #[ts(type = "number[]")]
    pub mark_left: Vec<i64>,
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub left_on: Option<NaiveDate>,
    /// With bad lines: change nothing, or apply the good lines.
    pub mode: ImportMode,
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdateOutcome {
    pub updated: usize,
    pub added: usize,
    pub marked_left: usize,
    /// Every bad line (nothing was written when `mode` was all-or-nothing and this is not
    /// empty).
    pub bad: Vec<LineError>,
}

/// A pupil held, with the checked record the file asks for.
struct Planned {
    line: usize,
    pupil_id: i64,
    display_name: String,
    changes: Vec<FieldChange>,
    checked: pupils::Checked,
}

struct Plan {
    changed: Vec<Planned>,
    unchanged: usize,
    new: Vec<(NewLine, pupils::Checked)>,
    missing: Vec<MissingPupil>,
    bad: Vec<LineError>,
    date_order: DateOrder,
    header_line: usize,
}

fn kind_field(kind: IdentifierKind) -> PupilField {
    match kind {
        IdentifierKind::Upn => PupilField::Upn,
        IdentifierKind::ScottishCandidateNumber => PupilField::Scn,
        IdentifierKind::Local => PupilField::LocalId,
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The record a line asks for: the pupil as held, with every field the mapping fills taken from
/// the line.
fn merged(held: &Pupil, row: &NewPupil, mapping: &ColumnMapping) -> PupilInput {
    let mapped = |f: PupilField| mapping.get(f).is_some();
    let mut identifiers: Vec<IdentifierInput> = held
        .identifiers
        .iter()
        .filter(|i| !mapped(kind_field(i.kind)))
        .map(|i| IdentifierInput {
            kind: i.kind,
            value: i.value.clone(),
        })
        .collect();
    identifiers.extend(row.identifiers.iter().map(|i| IdentifierInput {
        kind: i.kind(),
        value: i.value().to_string(),
    }));
    // A mapped identifier column left blank on this line keeps the one held: an MIS leaves a
    // cell empty more often than it withdraws a pupil's number.
    for i in &held.identifiers {
        if mapped(kind_field(i.kind)) && !identifiers.iter().any(|x| x.kind == i.kind) {
            identifiers.push(IdentifierInput {
                kind: i.kind,
                value: i.value.clone(),
            });
        }
    }
    identifiers.sort_by_key(|i| kind_field(i.kind) as u8);
    PupilInput {
        legal_forename: row.legal_forename.clone(),
        legal_surname: row.legal_surname.clone(),
        preferred_name: if mapped(PupilField::PreferredName) {
            row.preferred_name.clone()
        } else {
            held.preferred_name.clone()
        },
        date_of_birth: row.date_of_birth,
        year_group: row.year_group.code(),
        identifiers,
        care_status: if mapped(PupilField::CareStatus) {
            row.care_status.clone()
        } else {
            held.care_status.clone()
        },
        support_level: if mapped(PupilField::SupportLevel) {
            row.support_level.clone()
        } else {
            held.support_level.clone()
        },
        relationship_start: held.relationship_start,
        relationship_planned_end: held.relationship_planned_end,
    }
}

/// What changes between the record held and the checked record the line asks for.
fn changes(held: &Pupil, c: &pupils::Checked) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut diff = |field: PupilField, from: Option<&str>, to: Option<&str>| {
        let (from, to) = (from.unwrap_or(""), to.unwrap_or(""));
        if from != to {
            out.push(FieldChange {
                field,
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    };
    diff(
        PupilField::LegalForename,
        Some(&held.legal_forename),
        Some(&c.legal_forename),
    );
    diff(
        PupilField::LegalSurname,
        Some(&held.legal_surname),
        Some(&c.legal_surname),
    );
    diff(
        PupilField::PreferredName,
        held.preferred_name.as_deref(),
        c.preferred_name.as_deref(),
    );
    let (dob_from, dob_to) = (
        crate::rules::dates::format_uk(held.date_of_birth),
        crate::rules::dates::format_uk(c.date_of_birth),
    );
    diff(PupilField::DateOfBirth, Some(&dob_from), Some(&dob_to));
    diff(
        PupilField::YearGroup,
        Some(&held.year_group_label),
        Some(c.year_group.label().as_str()),
    );
    for kind in [
        IdentifierKind::Upn,
        IdentifierKind::ScottishCandidateNumber,
        IdentifierKind::Local,
    ] {
        let from = held
            .identifiers
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| i.value.as_str());
        let to = c
            .identifiers
            .iter()
            .find(|i| i.kind() == kind)
            .map(|i| i.value());
        diff(kind_field(kind), from, to);
    }
    diff(
        PupilField::CareStatus,
        held.care_status.as_deref(),
        c.care_status.as_deref(),
    );
    diff(
        PupilField::SupportLevel,
        held.support_level.as_deref(),
        c.support_level.as_deref(),
    );
    out
}

fn plan(vault: &Vault, text: &str, mapping: &ColumnMapping, today: NaiveDate) -> Result<Plan> {
    let conn = vault.conn()?;
    let preview = import::parse(text, mapping, &HashSet::new())?;
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM pupils ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let held: Vec<Pupil> = ids
        .iter()
        .map(|id| pupils::load(conn, *id))
        .collect::<Result<_>>()?;
    let by_id: HashMap<i64, &Pupil> = held.iter().map(|p| (p.id, p)).collect();
    let mut by_identifier: HashMap<&str, i64> = HashMap::new();
    let mut by_name: HashMap<(String, String, NaiveDate), Vec<i64>> = HashMap::new();
    for p in &held {
        for i in &p.identifiers {
            by_identifier.insert(i.value.as_str(), p.id);
        }
        by_name
            .entry((
                p.legal_forename.to_lowercase(),
                p.legal_surname.to_lowercase(),
                p.date_of_birth,
            ))
            .or_default()
            .push(p.id);
    }

    let mut out = Plan {
        changed: Vec::new(),
        unchanged: 0,
        new: Vec::new(),
        missing: Vec::new(),
        bad: preview.bad.clone(),
        date_order: preview.date_order,
        header_line: preview.header_line,
    };
    // Pupils a line names (good or bad), and the line that named each first.
    let mut named: HashMap<i64, usize> = HashMap::new();
    for (line, values) in import::identifiers_by_line(text, mapping)? {
        if preview.bad.iter().any(|b| b.line == line) {
            for v in values {
                if let Some(&id) = by_identifier.get(v.as_str()) {
                    named.entry(id).or_insert(line);
                }
            }
        }
    }
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    // Identifiers the file gives to a pupil, and the line: two lines may not share one.
    for (line, row) in &preview.good {
        let line = *line;
        let mut matches: Vec<i64> = row
            .identifiers
            .iter()
            .filter_map(|i| by_identifier.get(i.value()).copied())
            .collect();
        matches.sort_unstable();
        matches.dedup();
        if matches.is_empty() && row.identifiers.is_empty() {
            let key = (
                row.legal_forename.to_lowercase(),
                row.legal_surname.to_lowercase(),
                row.date_of_birth,
            );
            if let Some(ids) = by_name.get(&key) {
                if ids.len() == 1 {
                    matches = ids.clone();
                } else {
                    out.bad.push(LineError {
                        line,
                        reason: "more than one pupil held has this name and date of birth, and the line has no identifier to tell them apart".into(),
                    });
                    continue;
                }
            }
        }
        let refuse =
            |reason: String, bad: &mut Vec<LineError>| bad.push(LineError { line, reason });
        match matches.as_slice() {
            [] => {
                let input = PupilInput {
                    legal_forename: row.legal_forename.clone(),
                    legal_surname: row.legal_surname.clone(),
                    preferred_name: row.preferred_name.clone(),
                    date_of_birth: row.date_of_birth,
                    year_group: row.year_group.code(),
                    identifiers: row
                        .identifiers
                        .iter()
                        .map(|i| IdentifierInput {
                            kind: i.kind(),
                            value: i.value().to_string(),
                        })
                        .collect(),
                    care_status: row.care_status.clone(),
                    support_level: row.support_level.clone(),
                    relationship_start: None,
                    relationship_planned_end: None,
                };
                match pupils::check_new(conn, &input, today) {
                    Ok(c) => out.new.push((
                        NewLine {
                            line,
                            pupil: row.clone(),
                        },
                        c,
                    )),
                    Err(e) => refuse(lower_first(&e.to_string()), &mut out.bad),
                }
            }
            [id] => {
                let id = *id;
                if let Some(first) = claimed.get(&id) {
                    refuse(
                        format!("the same pupil as line {first}"),
                        &mut out.bad,
                    );
                    continue;
                }
                claimed.insert(id, line);
                named.entry(id).or_insert(line);
                let p = by_id[&id];
                let held = pupils::Held::of(p);
                let result = pupils::check_held(conn, &merged(p, row, mapping), today, held).and_then(
                    |c| {
                        pupils::check_identifiers_free(conn, &c.identifiers, Some(id))?;
                        Ok(c)
                    },
                );
                match result {
                    Ok(c) => {
                        let changes = changes(p, &c);
                        if changes.is_empty() {
                            out.unchanged += 1;
                        } else {
                            out.changed.push(Planned {
                                line,
                                pupil_id: id,
                                display_name: p.display_name.clone(),
                                changes,
                                checked: c,
                            });
                        }
                    }
                    Err(e) => refuse(lower_first(&e.to_string()), &mut out.bad),
                }
            }
            _ => refuse(
                "its identifiers belong to two different pupils held; correct the file or the records".into(),
                &mut out.bad,
            ),
        }
    }
    out.missing = held
        .iter()
        .filter(|p| p.status == PupilStatus::Active && !named.contains_key(&p.id))
        .map(|p| MissingPupil {
            pupil_id: p.id,
            display_name: p.display_name.clone(),
            year_group_label: p.year_group_label.clone(),
        })
        .collect();
    out.bad.sort_by_key(|e| e.line);
    Ok(out)
}

/// What updating from this file would do (strategic lead only; a refusal is audited). Writes
/// nothing.
pub fn preview_update(
    vault: &Vault,
    text: &str,
    mapping: &ColumnMapping,
    now: DateTime<Utc>,
) -> Result<UpdatePreview> {
    access::require_lead(
        vault,
        Action::PupilUpdate,
        None,
        "update pupils from the MIS",
        now,
    )?;
    let p = plan(vault, text, mapping, now.date_naive())?;
    Ok(UpdatePreview {
        changed: p
            .changed
            .into_iter()
            .map(|c| PupilChanges {
                line: c.line,
                pupil_id: c.pupil_id,
                display_name: c.display_name,
                changes: c.changes,
            })
            .collect(),
        unchanged: p.unchanged,
        new: p.new.into_iter().map(|(n, _)| n).collect(),
        missing: p.missing,
        bad: p.bad,
        date_order: p.date_order,
        header_line: p.header_line,
    })
}

/// Applies the update the file asks for, with the lead's choices (strategic lead only), in one
/// transaction. The file is read again here, so what is applied is what the vault holds now.
pub fn apply_update(
    vault: &mut Vault,
    text: &str,
    mapping: &ColumnMapping,
    choices: &UpdateChoices,
    now: DateTime<Utc>,
) -> Result<UpdateOutcome> {
    let user = access::require_lead(
        vault,
        Action::PupilUpdate,
        None,
        "update pupils from the MIS",
        now,
    )?;
    let p = plan(vault, text, mapping, now.date_naive())?;
    let missing: HashSet<i64> = p.missing.iter().map(|m| m.pupil_id).collect();
    if let Some(id) = choices.mark_left.iter().find(|id| !missing.contains(id)) {
        return Err(Error::invalid(
            "mark_left",
            format!("Record {id} is named in the file or is not an active pupil: only pupils missing from the file can be marked as left here."),
        ));
    }
    let left_on = match (choices.mark_left.is_empty(), choices.left_on) {
        (true, _) => None,
        (false, Some(d)) => Some(d),
        (false, None) => {
            return Err(Error::invalid(
                "left_on",
                "Give the date the pupils missing from the file left.",
            ))
        }
    };
    if choices.mode == ImportMode::AllOrNothing && !p.bad.is_empty() {
        return Ok(UpdateOutcome {
            updated: 0,
            added: 0,
            marked_left: 0,
            bad: p.bad,
        });
    }
    let today = now.date_naive();
    let tx = vault.conn_mut()?.transaction()?;
    for c in &p.changed {
        let k = &c.checked;
        let (care, support): (Option<String>, Option<String>) = tx.query_row(
            "SELECT care_status, support_level FROM pupils WHERE id = ?1",
            [c.pupil_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.execute(
            "UPDATE pupils SET legal_forename = ?2, legal_surname = ?3, preferred_name = ?4,
                 date_of_birth = ?5, year_group = ?6, care_status = ?7, support_level = ?8,
                 updated_at = ?9
             WHERE id = ?1",
            params![
                c.pupil_id,
                k.legal_forename,
                k.legal_surname,
                k.preferred_name,
                d2s(k.date_of_birth),
                k.year_group.code(),
                k.care_status,
                k.support_level,
                ts(now),
            ],
        )?;
        pupils::write_identifiers(&tx, c.pupil_id, &k.identifiers)?;
        // A changed care status or support level takes effect on the day of the update.
        for (kind, old, new) in [
            (ListKind::CareStatus, care, k.care_status.as_deref()),
            (ListKind::SupportLevel, support, k.support_level.as_deref()),
        ] {
            if old.as_deref() != new {
                status_history::record(
                    &tx,
                    c.pupil_id,
                    kind,
                    new,
                    today,
                    Some(&user.id),
                    today,
                    now,
                )?;
            }
        }
        access::record(
            &tx,
            &user,
            Action::PupilUpdate,
            Some(&access::target(c.pupil_id, None)),
            now,
        )?;
    }
    let mut added = 0;
    if choices.add_new {
        for (_, c) in &p.new {
            let id = pupils::insert_by(&tx, c, Some(&user.id), now)?;
            access::record(
                &tx,
                &user,
                Action::PupilImport,
                Some(&access::target(id, None)),
                now,
            )?;
            added += 1;
        }
    }
    if let Some(left_on) = left_on {
        for id in &choices.mark_left {
            tx.execute(
                "UPDATE pupils SET status = 'left', left_on = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, d2s(left_on), ts(now)],
            )?;
            access::record(
                &tx,
                &user,
                Action::PupilLeave,
                Some(&access::target(*id, None)),
                now,
            )?;
        }
    }
    tx.commit()?;
    Ok(UpdateOutcome {
        updated: p.changed.len(),
        added,
        marked_left: choices.mark_left.len(),
        bad: p.bad,
    })
}
