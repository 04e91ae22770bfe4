//! Full-text search over everything a person writes: pupil names, goal outcomes, session notes,
//! chronology entries, reviews (every text section, and a signed review's amendments), "about
//! me", outside-agency advice, the TouchBase team and supervision notes.
//!
//! The index is an SQLite FTS5 table (`search_index`) inside the encrypted database, kept in
//! step by triggers (see migration 0022, which numbers rows `record id * 16 + kind`), so there
//! is no index anywhere else. Words are matched as prefixes, accents and case ignored ("zoe"
//! finds "Zoë"); every word must match.
//!
//! # Who finds what
//!
//! Hits are only ever what the session may read, and the rule is part of the FTS query: each
//! row's `who` column holds `pupil<id>` (a row of a pupil's record) or `adult<user id>` (a
//! supervision note, which is no one pupil's). A strategic lead's query has no such filter; a
//! key adult's keeps to the pupils the [`crate::access`] pupil rule lets them see (their
//! current, unarchived pupils, found with [`VISIBLE`]) and to the supervision notes about
//! them. Every hit returned is checked again against the same rules before it is shown.
//!
//! # Order
//!
//! Pupils' names first, then the rest best first (bm25 over the written words). A common word
//! can match tens of thousands of rows, and ranking them all costs more than the 50 ms a search
//! may take, so when more than [`RANKED`] rows match only the [`RANKED`] newest (highest ids)
//! are ranked.
//!
//! A search is audited as `search` without the words searched for, which may be a name.

use std::collections::HashMap;

use attune_vault::{Action, Role, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{named_params, Connection, OptionalExtension};

use crate::access::{self, VISIBLE};
use crate::error::Result;
use crate::model::{HitKind, SearchHit, UserRef};
use crate::store;

/// How many rows of a common word are ranked (see the module's notes).
pub const RANKED: u32 = 500;

/// How many kinds the index's rowid leaves room for (`rowid = id * KINDS + kind`).
const KINDS: i64 = 16;

/// The kind numbered `n` in the index (see migration 0022).
fn kind_of(n: i64) -> Option<HitKind> {
    Some(match n {
        0 => HitKind::Pupil,
        1 => HitKind::Goal,
        2 => HitKind::SessionNote,
        3 => HitKind::Chronology,
        4 => HitKind::Review,
        5 => HitKind::ReviewAmendment,
        6 => HitKind::AboutMe,
        7 => HitKind::Advice,
        8 => HitKind::TeamMember,
        9 => HitKind::SupervisionNote,
        _ => return None,
    })
}

/// The most hits returned.
pub const MAX_HITS: u32 = 200;

/// The FTS5 query for what a person typed: each word quoted, as a prefix, all required.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The `who` tokens of what `user` may read, as an FTS5 expression; `None` for everything.
fn readable(conn: &Connection, user: &attune_vault::UserInfo) -> Result<Option<String>> {
    if user.role == Role::StrategicLead {
        return Ok(None);
    }
    let (role, me) = access::visibility_params(user);
    let mut stmt = conn.prepare(&format!("SELECT p.id FROM pupils p WHERE {VISIBLE}"))?;
    let mut tokens: Vec<String> = stmt
        .query_map(named_params! { ":role": role, ":me": me }, |r| {
            r.get::<_, i64>(0)
        })?
        .map(|id| id.map(|id| format!("\"pupil{id}\"")))
        .collect::<std::result::Result<_, _>>()?;
    tokens.push(format!("\"adult{}\"", user.id.replace('"', "")));
    Ok(Some(tokens.join(" OR ")))
}

/// Searches everything the session may read; at most `limit` hits (capped at [`MAX_HITS`]),
/// pupils' names first, then best first.
pub fn search(vault: &Vault, text: &str, limit: u32, now: DateTime<Utc>) -> Result<Vec<SearchHit>> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let Some(words) = fts_query(text) else {
        return Ok(Vec::new());
    };
    let limit = limit.min(MAX_HITS);
    let body = format!("body : ({words})");
    let mine = match readable(conn, &user)? {
        Some(who) => format!("{body} AND who : ({who})"),
        None => body.clone(),
    };
    // Pupils' names: few rows, all ranked.
    let mut rowids: Vec<i64> = {
        let mut stmt = conn.prepare(
            "SELECT rowid FROM search_index WHERE search_index MATCH :q
             ORDER BY bm25(search_index, 0.0, 0.0, 0.0, 1.0) LIMIT :limit",
        )?;
        let q = format!("{mine} AND who : kind0");
        let ids = stmt.query_map(named_params! { ":q": q, ":limit": limit }, |r| r.get(0))?;
        ids.collect::<std::result::Result<_, _>>()?
    };
    // Everything else, ranked among the newest RANKED matches (the names again among them are
    // skipped: leaving them out of the query with NOT costs more than it saves).
    // Counted, then walked forwards: asking FTS5 for the matches newest first (ORDER BY rowid
    // DESC) walks a prefix query's merged doclist backwards, which measured 500 ms for "lego"
    // in the benchmark's vault against a few for these two.
    let matches: i64 = conn.query_row(
        "SELECT count(*) FROM search_index WHERE search_index MATCH :q",
        named_params! { ":q": mine },
        |r| r.get(0),
    )?;
    let from: i64 = if matches > i64::from(RANKED) {
        conn.query_row(
            "SELECT rowid FROM search_index WHERE search_index MATCH :q
             ORDER BY rowid LIMIT 1 OFFSET :n",
            named_params! { ":q": mine, ":n": matches - i64::from(RANKED) - 1 },
            |r| r.get(0),
        )?
    } else {
        i64::MIN
    };
    {
        let mut stmt = conn.prepare(
            "SELECT rowid FROM search_index WHERE search_index MATCH :q AND rowid > :from
             ORDER BY bm25(search_index, 0.0, 0.0, 0.0, 1.0) LIMIT :limit",
        )?;
        let names = rowids.len() as u32;
        let ids = stmt.query_map(
            named_params! { ":q": mine, ":from": from, ":limit": limit + names },
            |r| r.get::<_, i64>(0),
        )?;
        for id in ids {
            let id = id?;
            if id.rem_euclid(KINDS) != 0 {
                rowids.push(id);
            }
        }
    }
    rowids.truncate(limit as usize);

    let mut row =
        conn.prepare("SELECT pupil_id, key_adult_id FROM search_index WHERE rowid = :rowid")?;
    let (role, me) = access::visibility_params(&user);
    let mut pupil = conn.prepare(&format!(
        "SELECT p.preferred_name, p.legal_forename, p.legal_surname FROM pupils p
         WHERE p.id = :id AND {VISIBLE}"
    ))?;
    let mut hits = Vec::new();
    for rowid in rowids {
        let Some(kind) = kind_of(rowid.rem_euclid(KINDS)) else {
            continue;
        };
        let (pupil_id, key_adult): (Option<i64>, Option<String>) = row
            .query_row(named_params! { ":rowid": rowid }, |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        // The same rules again, on the row's values rather than its tokens.
        let pupil_name = match (pupil_id, key_adult) {
            (Some(id), _) => {
                let name = pupil
                    .query_row(named_params! { ":id": id, ":role": role, ":me": me }, |r| {
                        let preferred: Option<String> = r.get(0)?;
                        let forename: String = r.get(1)?;
                        let surname: String = r.get(2)?;
                        Ok(store::display_name(
                            &forename,
                            &surname,
                            preferred.as_deref(),
                        ))
                    })
                    .optional()?;
                match name {
                    Some(name) => name,
                    None => continue,
                }
            }
            (None, Some(ka)) if user.role == Role::StrategicLead || ka == user.id => String::new(),
            _ => continue,
        };
        let mut hit = SearchHit {
            kind,
            pupil_id,
            pupil_name,
            record_id: rowid.div_euclid(KINDS),
            date: None,
            source: None,
            key_adult: None,
            snippet: String::new(),
        };
        if !describe(conn, &mut hit)? {
            continue;
        }
        hits.push((rowid, hit));
    }
    let mut snippets = snippets(conn, &body, hits.iter().map(|(rowid, _)| *rowid))?;
    let hits = hits
        .into_iter()
        .map(|(rowid, mut hit)| {
            hit.snippet = snippets.remove(&rowid).unwrap_or_default();
            hit
        })
        .collect();
    access::record(conn, &user, Action::Search, None, now)?;
    Ok(hits)
}

/// A few words around the match of `q` in each of `rowids`, the matched words between `[` and
/// `]`. One query for them all: a prefix query is evaluated afresh by each statement (every
/// word starting so merged, several milliseconds for a common word), so not once per hit; the
/// snippet itself is made only for the rows asked for.
fn snippets(
    conn: &Connection,
    q: &str,
    rowids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let rowids: Vec<i64> = rowids.collect();
    let (Some(lo), Some(hi)) = (rowids.iter().min(), rowids.iter().max()) else {
        return Ok(HashMap::new());
    };
    let list = rowids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut stmt = conn.prepare(
        "SELECT rowid, snippet(search_index, 3, '[', ']', '…', 12) FROM search_index
         WHERE search_index MATCH :q AND rowid BETWEEN :lo AND :hi
           AND +rowid IN (SELECT value FROM json_each(:ids))",
    )?;
    let rows = stmt.query_map(
        named_params! { ":q": q, ":lo": lo, ":hi": hi, ":ids": format!("[{list}]") },
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Fills in what says which record a hit is (a review's date, who gave advice, the key adult
/// a supervision note is about); an amendment's hit becomes its review's. False when the
/// record has gone (the index is kept by triggers, so only in a broken vault).
fn describe(conn: &Connection, hit: &mut SearchHit) -> Result<bool> {
    let id = hit.record_id;
    let found = match hit.kind {
        HitKind::Review | HitKind::ReviewAmendment => {
            let sql = if hit.kind == HitKind::Review {
                "SELECT id, coalesce(held_on, due_date) FROM reviews WHERE id = ?1"
            } else {
                "SELECT r.id, coalesce(r.held_on, r.due_date) FROM review_amendments a
                 JOIN reviews r ON r.id = a.review_id WHERE a.id = ?1"
            };
            conn.query_row(sql, [id], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))
                .optional()?
                .map(|(review, date)| {
                    hit.record_id = review;
                    hit.date = Some(date);
                })
        }
        HitKind::Advice => conn
            .query_row(
                "SELECT advised_on, source FROM agency_advice WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .map(|(date, source)| {
                hit.date = Some(date);
                hit.source = Some(source);
            }),
        HitKind::SupervisionNote => conn
            .query_row(
                "SELECT n.held_on, u.id, u.name FROM supervision_notes n
                 JOIN users u ON u.id = n.key_adult_id WHERE n.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .map(|(date, id, name)| {
                hit.date = Some(date);
                hit.key_adult = Some(UserRef { id, name });
            }),
        _ => Some(()),
    };
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_quote_every_word() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("lego club"), Some("\"lego\"* \"club\"*".into()));
        assert_eq!(
            fts_query("O'Brien \"x\" OR"),
            Some("\"O\"* \"Brien\"* \"x\"* \"OR\"*".into())
        );
    }
}
