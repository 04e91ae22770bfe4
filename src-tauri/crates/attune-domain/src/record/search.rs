//! Full-text search over pupil names, goal outcomes, session notes and chronology entries.
//!
//! The index is an SQLite FTS5 table (`search_index`) inside the encrypted database, kept in
//! step by triggers (see the records migration), so there is no index anywhere else. Words are
//! matched as prefixes, accents and case ignored ("zoe" finds "Zoë"); every word must match.
//! Hits are only ever for pupils the session may see (the [`crate::access`] rule is part of the
//! query). A search is audited as `search` without the words searched for, which may be a name.

use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};
use rusqlite::named_params;

use crate::access::{self, VISIBLE};
use crate::error::Result;
use crate::model::{HitKind, SearchHit};
use crate::store;

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

/// Searches everything the session may see; at most `limit` hits (capped at [`MAX_HITS`]),
/// best first.
pub fn search(vault: &Vault, text: &str, limit: u32, now: DateTime<Utc>) -> Result<Vec<SearchHit>> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let Some(q) = fts_query(text) else {
        return Ok(Vec::new());
    };
    let (role, me) = access::visibility_params(&user);
    // Best first over every match, but only what is cheap goes through the sort: a snippet
    // costs more than the rest of a row together, and SQLite makes a row's columns before it
    // sorts, so snippets are made afterwards for the hits returned, not for every match of a
    // common word.
    let sql = format!(
        "SELECT search_index.rowid, p.id, p.preferred_name, p.legal_forename, p.legal_surname
         FROM search_index JOIN pupils p ON p.id = search_index.pupil_id
         WHERE search_index MATCH :q AND {VISIBLE}
         ORDER BY rank LIMIT :limit"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut snippet = conn.prepare(
        "SELECT snippet(search_index, 0, '[', ']', '…', 12) FROM search_index
         WHERE search_index MATCH :q AND rowid = :rowid",
    )?;
    let rows = stmt.query_map(
        named_params! { ":q": q, ":role": role, ":me": me, ":limit": limit.min(MAX_HITS) },
        |r| {
            let rowid: i64 = r.get(0)?;
            let preferred: Option<String> = r.get(2)?;
            let forename: String = r.get(3)?;
            let surname: String = r.get(4)?;
            Ok((
                rowid,
                SearchHit {
                    kind: match rowid % 4 {
                        0 => HitKind::Pupil,
                        1 => HitKind::Goal,
                        2 => HitKind::SessionNote,
                        _ => HitKind::Chronology,
                    },
                    record_id: rowid / 4,
                    pupil_id: r.get(1)?,
                    pupil_name: store::display_name(&forename, &surname, preferred.as_deref()),
                    snippet: String::new(),
                },
            ))
        },
    )?;
    let mut hits = Vec::new();
    for row in rows {
        let (rowid, mut hit) = row?;
        hit.snippet =
            snippet.query_row(named_params! { ":q": q, ":rowid": rowid }, |r| r.get(0))?;
        hits.push(hit);
    }
    access::record(conn, &user, Action::Search, None, now)?;
    Ok(hits)
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
