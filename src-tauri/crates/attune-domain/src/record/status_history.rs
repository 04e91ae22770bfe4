//! A pupil's care status and support level over time (issue 15, item 3).
//!
//! Each change is a row of `pupil_status_history` (migration `0017_status_history`): the kind
//! ([`ListKind`]), the value (`None`: none from that day), the day it **took effect**, when and
//! by whom it was recorded. `pupils.care_status` / `pupils.support_level` stay as the value in
//! force today — a cache of this table, rewritten by [`refresh_cache`] in the transaction of
//! every change here — so the screens and queries that read "now" keep working.
//!
//! **The value in force on a day** ([`in_force`]) is the value of the row of that kind with the
//! latest `effective_from` on or before the day (ties: the later id). Before a pupil's first row
//! of a kind, the first row's value: the value the record began with is the only one known for
//! the time before it (a school that starts using Attune enters its pupils today and their past
//! sessions after; counting them as "not recorded" in last year's summary would be wrong). So
//! every pupil has a row for each kind from the day their record begins, **`None` included**:
//! a value given later is a change from "none", never stretched back over the time before it.
//!
//! Who writes rows:
//! - a new pupil ([`crate::record::pupils::insert`], used by adding a pupil, the pupil import,
//!   the MIS update's new pupils and the handover import): one row per kind (a `None` value
//!   included), from the relationship's start when that is given and not after today, else from
//!   today; the migration gave every pupil held then the same (see `0017_status_history.sql`);
//! - editing a pupil ([`crate::record::pupils::update_pupil_from`]): a row for each kind that
//!   changes, from the "takes effect from" day the lead gives (default today; not after today,
//!   not before the date of birth, not before the latest change already recorded of that kind
//!   — on that day, the row of that day takes the new value);
//! - the MIS update: a row for each kind that changes, from the day of the update;
//! - renaming a list item renames it here too; retiring one leaves it here;
//! - a strategic lead corrects a row's day ([`correct_status_change`], audited
//!   `pupil.status.correct`) or removes a wrong row ([`remove_status_change`], audited
//!   `pupil.status.remove`).
//!
//! The table is a pupil's record: synced with the pupil (`transfer::scope`), erased with the
//! pupil, and in the subject access document. A laptop never writes it (a pupil's details are
//! the lead's to change).

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::model::{ListKind, StatusChange, UserRef};
use crate::store::{d2s, get_date, get_enum, ts};

/// A pupil's changes of both kinds, oldest first (no permission check, no audit).
pub(crate) fn load(conn: &Connection, pupil_id: i64) -> Result<Vec<StatusChange>> {
    let mut stmt = conn.prepare(
        "SELECT h.id, h.kind, h.value, h.effective_from, h.recorded_at, h.recorded_by, u.name
         FROM pupil_status_history h LEFT JOIN users u ON u.id = h.recorded_by
         WHERE h.pupil_id = ?1 ORDER BY h.kind, h.effective_from, h.id",
    )?;
    let rows = stmt.query_map([pupil_id], |r| {
        let by = match (
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ) {
            (Some(id), Some(name)) => Some(UserRef { id, name }),
            _ => None,
        };
        Ok(StatusChange {
            id: r.get(0)?,
            kind: get_enum(r, 1, ListKind::parse)?,
            value: r.get(2)?,
            effective_from: get_date(r, 3)?,
            recorded_at: r.get(4)?,
            recorded_by: by,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The value of `kind` in force for the pupil on `day`: the latest change on or before it, or,
/// before the first change, the value the record began with (see the module's notes). `None`
/// when that value is none, or nothing of the kind is recorded.
pub fn in_force(
    conn: &Connection,
    pupil_id: i64,
    kind: ListKind,
    day: NaiveDate,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT value FROM pupil_status_history
             WHERE pupil_id = ?1 AND kind = ?2
             ORDER BY effective_from <= ?3 DESC,
                      CASE WHEN effective_from <= ?3 THEN effective_from END DESC,
                      effective_from ASC, id DESC
             LIMIT 1",
        )?
        .query_row(params![pupil_id, kind.as_str(), d2s(day)], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The latest day a change of `kind` is recorded from for the pupil, if any.
fn latest_day(conn: &Connection, pupil_id: i64, kind: ListKind) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT max(effective_from) FROM pupil_status_history WHERE pupil_id = ?1 AND kind = ?2",
            params![pupil_id, kind.as_str()],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Records that `kind` is `value` from `from` on (in the caller's transaction; the caller has
/// checked the day and the value). A row already recorded for that day takes the new value.
/// Then the pupil's cached value is brought up to `today`'s.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    conn: &Connection,
    pupil_id: i64,
    kind: ListKind,
    value: Option<&str>,
    from: NaiveDate,
    by: Option<&str>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let same_day: Option<i64> = conn
        .query_row(
            "SELECT id FROM pupil_status_history
             WHERE pupil_id = ?1 AND kind = ?2 AND effective_from = ?3
             ORDER BY id DESC LIMIT 1",
            params![pupil_id, kind.as_str(), d2s(from)],
            |r| r.get(0),
        )
        .optional()?;
    match same_day {
        Some(id) => {
            conn.execute(
                "UPDATE pupil_status_history SET value = ?2, recorded_at = ?3, recorded_by = ?4
                 WHERE id = ?1",
                params![id, value, ts(now), by],
            )?;
        }
        None => {
            let id = next_id(conn, ids::RecordTable::PupilStatusHistory)?;
            conn.execute(
                "INSERT INTO pupil_status_history
                     (id, pupil_id, kind, value, effective_from, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, pupil_id, kind.as_str(), value, d2s(from), ts(now), by],
            )?;
        }
    }
    refresh_cache(conn, pupil_id, today)
}

/// Sets `pupils.care_status` / `support_level` to the values in force on `today`.
pub(crate) fn refresh_cache(conn: &Connection, pupil_id: i64, today: NaiveDate) -> Result<()> {
    let care = in_force(conn, pupil_id, ListKind::CareStatus, today)?;
    let support = in_force(conn, pupil_id, ListKind::SupportLevel, today)?;
    conn.execute(
        "UPDATE pupils SET care_status = ?2, support_level = ?3
         WHERE id = ?1 AND (care_status IS NOT ?2 OR support_level IS NOT ?3)",
        params![pupil_id, care, support],
    )?;
    Ok(())
}

/// Checks the day a change of `kind` takes effect for a pupil born on `dob`: not after today,
/// not before the date of birth, not before the latest change of that kind already recorded.
pub(crate) fn check_day(
    conn: &Connection,
    pupil_id: i64,
    kind: ListKind,
    from: NaiveDate,
    dob: NaiveDate,
    today: NaiveDate,
) -> Result<()> {
    check_day_range(from, dob, today)?;
    if let Some(latest) = latest_day(conn, pupil_id, kind)? {
        if d2s(from) < latest {
            return Err(Error::invalid(
                "takes_effect_from",
                format!(
                    "The pupil's {} already has a change recorded from {}. A new value can take \
                     effect from that day or later; to change an earlier day, correct the history.",
                    kind.label().to_lowercase(),
                    display_day(&latest),
                ),
            ));
        }
    }
    Ok(())
}

fn check_day_range(from: NaiveDate, dob: NaiveDate, today: NaiveDate) -> Result<()> {
    if from > today {
        return Err(Error::invalid(
            "takes_effect_from",
            "A change cannot take effect after today. Record it on the day it happens.",
        ));
    }
    if from < dob {
        return Err(Error::invalid(
            "takes_effect_from",
            "A change cannot take effect before the pupil's date of birth.",
        ));
    }
    Ok(())
}

fn display_day(s: &str) -> String {
    crate::store::s2d(s).map_or_else(|_| s.to_string(), |d| d.format("%-d %B %Y").to_string())
}

/// The day a new pupil's first values take effect: the relationship's start when given and not
/// after today (nor before the date of birth), else today.
pub(crate) fn first_day(
    relationship_start: Option<NaiveDate>,
    dob: NaiveDate,
    today: NaiveDate,
) -> NaiveDate {
    relationship_start
        .filter(|s| *s <= today)
        .map_or(today, |s| s.max(dob))
}

/// A pupil's care status and support level history, oldest first within each kind (anyone who
/// may see the pupil; read with the pupil's page, so not audited on its own).
pub fn status_history(
    vault: &Vault,
    pupil_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<StatusChange>> {
    access::require_pupil(vault, pupil_id, Action::PupilView, now)?;
    load(vault.conn()?, pupil_id)
}

fn change_row(conn: &Connection, change_id: i64) -> Result<(i64, ListKind, NaiveDate)> {
    conn.query_row(
        "SELECT h.pupil_id, h.kind, p.date_of_birth FROM pupil_status_history h
         JOIN pupils p ON p.id = h.pupil_id WHERE h.id = ?1",
        [change_id],
        |r| Ok((r.get(0)?, get_enum(r, 1, ListKind::parse)?, get_date(r, 2)?)),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("There is no such change of status.".into()))
}

/// Corrects the day a recorded change took effect (strategic lead only; audited
/// `pupil.status.correct`). Refused after today, before the date of birth, and on a day another
/// change of the same kind is recorded from (remove one of the two instead). The pupil's current
/// value follows.
pub fn correct_status_change(
    vault: &mut Vault,
    change_id: i64,
    effective_from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<StatusChange>> {
    let user = access::require_lead(
        vault,
        Action::PupilStatusCorrect,
        None,
        "correct a pupil's status history",
        now,
    )?;
    let today = now.date_naive();
    let (pupil_id, kind, dob) = change_row(vault.conn()?, change_id)?;
    check_day_range(effective_from, dob, today)?;
    let clash: Option<i64> = vault
        .conn()?
        .query_row(
            "SELECT id FROM pupil_status_history
             WHERE pupil_id = ?1 AND kind = ?2 AND effective_from = ?3 AND id <> ?4",
            params![pupil_id, kind.as_str(), d2s(effective_from), change_id],
            |r| r.get(0),
        )
        .optional()?;
    if clash.is_some() {
        return Err(Error::invalid(
            "effective_from",
            format!(
                "Another change of {} is recorded from that day. Remove the wrong one instead.",
                kind.label().to_lowercase()
            ),
        ));
    }
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE pupil_status_history SET effective_from = ?2 WHERE id = ?1",
        params![change_id, d2s(effective_from)],
    )?;
    refresh_cache(&tx, pupil_id, today)?;
    tx.execute(
        "UPDATE pupils SET updated_at = ?2 WHERE id = ?1",
        params![pupil_id, ts(now)],
    )?;
    access::record(
        &tx,
        &user,
        Action::PupilStatusCorrect,
        Some(&access::target(pupil_id, Some(("status", change_id)))),
        now,
    )?;
    let out = load(&tx, pupil_id)?;
    tx.commit()?;
    Ok(out)
}

/// Removes a change recorded in error (strategic lead only; audited `pupil.status.remove`). The
/// pupil's current value follows: the change before it, or none.
pub fn remove_status_change(
    vault: &mut Vault,
    change_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<StatusChange>> {
    let user = access::require_lead(
        vault,
        Action::PupilStatusRemove,
        None,
        "remove a change from a pupil's status history",
        now,
    )?;
    let (pupil_id, _, _) = change_row(vault.conn()?, change_id)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "DELETE FROM pupil_status_history WHERE id = ?1",
        [change_id],
    )?;
    refresh_cache(&tx, pupil_id, now.date_naive())?;
    tx.execute(
        "UPDATE pupils SET updated_at = ?2 WHERE id = ?1",
        params![pupil_id, ts(now)],
    )?;
    access::record(
        &tx,
        &user,
        Action::PupilStatusRemove,
        Some(&access::target(pupil_id, Some(("status", change_id)))),
        now,
    )?;
    let out = load(&tx, pupil_id)?;
    tx.commit()?;
    Ok(out)
}
