//! The one gate every record operation passes through.
//!
//! # Rules
//!
//! - A **strategic lead** sees and changes every pupil; some operations are theirs alone
//!   ([`require_lead`]): adding, editing, assigning, marking left and archiving pupils, the
//!   school's calendars and lists, imports, and the audit log.
//! - A **key adult** sees and changes only the pupils currently assigned to them
//!   (`pupils.key_adult_id`), and not once archived. For those pupils they read the whole
//!   history, from before they were assigned too: nothing is filtered by assignment dates.
//! - Anything else is [`Error::NotPermitted`], and the refusal is written to the audit log
//!   (action, `pupil:<id>` or the record, outcome `refused`). A key adult asking for a pupil
//!   that does not exist gets the same refusal, so ids cannot be probed.
//! - Every successful view and change is audited ([`record`]): user, time, action
//!   (`pupil.view`, `session.create`, …) and record id, never content. Changes write their audit
//!   entry in the same transaction as the change.
//! - After a recovery-key unlock nothing is allowed until a new passphrase is set (the vault
//!   refuses with `must_set_passphrase`).

use attune_vault::audit::{self, NewEntry};
use attune_vault::{Action, Role, UserInfo, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// An SQL condition true when the pupil aliased `p` may be seen by the user bound to the named
/// parameters `:role` and `:me` (see [`visibility_params`]).
pub(crate) const VISIBLE: &str =
    "(:role = 'strategic_lead' OR (p.key_adult_id = :me AND p.status <> 'archived'))";

/// The values of `:role` and `:me` for [`VISIBLE`].
pub(crate) fn visibility_params(user: &UserInfo) -> (&'static str, String) {
    (user.role.as_str(), user.id.clone())
}

/// The session's user, once the vault is ready for records (not awaiting a new passphrase
/// after a recovery-key unlock).
pub fn actor(vault: &Vault) -> Result<UserInfo> {
    vault.conn()?;
    Ok(vault.session().user.clone())
}

/// Refuses (and audits the refusal of) anyone but a strategic lead.
pub fn require_lead(
    vault: &Vault,
    action: Action,
    target: Option<&str>,
    what: &str,
    now: DateTime<Utc>,
) -> Result<UserInfo> {
    let user = actor(vault)?;
    if user.role == Role::StrategicLead {
        Ok(user)
    } else {
        let _ = vault.audit(action, target, "refused", now);
        Err(Error::NotPermitted(format!(
            "only a strategic lead can {what}."
        )))
    }
}

/// Whether `user` may see pupil `pupil_id`: `None` when there is no such pupil.
pub fn may_see(conn: &Connection, user: &UserInfo, pupil_id: i64) -> Result<Option<bool>> {
    let row: Option<(Option<String>, String)> = conn
        .query_row(
            "SELECT key_adult_id, status FROM pupils WHERE id = ?1",
            [pupil_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(key_adult, status)| match user.role {
        Role::StrategicLead => true,
        Role::KeyAdult => key_adult.as_deref() == Some(user.id.as_str()) && status != "archived",
    }))
}

/// Refuses (and audits) unless the session may see pupil `pupil_id`.
pub fn require_pupil(
    vault: &Vault,
    pupil_id: i64,
    action: Action,
    now: DateTime<Utc>,
) -> Result<UserInfo> {
    let user = actor(vault)?;
    let target = format!("pupil:{pupil_id}");
    match may_see(vault.conn()?, &user, pupil_id)? {
        Some(true) => Ok(user),
        None if user.role == Role::StrategicLead => {
            Err(Error::NotFound("There is no such pupil.".into()))
        }
        _ => {
            let _ = vault.audit(action, Some(&target), "refused", now);
            Err(Error::NotPermitted(
                "this pupil is not on your caseload.".into(),
            ))
        }
    }
}

/// A table of records that each belong to one pupil.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTable {
    Plan,
    Goal,
    Session,
    Chronology,
    Score,
    AgencyAdvice,
    Review,
    Indicators,
}

impl RecordTable {
    fn sql(self) -> &'static str {
        match self {
            RecordTable::Plan => "SELECT pupil_id FROM plans WHERE id = ?1",
            RecordTable::Goal => {
                "SELECT p.pupil_id FROM goals g JOIN plans p ON p.id = g.plan_id WHERE g.id = ?1"
            }
            RecordTable::Session => "SELECT pupil_id FROM sessions WHERE id = ?1",
            RecordTable::Chronology => "SELECT pupil_id FROM chronology WHERE id = ?1",
            RecordTable::Score => "SELECT pupil_id FROM instrument_scores WHERE id = ?1",
            RecordTable::AgencyAdvice => "SELECT pupil_id FROM agency_advice WHERE id = ?1",
            RecordTable::Review => {
                "SELECT p.pupil_id FROM reviews r JOIN plans p ON p.id = r.plan_id WHERE r.id = ?1"
            }
            RecordTable::Indicators => "SELECT pupil_id FROM termly_indicators WHERE id = ?1",
        }
    }

    /// The prefix of the record's audit target ("goal" in `goal:12`).
    pub fn name(self) -> &'static str {
        match self {
            RecordTable::Plan => "plan",
            RecordTable::Goal => "goal",
            RecordTable::Session => "session",
            RecordTable::Chronology => "chronology",
            RecordTable::Score => "score",
            RecordTable::AgencyAdvice => "advice",
            RecordTable::Review => "review",
            RecordTable::Indicators => "indicators",
        }
    }
}

/// Refuses (and audits) unless the session may see the pupil the record belongs to. Returns
/// the user and the pupil's id.
pub fn require_record(
    vault: &Vault,
    table: RecordTable,
    record_id: i64,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(UserInfo, i64)> {
    let user = actor(vault)?;
    let pupil: Option<i64> = vault
        .conn()?
        .query_row(table.sql(), [record_id], |r| r.get(0))
        .optional()?;
    match pupil {
        Some(p) => Ok((require_pupil(vault, p, action, now)?, p)),
        None if user.role == Role::StrategicLead => Err(Error::NotFound(format!(
            "There is no such {}.",
            table.name()
        ))),
        None => {
            let target = format!("{}:{record_id}", table.name());
            let _ = vault.audit(action, Some(&target), "refused", now);
            Err(Error::NotPermitted(
                "this record is not on your caseload.".into(),
            ))
        }
    }
}

/// Writes the audit entry of a successful view or change (in the caller's transaction for a
/// change).
pub fn record(
    conn: &Connection,
    user: &UserInfo,
    action: Action,
    target: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    audit::append(
        conn,
        &NewEntry {
            at: now,
            actor_id: Some(&user.id),
            actor_name: &user.name,
            action,
            target,
            outcome: "ok",
        },
    )?;
    Ok(())
}

/// The target string of a pupil's record: `pupil:3`, or `pupil:3/session:12`.
pub(crate) fn target(pupil_id: i64, record: Option<(&str, i64)>) -> String {
    match record {
        None => format!("pupil:{pupil_id}"),
        Some((kind, id)) => format!("pupil:{pupil_id}/{kind}:{id}"),
    }
}
