//! A plan's review due dates, as stored: written when a plan starts or is renewed, read with
//! the plan, and recomputed from today on — never in the past — when the plan's cadence or the
//! school's term dates change ([`crate::rules::schedule::recompute`]).
//!
//! This module sits below [`super::plans`] and [`super::calendars`]: both call it, and it
//! is given the term dates rather than reading them, so neither depends on the other through it.

use chrono::NaiveDate;
use rusqlite::{params, Connection, Transaction};

use crate::error::Result;
use crate::model::ReviewDue;
use crate::rules::calendar::SchoolCalendar;
use crate::rules::schedule::{self, Cadence, DueDate};
use crate::store::{d2s, get_date, get_enum};

/// The stored form of a cadence: `six_weekly`, `half_termly`, `termly`, `weeks:N`.
pub fn cadence_to_str(c: Cadence) -> String {
    match c {
        Cadence::SixWeekly => "six_weekly".into(),
        Cadence::HalfTermly => "half_termly".into(),
        Cadence::Termly => "termly".into(),
        Cadence::CustomWeeks(n) => format!("weeks:{n}"),
    }
}

/// Reads a stored cadence.
pub fn cadence_from_str(s: &str) -> Option<Cadence> {
    match s {
        "six_weekly" => Some(Cadence::SixWeekly),
        "half_termly" => Some(Cadence::HalfTermly),
        "termly" => Some(Cadence::Termly),
        _ => s
            .strip_prefix("weeks:")?
            .parse()
            .ok()
            .map(Cadence::CustomWeeks),
    }
}

/// What a plan's due dates follow from.
pub(crate) struct Horizon {
    pub plan_id: i64,
    pub start: NaiveDate,
    pub horizon_end: NaiveDate,
    pub cadence: Cadence,
}

/// A plan's due dates, each marked held or overdue as of `today`.
pub(crate) fn load(conn: &Connection, plan_id: i64, today: NaiveDate) -> Result<Vec<ReviewDue>> {
    let mut stmt = conn.prepare(
        "SELECT due_date, provisional, held_at IS NOT NULL FROM review_due_dates
         WHERE plan_id = ?1 ORDER BY due_date",
    )?;
    let rows = stmt.query_map([plan_id], |r| {
        let date = get_date(r, 0)?;
        let held: bool = r.get(2)?;
        Ok(ReviewDue {
            date,
            provisional: r.get(1)?,
            held,
            overdue: !held && date < today,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Writes `due` for a plan; with `from`, first drops the dates not yet held from that day on
/// and writes only those from it (earlier dates stay as they were).
pub(crate) fn write(
    tx: &Transaction<'_>,
    plan_id: i64,
    due: &[DueDate],
    from: Option<NaiveDate>,
) -> Result<()> {
    if let Some(from) = from {
        tx.execute(
            "DELETE FROM review_due_dates WHERE plan_id = ?1 AND due_date >= ?2 AND held_at IS NULL",
            params![plan_id, d2s(from)],
        )?;
    }
    for d in due.iter().filter(|d| from.is_none_or(|f| d.date >= f)) {
        tx.execute(
            "INSERT OR IGNORE INTO review_due_dates (plan_id, due_date, provisional) VALUES (?1, ?2, ?3)",
            params![plan_id, d2s(d.date), d.provisional],
        )?;
    }
    Ok(())
}

/// Recomputes one plan's dates from `today` on with the school calendars `cals`.
pub(crate) fn recompute(
    tx: &Transaction<'_>,
    p: &Horizon,
    today: NaiveDate,
    cals: &[SchoolCalendar],
) -> Result<()> {
    let existing: Vec<DueDate> = {
        let mut stmt =
            tx.prepare("SELECT due_date, provisional FROM review_due_dates WHERE plan_id = ?1")?;
        let rows = stmt.query_map([p.plan_id], |r| {
            Ok(DueDate {
                date: get_date(r, 0)?,
                provisional: r.get(1)?,
            })
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let due = schedule::recompute(&existing, today, p.start, p.horizon_end, p.cadence, cals)?;
    write(tx, p.plan_id, &due, Some(today))
}

/// Recomputes the future dates of every active plan (after a change of term dates).
pub(crate) fn recompute_all(
    tx: &Transaction<'_>,
    today: NaiveDate,
    cals: &[SchoolCalendar],
) -> Result<()> {
    let plans: Vec<Horizon> = {
        let mut stmt = tx.prepare(
            "SELECT id, start_date, horizon_end, cadence FROM plans WHERE status = 'active'",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Horizon {
                plan_id: r.get(0)?,
                start: get_date(r, 1)?,
                horizon_end: get_date(r, 2)?,
                cadence: get_enum(r, 3, cadence_from_str)?,
            })
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for p in &plans {
        recompute(tx, p, today, cals)?;
    }
    Ok(())
}
