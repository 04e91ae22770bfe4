//! The tamper-evident audit log. Each entry's hash is SHA-256 over the previous entry's hash
//! and this entry's fields, so changing, inserting or deleting a row breaks the chain from
//! that row on, and `verify` names the first broken entry. Entries hold who, when, what and
//! the record's id, never the record's content.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
}

/// What to record. `outcome` is "ok", "refused", "failed" or similar.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: time::OffsetDateTime,
    pub actor_id: Option<&'a str>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
}

fn entry_hash(prev: &[u8], at: &str, e: &NewEntry<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    for field in [
        prev,
        at.as_bytes(),
        e.actor_id.unwrap_or("").as_bytes(),
        e.actor_name.as_bytes(),
        e.action.as_bytes(),
        e.target.unwrap_or("").as_bytes(),
        e.outcome.as_bytes(),
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field);
    }
    h.finalize().to_vec()
}

pub fn format_time(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Append one entry to the chain.
pub fn append(conn: &Connection, e: &NewEntry<'_>) -> Result<i64> {
    let prev: Vec<u8> = conn
        .query_row(
            "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| vec![0u8; 32]);
    let at = format_time(e.at);
    let hash = entry_hash(&prev, &at, e);
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, outcome, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            at,
            e.actor_id,
            e.actor_name,
            e.action,
            e.target,
            e.outcome,
            prev,
            hash
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Walk the chain. `Ok(None)` when intact; `Ok(Some(seq))` names the first entry whose
/// hash or link does not hold.
pub fn verify(conn: &Connection) -> Result<Option<i64>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = vec![0u8; 32];
    let mut expected_seq: Option<i64> = None;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let actor_id: Option<String> = r.get(2)?;
        let actor_name: String = r.get(3)?;
        let action: String = r.get(4)?;
        let target: Option<String> = r.get(5)?;
        let outcome: String = r.get(6)?;
        let prev_hash: Vec<u8> = r.get(7)?;
        let hash: Vec<u8> = r.get(8)?;
        // A deleted row leaves a gap in the sequence.
        if expected_seq.is_some_and(|x| x != seq) {
            return Ok(Some(seq));
        }
        let e = NewEntry {
            at: time::OffsetDateTime::UNIX_EPOCH,
            actor_id: actor_id.as_deref(),
            actor_name: &actor_name,
            action: &action,
            target: target.as_deref(),
            outcome: &outcome,
        };
        if prev_hash != prev || entry_hash(&prev, &at, &e) != hash {
            return Ok(Some(seq));
        }
        prev = hash;
        expected_seq = Some(seq + 1);
    }
    Ok(None)
}

/// The newest entries first, optionally only those whose action starts with `action`.
pub fn list(conn: &Connection, action: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_name, action, target, outcome FROM audit_log
         WHERE (?1 IS NULL OR action LIKE ?1 || '%') ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![action, limit], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor_name: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            outcome: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
