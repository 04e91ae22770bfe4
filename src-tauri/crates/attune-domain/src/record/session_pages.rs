//! Every session of a pupil's time with their key adult, a page at a time (issue 16, item 2):
//! newest first (withdrawn ones left out), filtered by kind and by dates (a term, a school year), with a cursor that stays
//! right while sessions are added. Keyset paging on `(held_on, id)` over the index
//! `sessions_pupil (pupil_id, held_on)`, so a page costs the same on the third year as the first
//! (`attune-admin bench`, "a page of sessions").

use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use crate::access;
use crate::error::{Error, Result};
use crate::model::{EntryKind, SessionCursor, SessionPage, SessionPeriod, SessionQuery};
use crate::planning::calendars::{school_year_start, stored_calendar};
use crate::record::records::{session_row, SESSION_SELECT};
use crate::record::versions::{self, Show};
use crate::rules::calendar::{year_label, SchoolCalendar};
use crate::store::{d2s, get_opt_date};

/// The most sessions one page may ask for.
pub const MAX_PAGE: u32 = 200;

/// One page of a pupil's sessions, newest first, that match `query`; `next` continues after the
/// last one shown (none when this page is the last), `total` counts every match. Audited as
/// `session.list`.
pub fn page_sessions(
    vault: &Vault,
    pupil_id: i64,
    query: &SessionQuery,
    now: DateTime<Utc>,
) -> Result<SessionPage> {
    let user = access::require_pupil(vault, pupil_id, Action::SessionList, now)?;
    if !(1..=MAX_PAGE).contains(&query.limit) {
        return Err(Error::invalid(
            "limit",
            format!("A page holds 1 to {MAX_PAGE} sessions."),
        ));
    }
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(Error::invalid(
                "from",
                "The first day comes before the last day.",
            ));
        }
    }
    let conn = vault.conn()?;
    // Withdrawn sessions are not browsed (the pupil's page shows them apart, to the lead).
    let filter = "s.pupil_id = :pupil AND s.withdrawn_at IS NULL
         AND (:kind IS NULL OR s.kind = :kind)
         AND (:from IS NULL OR s.held_on >= :from)
         AND (:to IS NULL OR s.held_on <= :to)";
    let kind = query.kind.map(|k| k.as_str());
    let from = query.from.map(d2s);
    let to = query.to.map(d2s);
    let total: u32 = conn.query_row(
        &format!("SELECT count(*) FROM sessions s WHERE {filter}"),
        rusqlite::named_params! {":pupil": pupil_id, ":kind": kind, ":from": from, ":to": to},
        |r| r.get(0),
    )?;
    let (after_day, after_id) = match &query.after {
        Some(c) => (Some(d2s(c.held_on)), Some(c.id)),
        None => (None, None),
    };
    let mut stmt = conn.prepare(&format!(
        "{SESSION_SELECT} WHERE {filter}
           AND (:after_day IS NULL OR (s.held_on, s.id) < (:after_day, :after_id))
         ORDER BY s.held_on DESC, s.id DESC LIMIT :limit"
    ))?;
    let mut sessions = stmt
        .query_map(
            rusqlite::named_params! {
                ":pupil": pupil_id, ":kind": kind, ":from": from, ":to": to,
                ":after_day": after_day, ":after_id": after_id, ":limit": query.limit + 1,
            },
            session_row,
        )?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let next = if sessions.len() > query.limit as usize {
        sessions.truncate(query.limit as usize);
        sessions.last().map(|s| SessionCursor {
            held_on: s.held_on,
            id: s.id,
        })
    } else {
        None
    };
    // Each shown session with its corrections (their earlier values for the lead only).
    versions::attach(
        conn,
        pupil_id,
        EntryKind::Session,
        sessions.iter_mut().map(|e| (e.id, &mut e.changes)),
        Show::for_user(&user),
    )?;
    access::record(
        conn,
        &user,
        Action::SessionList,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    let periods = if query.after.is_none() {
        periods(conn, pupil_id)?
    } else {
        Vec::new()
    };
    Ok(SessionPage {
        sessions,
        total,
        next,
        periods,
    })
}

/// The school years the pupil's sessions span and their terms, newest first, leaving out those
/// without a session. A year's terms are the school's calendar for it where the lead entered
/// one, else the UK default dates (see [`SchoolCalendar::uk_default`]); a year runs from 1
/// August (as [`school_year_start`] counts) so a session in a holiday is in its year.
fn periods(conn: &Connection, pupil_id: i64) -> Result<Vec<SessionPeriod>> {
    let (first, last) = conn.query_row(
        "SELECT min(held_on), max(held_on) FROM sessions WHERE pupil_id = ?1 AND withdrawn_at IS NULL",
        [pupil_id],
        |r| Ok((get_opt_date(r, 0)?, get_opt_date(r, 1)?)),
    )?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Vec::new());
    };
    let mut count = conn.prepare_cached(
        "SELECT count(*) FROM sessions WHERE pupil_id = ?1 AND withdrawn_at IS NULL
           AND held_on >= ?2 AND held_on <= ?3",
    )?;
    let mut out = Vec::new();
    for year in (school_year_start(first)..=school_year_start(last)).rev() {
        let from = NaiveDate::from_ymd_opt(year, 8, 1).expect("1 August is a day");
        let to = NaiveDate::from_ymd_opt(year + 1, 7, 31).expect("31 July is a day");
        let n: u32 = count.query_row(rusqlite::params![pupil_id, d2s(from), d2s(to)], |r| {
            r.get(0)
        })?;
        if n == 0 {
            continue;
        }
        let label = year_label(year);
        out.push(SessionPeriod {
            label: format!("The school year {label}"),
            whole_year: true,
            from,
            to,
            sessions: n,
        });
        let calendar =
            stored_calendar(conn, &label)?.unwrap_or_else(|| SchoolCalendar::uk_default(year));
        let mut terms = calendar.terms;
        terms.sort_by_key(|t| std::cmp::Reverse(t.start));
        for t in terms {
            let n: u32 = count
                .query_row(rusqlite::params![pupil_id, d2s(t.start), d2s(t.end)], |r| {
                    r.get(0)
                })?;
            if n > 0 {
                out.push(SessionPeriod {
                    label: format!("{} term {label}", t.name),
                    whole_year: false,
                    from: t.start,
                    to: t.end,
                    sessions: n,
                });
            }
        }
    }
    Ok(out)
}
