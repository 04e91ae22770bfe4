//! Every session of a pupil's time with their key adult, a page at a time (issue 16, item 2):
//! newest first (withdrawn ones left out), filtered by kind and by dates (a term, a school year), with a cursor that stays
//! right while sessions are added. Keyset paging on `(held_on, id)` over the index
//! `sessions_pupil (pupil_id, held_on)`, so a page costs the same on the third year as the first
//! (`attune-admin bench`, "a page of sessions").

use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};

use crate::access;
use crate::error::{Error, Result};
use crate::model::{EntryKind, SessionCursor, SessionPage, SessionQuery};
use crate::record::records::{session_row, SESSION_SELECT};
use crate::record::versions::{self, Show};
use crate::store::d2s;

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
    Ok(SessionPage {
        sessions,
        total,
        next,
    })
}
