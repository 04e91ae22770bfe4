//! Pupils: adding, editing, assigning a key adult, leaving, archiving (strategic lead only);
//! the caseload; opening a pupil's whole record.

use std::collections::HashSet;

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Role, UserInfo, Vault};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{named_params, params, Connection, OptionalExtension, Transaction};

use crate::access::{self, VISIBLE};
use crate::error::{Error, Result};
use crate::model::{
    Assignment, CaseloadQuery, CaseloadRow, CaseloadSort, IdentifierView, ListKind, Pupil,
    PupilInput, PupilRecord, PupilStatus, UserRef,
};
use crate::record::status_history;
use crate::rules::framework::Framework;
use crate::rules::identifiers::{self, IdentifierKind};
use crate::rules::year_group::YearGroup;
use crate::store::{self, d2s, get_date, get_enum, get_opt_date, ts};
use crate::{planning::plans, record::lists, record::profile, record::records};

/// The longest name Attune keeps, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// The oldest a pupil's date of birth may be, in years before today.
pub const MAX_AGE_YEARS: i32 = 30;

/// A pupil's fields, checked and normalised.
pub(crate) struct Checked {
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub year_group: YearGroup,
    pub identifiers: Vec<identifiers::PupilIdentifier>,
    pub care_status: Option<String>,
    pub support_level: Option<String>,
    pub relationship_start: Option<NaiveDate>,
    pub relationship_planned_end: Option<NaiveDate>,
}

/// The care status and support level a pupil already holds: kept even when retired from the
/// school's lists (a retired item is refused only as a new choice).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Held<'a> {
    pub care_status: Option<&'a str>,
    pub support_level: Option<&'a str>,
}

impl<'a> Held<'a> {
    pub(crate) fn of(p: &'a Pupil) -> Held<'a> {
        Held {
            care_status: p.care_status.as_deref(),
            support_level: p.support_level.as_deref(),
        }
    }
}

fn check(
    conn: &Connection,
    input: &PupilInput,
    today: NaiveDate,
    held: Held<'_>,
) -> Result<Checked> {
    let legal_forename = store::text(
        "legal_forename",
        "the legal forename",
        &input.legal_forename,
        MAX_NAME_CHARS,
        true,
        false,
    )?;
    let legal_surname = store::text(
        "legal_surname",
        "the legal surname",
        &input.legal_surname,
        MAX_NAME_CHARS,
        true,
        false,
    )?;
    let preferred_name = store::opt_text(
        "preferred_name",
        "the preferred name",
        input.preferred_name.as_deref(),
        MAX_NAME_CHARS,
    )?;
    check_date_of_birth(input.date_of_birth, today)?;
    let year_group = YearGroup::parse(&input.year_group)
        .map_err(|e| Error::invalid("year_group", store::capitalise(&e.to_string()) + "."))?;
    let mut ids = Vec::new();
    let mut kinds = HashSet::new();
    for raw in &input.identifiers {
        if raw.value.trim().is_empty() {
            continue;
        }
        if !kinds.insert(raw.kind) {
            return Err(Error::invalid(
                "identifiers",
                format!("Give at most one {}.", raw.kind.label()),
            ));
        }
        let id = identifiers::parse(raw.kind, &raw.value).map_err(|e| {
            let prefix = match raw.kind {
                IdentifierKind::Upn => "UPN: ",
                _ => "",
            };
            Error::invalid("identifiers", format!("{prefix}{e}."))
        })?;
        ids.push(id);
    }
    let care_status = lists::canonical(
        conn,
        ListKind::CareStatus,
        "care_status",
        input.care_status.as_deref(),
        held.care_status,
    )?;
    let support_level = lists::canonical(
        conn,
        ListKind::SupportLevel,
        "support_level",
        input.support_level.as_deref(),
        held.support_level,
    )?;
    if let (Some(s), Some(e)) = (input.relationship_start, input.relationship_planned_end) {
        if e <= s {
            return Err(Error::invalid(
                "relationship_planned_end",
                "The planned end of the relationship must be after its start.",
            ));
        }
    }
    Ok(Checked {
        legal_forename,
        legal_surname,
        preferred_name,
        date_of_birth: input.date_of_birth,
        year_group,
        identifiers: ids,
        care_status,
        support_level,
        relationship_start: input.relationship_start,
        relationship_planned_end: input.relationship_planned_end,
    })
}

pub(crate) fn check_date_of_birth(dob: NaiveDate, today: NaiveDate) -> Result<()> {
    if dob >= today {
        return Err(Error::invalid(
            "date_of_birth",
            "The date of birth must be in the past.",
        ));
    }
    if today.year() - dob.year() > MAX_AGE_YEARS {
        return Err(Error::invalid(
            "date_of_birth",
            format!("The date of birth is more than {MAX_AGE_YEARS} years ago: check the year."),
        ));
    }
    Ok(())
}

/// Refuses an identifier another pupil already has (compared by value, whatever its kind, as
/// the import does).
pub(crate) fn check_identifiers_free(
    conn: &Connection,
    ids: &[identifiers::PupilIdentifier],
    except: Option<i64>,
) -> Result<()> {
    for id in ids {
        let other: Option<i64> = conn
            .query_row(
                "SELECT pupil_id FROM pupil_identifiers WHERE value = ?1 AND pupil_id IS NOT ?2",
                params![id.value(), except],
                |r| r.get(0),
            )
            .optional()?;
        if other.is_some() {
            return Err(Error::Duplicate(format!(
                "A pupil with this {} is already in Attune.",
                id.kind().label()
            )));
        }
    }
    Ok(())
}

pub(crate) fn write_identifiers(
    tx: &Transaction<'_>,
    pupil_id: i64,
    ids: &[identifiers::PupilIdentifier],
) -> Result<()> {
    tx.execute(
        "DELETE FROM pupil_identifiers WHERE pupil_id = ?1",
        [pupil_id],
    )?;
    for id in ids {
        tx.execute(
            "INSERT INTO pupil_identifiers (pupil_id, kind, value) VALUES (?1, ?2, ?3)",
            params![pupil_id, kind_str(id.kind()), id.value()],
        )?;
    }
    Ok(())
}

fn kind_str(k: IdentifierKind) -> &'static str {
    match k {
        IdentifierKind::Upn => "upn",
        IdentifierKind::ScottishCandidateNumber => "scottish_candidate_number",
        IdentifierKind::Local => "local",
    }
}

fn kind_parse(s: &str) -> Option<IdentifierKind> {
    match s {
        "upn" => Some(IdentifierKind::Upn),
        "scottish_candidate_number" => Some(IdentifierKind::ScottishCandidateNumber),
        "local" => Some(IdentifierKind::Local),
        _ => None,
    }
}

/// Inserts a checked pupil (no audit), with the first rows of its status history recorded by
/// no one named (see [`insert_by`]); used by the handover import.
pub(crate) fn insert(tx: &Transaction<'_>, c: &Checked, now: DateTime<Utc>) -> Result<i64> {
    insert_by(tx, c, None, now)
}

/// Inserts a checked pupil (no audit); used by [`add_pupil`], the imports and the MIS update.
/// Its care status and support level (each possibly none) start its status history, recorded by `by`,
/// from the relationship's start (when not after today) or today
/// ([`status_history::first_day`]).
pub(crate) fn insert_by(
    tx: &Transaction<'_>,
    c: &Checked,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id = next_id(tx, ids::RecordTable::Pupils)?;
    tx.execute(
        "INSERT INTO pupils (id, legal_forename, legal_surname, preferred_name, date_of_birth,
             year_group, care_status, support_level, relationship_start,
             relationship_planned_end, created_at, updated_at)
         VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            c.legal_forename,
            c.legal_surname,
            c.preferred_name,
            d2s(c.date_of_birth),
            c.year_group.code(),
            c.care_status,
            c.support_level,
            c.relationship_start.map(d2s),
            c.relationship_planned_end.map(d2s),
            ts(now),
            id,
        ],
    )?;
    write_identifiers(tx, id, &c.identifiers)?;
    let today = now.date_naive();
    let from = status_history::first_day(c.relationship_start, c.date_of_birth, today);
    for (kind, value) in [
        (ListKind::CareStatus, c.care_status.as_deref()),
        (ListKind::SupportLevel, c.support_level.as_deref()),
    ] {
        status_history::record(tx, id, kind, value, from, by, today, now)?;
    }
    Ok(id)
}

/// Adds a pupil (strategic lead only). A wrong identifier is refused with what is wrong
/// ("UPN: check letter should be K, not M."); one already in the vault is a duplicate.
pub fn add_pupil(vault: &mut Vault, input: &PupilInput, now: DateTime<Utc>) -> Result<Pupil> {
    let user = access::require_lead(vault, Action::PupilCreate, None, "add a pupil", now)?;
    let c = check(vault.conn()?, input, now.date_naive(), Held::default())?;
    check_identifiers_free(vault.conn()?, &c.identifiers, None)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = insert_by(&tx, &c, Some(&user.id), now)?;
    access::record(
        &tx,
        &user,
        Action::PupilCreate,
        Some(&access::target(id, None)),
        now,
    )?;
    let p = load(&tx, id)?;
    tx.commit()?;
    Ok(p)
}

/// Edits a pupil's core record (strategic lead only). Identifiers are replaced by those given.
/// A change of care status or support level takes effect today ([`update_pupil_from`]).
pub fn update_pupil(
    vault: &mut Vault,
    pupil_id: i64,
    input: &PupilInput,
    now: DateTime<Utc>,
) -> Result<Pupil> {
    update_pupil_from(vault, pupil_id, input, None, now)
}

/// Edits a pupil's core record (strategic lead only). Identifiers are replaced by those given.
/// A change of care status or support level is recorded in the pupil's status history as taking
/// effect from `takes_effect_from` (default today): refused after today, before the date of
/// birth, or before a change of that kind already recorded (see [`status_history`]).
pub fn update_pupil_from(
    vault: &mut Vault,
    pupil_id: i64,
    input: &PupilInput,
    takes_effect_from: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Pupil> {
    let user = access::require_lead(
        vault,
        Action::PupilUpdate,
        Some(&access::target(pupil_id, None)),
        "edit a pupil's details",
        now,
    )?;
    exists(vault.conn()?, pupil_id)?;
    let (care, support): (Option<String>, Option<String>) = vault.conn()?.query_row(
        "SELECT care_status, support_level FROM pupils WHERE id = ?1",
        [pupil_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let held = Held {
        care_status: care.as_deref(),
        support_level: support.as_deref(),
    };
    let today = now.date_naive();
    let c = check(vault.conn()?, input, today, held)?;
    check_identifiers_free(vault.conn()?, &c.identifiers, Some(pupil_id))?;
    let from = takes_effect_from.unwrap_or(today);
    let changed: Vec<(ListKind, Option<&str>)> = [
        (
            ListKind::CareStatus,
            care.as_deref(),
            c.care_status.as_deref(),
        ),
        (
            ListKind::SupportLevel,
            support.as_deref(),
            c.support_level.as_deref(),
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .map(|(k, _, new)| (k, new))
    .collect();
    for (kind, _) in &changed {
        status_history::check_day(vault.conn()?, pupil_id, *kind, from, c.date_of_birth, today)?;
    }
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE pupils SET legal_forename = ?2, legal_surname = ?3, preferred_name = ?4,
             date_of_birth = ?5, year_group = ?6, care_status = ?7, support_level = ?8,
             relationship_start = ?9, relationship_planned_end = ?10, updated_at = ?11
         WHERE id = ?1",
        params![
            pupil_id,
            c.legal_forename,
            c.legal_surname,
            c.preferred_name,
            d2s(c.date_of_birth),
            c.year_group.code(),
            c.care_status,
            c.support_level,
            c.relationship_start.map(d2s),
            c.relationship_planned_end.map(d2s),
            ts(now),
        ],
    )?;
    write_identifiers(&tx, pupil_id, &c.identifiers)?;
    for (kind, value) in changed {
        status_history::record(&tx, pupil_id, kind, value, from, Some(&user.id), today, now)?;
    }
    access::record(
        &tx,
        &user,
        Action::PupilUpdate,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    let p = load(&tx, pupil_id)?;
    tx.commit()?;
    Ok(p)
}

fn exists(conn: &Connection, pupil_id: i64) -> Result<PupilStatus> {
    conn.query_row("SELECT status FROM pupils WHERE id = ?1", [pupil_id], |r| {
        get_enum(r, 0, PupilStatus::parse)
    })
    .optional()?
    .ok_or_else(|| Error::NotFound("There is no such pupil.".into()))
}

/// Assigns a key adult (any current user) to a pupil from `from` on, or, with `None`,
/// leaves the pupil unassigned (strategic lead only). The assignment history keeps every
/// period. An archived pupil cannot be assigned.
pub fn assign_key_adult(
    vault: &mut Vault,
    pupil_id: i64,
    key_adult_id: Option<&str>,
    from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        Action::PupilAssign,
        Some(&target),
        "assign key adults",
        now,
    )?;
    if exists(vault.conn()?, pupil_id)? == PupilStatus::Archived {
        return Err(Error::invalid(
            "key_adult_id",
            "An archived pupil cannot be assigned a key adult.",
        ));
    }
    if let Some(k) = key_adult_id {
        let active: bool = vault.conn()?.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND removed_at IS NULL)",
            [k],
            |r| r.get(0),
        )?;
        if !active {
            return Err(Error::invalid(
                "key_adult_id",
                "Choose a current member of staff as the key adult.",
            ));
        }
    }
    let tx = vault.conn_mut()?.transaction()?;
    set_assignment(&tx, pupil_id, key_adult_id, from, &user)?;
    access::record(&tx, &user, Action::PupilAssign, Some(&target), now)?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn set_assignment(
    tx: &Transaction<'_>,
    pupil_id: i64,
    key_adult_id: Option<&str>,
    from: NaiveDate,
    by: &UserInfo,
) -> Result<()> {
    let current: Option<String> = tx.query_row(
        "SELECT key_adult_id FROM pupils WHERE id = ?1",
        [pupil_id],
        |r| r.get(0),
    )?;
    if current.as_deref() == key_adult_id {
        return Ok(());
    }
    tx.execute(
        "UPDATE assignments SET to_date = max(from_date, ?2) WHERE pupil_id = ?1 AND to_date IS NULL",
        params![pupil_id, d2s(from)],
    )?;
    if let Some(k) = key_adult_id {
        let id = next_id(tx, ids::RecordTable::Assignments)?;
        tx.execute(
            "INSERT INTO assignments (id, pupil_id, key_adult_id, from_date, assigned_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, pupil_id, k, d2s(from), by.id],
        )?;
    }
    tx.execute(
        "UPDATE pupils SET key_adult_id = ?2 WHERE id = ?1",
        params![pupil_id, key_adult_id],
    )?;
    Ok(())
}

/// Marks a pupil as having left on `left_on` (strategic lead only). Their key adult keeps
/// them (to finish records) until the pupil is archived.
pub fn mark_left(
    vault: &mut Vault,
    pupil_id: i64,
    left_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        Action::PupilLeave,
        Some(&target),
        "mark a pupil as left",
        now,
    )?;
    if exists(vault.conn()?, pupil_id)? == PupilStatus::Archived {
        return Err(Error::invalid("status", "This pupil is archived."));
    }
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE pupils SET status = 'left', left_on = ?2, updated_at = ?3 WHERE id = ?1",
        params![pupil_id, d2s(left_on), ts(now)],
    )?;
    access::record(&tx, &user, Action::PupilLeave, Some(&target), now)?;
    tx.commit()?;
    Ok(())
}

/// Archives a pupil (strategic lead only): they leave every caseload (the assignment ends
/// today), their active plan is closed, and only a strategic lead can open the record.
pub fn archive_pupil(vault: &mut Vault, pupil_id: i64, now: DateTime<Utc>) -> Result<()> {
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        Action::PupilArchive,
        Some(&target),
        "archive a pupil",
        now,
    )?;
    exists(vault.conn()?, pupil_id)?;
    let tx = vault.conn_mut()?.transaction()?;
    set_assignment(&tx, pupil_id, None, now.date_naive(), &user)?;
    tx.execute(
        "UPDATE pupils SET status = 'archived', updated_at = ?2 WHERE id = ?1",
        params![pupil_id, ts(now)],
    )?;
    tx.execute(
        "UPDATE plans SET status = 'closed', closed_at = ?2 WHERE pupil_id = ?1 AND status = 'active'",
        params![pupil_id, ts(now)],
    )?;
    access::record(&tx, &user, Action::PupilArchive, Some(&target), now)?;
    tx.commit()?;
    Ok(())
}

/// Reads a pupil's core record (no permission check, no audit).
pub(crate) fn load(conn: &Connection, pupil_id: i64) -> Result<Pupil> {
    let mut p = conn
        .query_row(
            "SELECT p.id, p.legal_forename, p.legal_surname, p.preferred_name, p.date_of_birth,
                    p.year_group, p.care_status, p.support_level, p.key_adult_id, u.name,
                    p.status, p.left_on, p.relationship_start, p.relationship_planned_end,
                    p.created_at, p.updated_at
             FROM pupils p LEFT JOIN users u ON u.id = p.key_adult_id WHERE p.id = ?1",
            [pupil_id],
            |r| {
                let forename: String = r.get(1)?;
                let surname: String = r.get(2)?;
                let preferred: Option<String> = r.get(3)?;
                let year_group: String = r.get(5)?;
                let key_adult = match (
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ) {
                    (Some(id), Some(name)) => Some(UserRef { id, name }),
                    _ => None,
                };
                Ok(Pupil {
                    id: r.get(0)?,
                    display_name: store::display_name(&forename, &surname, preferred.as_deref()),
                    legal_forename: forename,
                    legal_surname: surname,
                    preferred_name: preferred,
                    date_of_birth: get_date(r, 4)?,
                    year_group_label: year_label(&year_group),
                    year_group,
                    identifiers: Vec::new(),
                    care_status: r.get(6)?,
                    support_level: r.get(7)?,
                    key_adult,
                    status: get_enum(r, 10, PupilStatus::parse)?,
                    left_on: get_opt_date(r, 11)?,
                    relationship_start: get_opt_date(r, 12)?,
                    relationship_planned_end: get_opt_date(r, 13)?,
                    created_at: r.get(14)?,
                    updated_at: r.get(15)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound("There is no such pupil.".into()))?;
    let mut stmt = conn.prepare(
        "SELECT kind, value FROM pupil_identifiers WHERE pupil_id = ?1
         ORDER BY CASE kind WHEN 'upn' THEN 0 WHEN 'scottish_candidate_number' THEN 1 ELSE 2 END",
    )?;
    let rows = stmt.query_map([pupil_id], |r| {
        let kind = get_enum(r, 0, kind_parse)?;
        let value: String = r.get(1)?;
        let temporary = kind == IdentifierKind::Upn
            && value
                .chars()
                .nth(12)
                .is_some_and(|c| c.is_ascii_alphabetic());
        Ok(IdentifierView {
            kind,
            value,
            temporary,
        })
    })?;
    p.identifiers = rows.collect::<std::result::Result<_, _>>()?;
    Ok(p)
}

fn year_label(code: &str) -> String {
    YearGroup::parse(code).map_or_else(|_| code.to_string(), YearGroup::label)
}

/// A pupil's core record (audited as `pupil.view`).
pub fn get_pupil(vault: &Vault, pupil_id: i64, now: DateTime<Utc>) -> Result<Pupil> {
    let user = access::require_pupil(vault, pupil_id, Action::PupilView, now)?;
    let p = load(vault.conn()?, pupil_id)?;
    access::record(
        vault.conn()?,
        &user,
        Action::PupilView,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    Ok(p)
}

pub(crate) fn assignments(conn: &Connection, pupil_id: i64) -> Result<Vec<Assignment>> {
    let mut stmt = conn.prepare(
        "SELECT a.key_adult_id, u.name, a.from_date, a.to_date FROM assignments a
         JOIN users u ON u.id = a.key_adult_id WHERE a.pupil_id = ?1 ORDER BY a.from_date, a.id",
    )?;
    let rows = stmt.query_map([pupil_id], |r| {
        Ok(Assignment {
            key_adult: UserRef {
                id: r.get(0)?,
                name: r.get(1)?,
            },
            from: get_date(r, 2)?,
            to: get_opt_date(r, 3)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Everything on a pupil's page (audited as one `pupil.view`): the core record, assignment
/// history, profile and agency advice, team, the active plan with its goals and review dates,
/// the latest `session_limit` sessions, the chronology, instrument scores and termly
/// indicators. `frameworks` names the plan's framework and domains; `today` decides overdue.
pub fn open_pupil(
    vault: &Vault,
    pupil_id: i64,
    frameworks: &[Framework],
    session_limit: u32,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PupilRecord> {
    let user = access::require_pupil(vault, pupil_id, Action::PupilView, now)?;
    let conn = vault.conn()?;
    // A key adult's page leaves withdrawn entries out; the lead's shows them and the earlier
    // versions of corrected ones (issue 16).
    let show = crate::record::versions::Show::for_user(&user);
    let (sessions, session_count) = records::load_sessions(conn, pupil_id, session_limit, show)?;
    let rec = PupilRecord {
        pupil: load(conn, pupil_id)?,
        assignments: assignments(conn, pupil_id)?,
        profile: profile::load_profile(conn, pupil_id)?,
        agency_advice: profile::load_advice(conn, pupil_id)?,
        team: profile::load_team(conn, pupil_id)?,
        plan: plans::load_active(conn, pupil_id, frameworks, today)?,
        sessions,
        session_count,
        chronology: records::load_chronology(conn, pupil_id, show)?,
        scores: records::load_scores(conn, pupil_id, show)?,
        indicators: records::load_indicators(conn, pupil_id, show)?,
        status_history: status_history::load(conn, pupil_id)?,
    };
    access::record(
        conn,
        &user,
        Action::PupilView,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    Ok(rec)
}

/// The caseload: a key adult's own pupils; for a strategic lead every pupil, or one key
/// adult's with [`CaseloadQuery::key_adult_id`]. Archived pupils never appear; pupils who have
/// left only with [`CaseloadQuery::include_left`]. Audited as `caseload.view`.
pub fn caseload(
    vault: &Vault,
    query: &CaseloadQuery,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<CaseloadRow>> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let (role, me) = access::visibility_params(&user);
    let key_adult = match user.role {
        Role::StrategicLead => query.key_adult_id.clone(),
        Role::KeyAdult => None,
    };
    let sql = format!(
        "SELECT p.id, p.preferred_name, p.legal_forename, p.legal_surname, p.year_group,
                p.support_level, u.name, p.status,
                (SELECT min(d.due_date) FROM plans pl JOIN review_due_dates d ON d.plan_id = pl.id
                  WHERE pl.pupil_id = p.id AND pl.status = 'active' AND d.held_at IS NULL),
                (SELECT s.held_on FROM sessions s WHERE s.pupil_id = p.id
                  AND s.withdrawn_at IS NULL ORDER BY s.held_on DESC LIMIT 1)
         FROM pupils p LEFT JOIN users u ON u.id = p.key_adult_id
         WHERE {VISIBLE}
           AND (p.status = 'active' OR (:left AND p.status = 'left'))
           AND (:ka IS NULL OR p.key_adult_id = :ka)
           AND (:level IS NULL OR p.support_level = :level)"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        named_params! {
            ":role": role,
            ":me": me,
            ":left": query.include_left,
            ":ka": key_adult,
            ":level": query.support_level,
        },
        |r| {
            let preferred: Option<String> = r.get(1)?;
            let forename: String = r.get(2)?;
            let year_group: String = r.get(4)?;
            let next_review = get_opt_date(r, 8)?;
            Ok(CaseloadRow {
                pupil_id: r.get(0)?,
                preferred_name: preferred.unwrap_or(forename),
                surname: r.get(3)?,
                year_group_label: year_label(&year_group),
                year_group,
                support_level: r.get(5)?,
                key_adult_name: r.get(6)?,
                status: get_enum(r, 7, PupilStatus::parse)?,
                overdue: next_review.is_some_and(|d| d < today),
                next_review,
                last_session: get_opt_date(r, 9)?,
            })
        },
    )?;
    let mut out: Vec<CaseloadRow> = rows.collect::<std::result::Result<_, _>>()?;
    if query.overdue_only {
        out.retain(|r| r.overdue);
    }
    let name_key = |r: &CaseloadRow| (r.surname.to_lowercase(), r.preferred_name.to_lowercase());
    match query.sort {
        CaseloadSort::Name => out.sort_by_key(name_key),
        CaseloadSort::NextReview => {
            out.sort_by_key(|r| (r.next_review.is_none(), r.next_review, name_key(r)))
        }
        CaseloadSort::LastSession => out.sort_by_key(|r| (r.last_session, name_key(r))),
    }
    access::record(conn, &user, Action::CaseloadView, None, now)?;
    Ok(out)
}

/// The normalised value of every identifier in the vault, for [`crate::transfer::import::parse`]'s
/// duplicate check (strategic lead only).
pub fn existing_identifiers(vault: &Vault, now: DateTime<Utc>) -> Result<HashSet<String>> {
    access::require_lead(vault, Action::PupilImport, None, "import pupils", now)?;
    let mut stmt = vault
        .conn()?
        .prepare("SELECT value FROM pupil_identifiers")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Used by the import: the checks of [`add_pupil`] for a parsed row.
pub(crate) fn check_new(
    conn: &Connection,
    input: &PupilInput,
    today: NaiveDate,
) -> Result<Checked> {
    check(conn, input, today, Held::default())
}

/// [`check_new`] for a pupil already held (an MIS update): what they hold is kept.
pub(crate) fn check_held(
    conn: &Connection,
    input: &PupilInput,
    today: NaiveDate,
    held: Held<'_>,
) -> Result<Checked> {
    check(conn, input, today, held)
}

/// One pupil as `attune-admin pupils` lists them for scripts: the record id, identifiers,
/// year group, support level, care status and status; names only when asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PupilListRow {
    pub pupil_id: i64,
    pub upn: Option<String>,
    pub scn: Option<String>,
    pub local_id: Option<String>,
    /// The stored code (`S3`, `P7`, …).
    pub year_group: String,
    pub support_level: Option<String>,
    pub care_status: Option<String>,
    pub status: PupilStatus,
    /// Only with names asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_forename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_surname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
}

/// Every pupil in the vault, whatever their status, by record id (strategic lead only), for
/// scripts that must name a pupil by record id. Names only with `names`. Audited as
/// `caseload.view` with target `all pupils` (or `all pupils, with names`).
pub fn pupil_list(vault: &Vault, names: bool, now: DateTime<Utc>) -> Result<Vec<PupilListRow>> {
    let target = if names {
        "all pupils, with names"
    } else {
        "all pupils"
    };
    let user = access::require_lead(
        vault,
        Action::CaseloadView,
        Some(target),
        "list every pupil",
        now,
    )?;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT p.id, p.year_group, p.support_level, p.care_status, p.status,
                p.legal_forename, p.legal_surname, p.preferred_name,
                (SELECT value FROM pupil_identifiers i WHERE i.pupil_id = p.id AND i.kind = 'upn'),
                (SELECT value FROM pupil_identifiers i
                  WHERE i.pupil_id = p.id AND i.kind = 'scottish_candidate_number'),
                (SELECT value FROM pupil_identifiers i WHERE i.pupil_id = p.id AND i.kind = 'local')
         FROM pupils p ORDER BY p.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let name = |i: usize| -> rusqlite::Result<Option<String>> {
            if names {
                r.get(i)
            } else {
                Ok(None)
            }
        };
        Ok(PupilListRow {
            pupil_id: r.get(0)?,
            year_group: r.get(1)?,
            support_level: r.get(2)?,
            care_status: r.get(3)?,
            status: get_enum(r, 4, PupilStatus::parse)?,
            legal_forename: name(5)?,
            legal_surname: name(6)?,
            preferred_name: name(7)?,
            upn: r.get(8)?,
            scn: r.get(9)?,
            local_id: r.get(10)?,
        })
    })?;
    let out: Vec<PupilListRow> = rows.collect::<std::result::Result<_, _>>()?;
    access::record(conn, &user, Action::CaseloadView, Some(target), now)?;
    Ok(out)
}
