//! The school's calendars (term dates, one per school year) as stored in the vault.
//!
//! The strategic lead enters them; until any is entered, review dates are worked out from
//! [`SchoolCalendar::uk_default`] for the current and the following school years (a starting
//! point, shown as such). Once one is entered, only the entered years count, and dates beyond
//! them are provisional. Saving or deleting a calendar recomputes the future review dates of
//! every active plan (past dates are kept).

use attune_vault::{Action, Vault};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{params, Connection};

use crate::access;
use crate::error::{Error, Result};
use crate::model::CalendarsView;
use crate::planning::due;
use crate::rules::calendar::{validate_calendars, SchoolCalendar};
use crate::store::ts;

/// The school year `today` falls in, by the year it starts (August onwards is the new year).
pub fn school_year_start(today: NaiveDate) -> i32 {
    if today.month() >= 8 {
        today.year()
    } else {
        today.year() - 1
    }
}

fn stored(conn: &Connection) -> Result<Vec<SchoolCalendar>> {
    let mut stmt = conn.prepare("SELECT content FROM school_calendars ORDER BY year_label")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(serde_json::from_str(&r?)?);
    }
    Ok(out)
}

/// The calendar the lead entered for the school year `year_label` ("2025-26"), if any.
pub(crate) fn stored_calendar(
    conn: &Connection,
    year_label: &str,
) -> Result<Option<SchoolCalendar>> {
    use rusqlite::OptionalExtension;
    let content: Option<String> = conn
        .query_row(
            "SELECT content FROM school_calendars WHERE year_label = ?1",
            [year_label],
            |r| r.get(0),
        )
        .optional()?;
    Ok(content.map(|c| serde_json::from_str(&c)).transpose()?)
}

/// The calendars review dates are worked out from, and whether they are the defaults.
pub(crate) fn effective(
    conn: &Connection,
    today: NaiveDate,
) -> Result<(Vec<SchoolCalendar>, bool)> {
    let s = stored(conn)?;
    if s.is_empty() {
        let y = school_year_start(today);
        Ok((
            vec![
                SchoolCalendar::uk_default(y),
                SchoolCalendar::uk_default(y + 1),
            ],
            true,
        ))
    } else {
        Ok((s, false))
    }
}

/// The calendars in use, for any signed-in user. Not audited: no pupil data.
pub fn school_calendars(vault: &Vault, today: NaiveDate) -> Result<CalendarsView> {
    access::actor(vault)?;
    let (calendars, defaults) = effective(vault.conn()?, today)?;
    Ok(CalendarsView {
        calendars,
        defaults,
    })
}

/// Saves one school year's calendar, replacing any with the same label (strategic lead only),
/// then recomputes future review dates. Audited as `calendar.update`.
pub fn save_school_calendar(
    vault: &mut Vault,
    calendar: &SchoolCalendar,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CalendarsView> {
    let label = calendar.year_label.trim().to_string();
    let user = access::require_lead(
        vault,
        Action::CalendarUpdate,
        Some(&label),
        "change the school's term dates",
        now,
    )?;
    let mut cal = calendar.clone();
    cal.year_label = label.clone();
    cal.validate()?;
    let mut all: Vec<SchoolCalendar> = stored(vault.conn()?)?
        .into_iter()
        .filter(|c| c.year_label != label)
        .collect();
    all.push(cal.clone());
    validate_calendars(&all)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "INSERT INTO school_calendars (year_label, content, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (year_label) DO UPDATE SET content = excluded.content,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![label, serde_json::to_string(&cal)?, ts(now), user.id],
    )?;
    let (cals, _) = effective(&tx, today)?;
    due::recompute_all(&tx, today, &cals)?;
    access::record(&tx, &user, Action::CalendarUpdate, Some(&label), now)?;
    let view = {
        let (calendars, defaults) = effective(&tx, today)?;
        CalendarsView {
            calendars,
            defaults,
        }
    };
    tx.commit()?;
    Ok(view)
}

/// Deletes one school year's calendar (strategic lead only), then recomputes future review
/// dates. Audited as `calendar.delete`.
pub fn delete_school_calendar(
    vault: &mut Vault,
    year_label: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CalendarsView> {
    let user = access::require_lead(
        vault,
        Action::CalendarDelete,
        Some(year_label),
        "change the school's term dates",
        now,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    let n = tx.execute(
        "DELETE FROM school_calendars WHERE year_label = ?1",
        [year_label],
    )?;
    if n == 0 {
        return Err(Error::NotFound(
            "There is no calendar for that school year.".into(),
        ));
    }
    let (cals, _) = effective(&tx, today)?;
    due::recompute_all(&tx, today, &cals)?;
    access::record(&tx, &user, Action::CalendarDelete, Some(year_label), now)?;
    let view = {
        let (calendars, defaults) = effective(&tx, today)?;
        CalendarsView {
            calendars,
            defaults,
        }
    };
    tx.commit()?;
    Ok(view)
}
