//! The strategic lead's overview (issue 5): every key adult with their caseload, the reviews
//! coming up and overdue, and the pupils not seen for a while, each figure naming its pupils so
//! the lead can open them.
//!
//! # Who is listed
//!
//! Every user with the role key adult (not removed), and every other user — a strategic lead, or
//! a removed key adult whose pupils have not been reassigned — who has at least one active
//! pupil. Active pupils with no key adult are gathered in one last row with no key adult, when
//! there are any. Pupils who have left or been archived are on no caseload and never counted.
//!
//! # The figures (for one key adult's active pupils, `today` passed in)
//!
//! - **caseload**: how many active pupils are assigned to them;
//! - **reviews due**: pupils whose current plan has a review due from `today` to `today` plus
//!   `due_weeks` weeks, both inclusive, not yet held (each pupil named once, with the earliest
//!   such date);
//! - **reviews overdue**: pupils whose current plan has a due date before `today` that has not
//!   been held — no signed review for it and not marked held — with the earliest such date and
//!   how many dates are overdue (the same rule as the caseload's "Overdue" and
//!   [`crate::planning::reviews::list_reviews`]);
//! - **no recent session**: pupils with no session held from `today` minus `session_weeks`
//!   weeks to `today` (inclusive), with the date of their last session or none ever.
//!
//! `due_weeks` and `session_weeks` are 1 to [`MAX_WEEKS`]; the defaults are
//! [`DEFAULT_DUE_WEEKS`] and [`DEFAULT_SESSION_WEEKS`].
//!
//! # Speed
//!
//! Two queries whatever the number of pupils: one row per active pupil with its overdue and
//! due figures (one pass over the current plans' unheld due dates, grouped by pupil) and its
//! latest session (a seek on the `sessions_pupil` index), and one for the users.
//!
//! Strategic lead only ([`crate::access::require_lead`]); audited as `overview.view` with no
//! target (refusals as `overview.view`, `refused`).

use std::collections::BTreeMap;

use attune_vault::{Action, Vault};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::named_params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::model::UserRef;
use crate::store::{d2s, get_opt_date};

/// The weeks ahead for "reviews due" when the lead has not chosen.
pub const DEFAULT_DUE_WEEKS: u32 = 4;
/// The weeks without a session for "no recent session" when the lead has not chosen.
pub const DEFAULT_SESSION_WEEKS: u32 = 3;
/// The most weeks either number may be.
pub const MAX_WEEKS: u32 = 52;

/// What the lead chooses: how far ahead "due" looks, how long "no recent session" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OverviewQuery {
    /// Reviews due from today to this many weeks ahead (1 to 52; default 4).
    #[serde(default = "default_due_weeks")]
    pub due_weeks: u32,
    /// Pupils with no session for this many weeks (1 to 52; default 3).
    #[serde(default = "default_session_weeks")]
    pub session_weeks: u32,
}

fn default_due_weeks() -> u32 {
    DEFAULT_DUE_WEEKS
}

fn default_session_weeks() -> u32 {
    DEFAULT_SESSION_WEEKS
}

impl Default for OverviewQuery {
    fn default() -> Self {
        OverviewQuery {
            due_weeks: DEFAULT_DUE_WEEKS,
            session_weeks: DEFAULT_SESSION_WEEKS,
        }
    }
}

/// A pupil named in one of the overview's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OverviewPupil {
    #[ts(type = "number")]
    pub pupil_id: i64,
    /// The preferred name, else the legal forename.
    pub preferred_name: String,
    pub surname: String,
    /// Reviews due: the earliest due date in the window. Overdue: the earliest overdue date.
    /// No recent session: the last session's date, or null when there has never been one.
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub date: Option<NaiveDate>,
    /// Overdue: how many due dates have passed unheld. 1 in the other lists.
    pub count: u32,
}

/// One key adult's line of the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OverviewRow {
    /// None for the row of active pupils with no key adult.
    pub key_adult: Option<UserRef>,
    /// A strategic lead who holds a caseload.
    pub is_lead: bool,
    /// A user who has been removed but still has pupils assigned.
    pub removed: bool,
    /// Active pupils assigned.
    pub caseload: u32,
    /// Pupils with a review due in the window, soonest first.
    pub due: Vec<OverviewPupil>,
    /// Pupils with an overdue review, longest overdue first.
    pub overdue: Vec<OverviewPupil>,
    /// How many due dates are overdue across this key adult's pupils.
    pub overdue_reviews: u32,
    /// Pupils with no session in the last `session_weeks` weeks, never seen first, then the
    /// longest since.
    pub no_recent_session: Vec<OverviewPupil>,
}

/// The overview: the choices it was made with, the windows they give, and a row per key adult.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Overview {
    pub due_weeks: u32,
    pub session_weeks: u32,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub today: NaiveDate,
    /// The last day of the "reviews due" window (inclusive).
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub due_until: NaiveDate,
    /// The first day of the "no recent session" window (inclusive): a session on or after it
    /// counts as recent.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub sessions_since: NaiveDate,
    /// Key adults by name; the unassigned row, if any, last.
    pub rows: Vec<OverviewRow>,
    /// Active pupils in the school.
    pub total_pupils: u32,
    /// Laptops whose work has not reached this vault for
    /// [`crate::transfer::enrol::STALE_AFTER_DAYS`] days or more, longest first.
    pub laptops_not_synced: Vec<crate::transfer::enrol::Laptop>,
}

fn check_weeks(field: &str, what: &str, weeks: u32) -> Result<()> {
    if (1..=MAX_WEEKS).contains(&weeks) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("The number of weeks {what} must be between 1 and {MAX_WEEKS}."),
        ))
    }
}

/// The SQL of the per-pupil figures. Kept as a constant so a test can ask SQLite for its plan.
pub const PUPILS_SQL: &str = "
SELECT p.id, p.preferred_name, p.legal_forename, p.legal_surname, p.key_adult_id,
       d.first_overdue, coalesce(d.n_overdue, 0), d.next_due,
       (SELECT s.held_on FROM sessions s WHERE s.pupil_id = p.id AND s.held_on <= :today
          AND s.withdrawn_at IS NULL ORDER BY s.held_on DESC LIMIT 1)
FROM pupils p
LEFT JOIN (
    SELECT pl.pupil_id AS pupil_id,
           min(CASE WHEN rd.due_date < :today THEN rd.due_date END) AS first_overdue,
           count(CASE WHEN rd.due_date < :today THEN 1 END) AS n_overdue,
           min(CASE WHEN rd.due_date >= :today THEN rd.due_date END) AS next_due
    FROM plans pl JOIN review_due_dates rd ON rd.plan_id = pl.id
    WHERE pl.status = 'active' AND rd.held_at IS NULL AND rd.due_date <= :until
      AND NOT EXISTS (SELECT 1 FROM reviews r
                      WHERE r.plan_id = rd.plan_id AND r.due_date = rd.due_date
                        AND r.status = 'signed')
    GROUP BY pl.pupil_id
) d ON d.pupil_id = p.id
WHERE p.status = 'active'";

/// The SQL of the users listed: key adults, and anyone else holding active pupils.
pub const USERS_SQL: &str = "
SELECT u.id, u.name, u.role, u.removed_at IS NOT NULL FROM users u
WHERE (u.role = 'key_adult' AND u.removed_at IS NULL)
   OR u.id IN (SELECT key_adult_id FROM pupils WHERE status = 'active' AND key_adult_id IS NOT NULL)";

struct PupilFigures {
    pupil: (i64, String, String),
    key_adult: Option<String>,
    first_overdue: Option<NaiveDate>,
    n_overdue: u32,
    next_due: Option<NaiveDate>,
    last_session: Option<NaiveDate>,
}

/// The overview (strategic lead only; see the module's notes). `today` decides what is due,
/// overdue and recent; `now` stamps the audit entry.
pub fn overview(
    vault: &Vault,
    query: &OverviewQuery,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Overview> {
    let user = access::require_lead(
        vault,
        Action::OverviewView,
        None,
        "see the overview of every caseload",
        now,
    )?;
    check_weeks("due_weeks", "ahead for reviews due", query.due_weeks)?;
    check_weeks("session_weeks", "without a session", query.session_weeks)?;
    let due_until = today + Duration::weeks(i64::from(query.due_weeks));
    let sessions_since = today - Duration::weeks(i64::from(query.session_weeks));
    let conn = vault.conn()?;

    let mut stmt = conn.prepare(PUPILS_SQL)?;
    let figures = stmt
        .query_map(
            named_params! { ":today": d2s(today), ":until": d2s(due_until) },
            |r| {
                let preferred: Option<String> = r.get(1)?;
                let forename: String = r.get(2)?;
                Ok(PupilFigures {
                    pupil: (r.get(0)?, preferred.unwrap_or(forename), r.get(3)?),
                    key_adult: r.get(4)?,
                    first_overdue: get_opt_date(r, 5)?,
                    n_overdue: r.get(6)?,
                    next_due: get_opt_date(r, 7)?,
                    last_session: get_opt_date(r, 8)?,
                })
            },
        )?
        .collect::<std::result::Result<Vec<_>, _>>()?;

    // Rows keyed by user id ("" for no key adult, sorted last below).
    let mut rows: BTreeMap<String, OverviewRow> = BTreeMap::new();
    let mut stmt = conn.prepare(USERS_SQL)?;
    let users = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    for u in users {
        let (id, name, role, removed) = u?;
        rows.insert(
            id.clone(),
            empty_row(
                Some(UserRef { id, name }),
                role == "strategic_lead",
                removed,
            ),
        );
    }
    let total_pupils = figures.len() as u32;
    for f in figures {
        let key = f.key_adult.clone().unwrap_or_default();
        let row = rows
            .entry(key)
            .or_insert_with(|| empty_row(None, false, false));
        row.caseload += 1;
        let named = |date: Option<NaiveDate>, count: u32| OverviewPupil {
            pupil_id: f.pupil.0,
            preferred_name: f.pupil.1.clone(),
            surname: f.pupil.2.clone(),
            date,
            count,
        };
        if f.n_overdue > 0 {
            row.overdue.push(named(f.first_overdue, f.n_overdue));
            row.overdue_reviews += f.n_overdue;
        }
        if let Some(d) = f.next_due {
            row.due.push(named(Some(d), 1));
        }
        if f.last_session.is_none_or(|d| d < sessions_since) {
            row.no_recent_session.push(named(f.last_session, 1));
        }
    }

    let name_key = |p: &OverviewPupil| (p.surname.to_lowercase(), p.preferred_name.to_lowercase());
    let mut out: Vec<OverviewRow> = rows.into_values().collect();
    for r in &mut out {
        r.due.sort_by_key(|p| (p.date, name_key(p)));
        r.overdue.sort_by_key(|p| (p.date, name_key(p)));
        r.no_recent_session
            .sort_by_key(|p| (p.date.is_some(), p.date, name_key(p)));
    }
    out.sort_by_key(|r| {
        (
            r.key_adult.is_none(),
            r.key_adult
                .as_ref()
                .map(|k| k.name.to_lowercase())
                .unwrap_or_default(),
        )
    });
    // A school vault's laptops whose work has not come in for a while (issue 17): their
    // sessions are missing from every figure above until it does.
    let mut laptops_not_synced: Vec<_> = crate::transfer::enrol::laptops(vault, now)?
        .into_iter()
        .filter(|l| l.stale)
        .collect();
    laptops_not_synced.sort_by_key(|l| std::cmp::Reverse(l.days_since_sync));
    access::record(conn, &user, Action::OverviewView, None, now)?;
    Ok(Overview {
        due_weeks: query.due_weeks,
        session_weeks: query.session_weeks,
        today,
        due_until,
        sessions_since,
        rows: out,
        total_pupils,
        laptops_not_synced,
    })
}

fn empty_row(key_adult: Option<UserRef>, is_lead: bool, removed: bool) -> OverviewRow {
    OverviewRow {
        key_adult,
        is_lead,
        removed,
        caseload: 0,
        due: Vec::new(),
        overdue: Vec::new(),
        overdue_reviews: 0,
        no_recent_session: Vec::new(),
    }
}
