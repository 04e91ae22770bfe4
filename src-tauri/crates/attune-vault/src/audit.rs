//! The tamper-evident audit log: a keyed chain. Each entry's MAC is HMAC-SHA256, under the
//! chain key kept in the encrypted `audit_secret` table (derived from the vault key when the
//! chain was keyed, migration 0008), over the entry's sequence number, the previous entry's
//! MAC and this entry's fields. Changing, inserting or deleting a row breaks the chain from
//! that row on, and `verify` names the first broken entry; a cut tail shows against
//! `sqlite_sequence` (seq is AUTOINCREMENT, never reused) and against the anchor kept outside
//! the database (the key-slot file's record, a backup's header). Triggers refuse any UPDATE
//! or DELETE of the table. Entries hold who, when, what and the record's id, never the
//! record's content.
//!
//! A database from before 0008 (only ever seen while migrating) has the older unkeyed
//! SHA-256 chain; [`append`] and [`verify`] still read it.

use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zeroize::Zeroizing;

pub use crate::actions::Action;
use crate::error::Result;
use crate::progress::Work;

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
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<&'a str>,
    pub actor_name: &'a str,
    pub action: Action,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
}

/// An entry's fields as the chain hashes them: what [`append`] writes, or what a stored row
/// holds (whatever action text it has) when the chain is checked.
struct Fields<'a> {
    actor_id: Option<&'a str>,
    actor_name: &'a str,
    action: &'a str,
    target: Option<&'a str>,
    outcome: &'a str,
}

impl<'a> From<&'a NewEntry<'a>> for Fields<'a> {
    fn from(e: &'a NewEntry<'a>) -> Self {
        Fields {
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            action: e.action.as_str(),
            target: e.target,
            outcome: e.outcome,
        }
    }
}

fn entry_hash(prev: &[u8], at: &str, e: &Fields<'_>) -> Vec<u8> {
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

const CHAIN_CONTEXT: &[u8] = b"attune-audit-chain/1";

/// The keyed chain's MAC of one entry.
fn entry_mac(key: &[u8], seq: i64, prev: &[u8], at: &str, e: &Fields<'_>) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    let seq = seq.to_le_bytes();
    for field in [
        CHAIN_CONTEXT,
        &seq[..],
        prev,
        at.as_bytes(),
        e.actor_id.unwrap_or("").as_bytes(),
        e.actor_name.as_bytes(),
        e.action.as_bytes(),
        e.target.unwrap_or("").as_bytes(),
        e.outcome.as_bytes(),
    ] {
        m.update(&(field.len() as u64).to_le_bytes());
        m.update(field);
    }
    m.finalize().into_bytes().to_vec()
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

/// The chain key, or `None` in a database from before the chain was keyed.
fn chain_key(conn: &Connection) -> Result<Option<Zeroizing<Vec<u8>>>> {
    if !table_exists(conn, "audit_secret")? {
        return Ok(None);
    }
    let k: Option<Vec<u8>> = conn
        .query_row("SELECT secret FROM audit_secret WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    match k {
        Some(k) if k.len() == 32 => Ok(Some(Zeroizing::new(k))),
        _ => Err(crate::Error::VaultDamaged(
            "the audit log's key is missing or damaged".into(),
        )),
    }
}

/// The highest sequence number ever given out (`sqlite_sequence`), when the table has one.
fn issued_seq(conn: &Connection) -> Result<Option<i64>> {
    if !table_exists(conn, "sqlite_sequence")? {
        return Ok(None);
    }
    Ok(conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Key the chain (migration 0008, inside its transaction, before the triggers exist): store
/// the chain key derived from `vault_key`, re-chain every existing row under it, and audit
/// the upgrade itself.
pub(crate) fn key_the_chain(
    conn: &Connection,
    vault_key: &crate::secret::VaultKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let hk = hkdf::Hkdf::<Sha256>::new(None, &vault_key.0);
    let mut k = Zeroizing::new([0u8; 32]);
    hk.expand(CHAIN_CONTEXT, k.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    conn.execute(
        "INSERT INTO audit_secret (id, secret) VALUES (1, ?1)",
        [&k[..]],
    )?;
    let rows: Vec<AuditRow> = {
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor_id, actor_name, action, target, outcome FROM audit_log ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut prev = vec![0u8; 32];
    for (seq, at, actor_id, actor_name, action, target, outcome) in &rows {
        let e = Fields {
            actor_id: actor_id.as_deref(),
            actor_name,
            action,
            target: target.as_deref(),
            outcome,
        };
        let mac = entry_mac(&k[..], *seq, &prev, at, &e);
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            params![seq, prev, mac],
        )?;
        prev = mac;
    }
    if rows.is_empty() {
        // A new vault: nothing was upgraded.
        return Ok(());
    }
    let entries = rows.len().to_string();
    append(
        conn,
        &NewEntry {
            at: now,
            actor_id: None,
            actor_name: "Attune",
            action: Action::AuditKeyed,
            target: Some(&entries),
            outcome: "ok",
        },
    )?;
    Ok(())
}

/// One audit row's fields as stored: seq, at, actor id, actor name, action, target, outcome.
type AuditRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
);

/// The chain's head: the newest entry's sequence number and MAC.
pub fn head(conn: &Connection) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Whether the entry `seq` exists.
pub fn has_entry(conn: &Connection, seq: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE seq = ?1)",
        [seq],
        |r| r.get(0),
    )?)
}

/// A tail cut below the highest sequence number ever issued: the first one missing.
pub fn cut_tail(conn: &Connection) -> Result<Option<i64>> {
    let Some(issued) = issued_seq(conn)? else {
        return Ok(None);
    };
    let last = head(conn)?.map(|h| h.0).unwrap_or(0);
    Ok((issued > last).then_some(last + 1))
}

/// Check the chain against a head recorded outside the database (`seq`, MAC). `Ok(None)`
/// when the entry is there with that MAC; otherwise the first sequence number missing (the
/// tail was cut) or, if the entry is there with another MAC, its own (it was rewritten).
pub fn check_anchor(conn: &Connection, seq: i64, mac: &[u8]) -> Result<Option<i64>> {
    let found: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .optional()?;
    match found {
        Some(h) if h == mac => Ok(None),
        Some(_) => Ok(Some(seq)),
        None => {
            let below: i64 = conn.query_row(
                "SELECT coalesce(max(seq), 0) FROM audit_log WHERE seq < ?1",
                [seq],
                |r| r.get(0),
            )?;
            Ok(Some(below + 1))
        }
    }
}

/// Append one entry to the chain.
pub fn append(conn: &Connection, e: &NewEntry<'_>) -> Result<i64> {
    let last: Option<(i64, Vec<u8>)> = head(conn)?;
    let at = crate::datetime::format_instant(e.at);
    let Some(key) = chain_key(conn)? else {
        // Before migration 0008: the unkeyed chain.
        let prev = last.map(|l| l.1).unwrap_or_else(|| vec![0u8; 32]);
        let hash = entry_hash(&prev, &at, &Fields::from(e));
        conn.execute(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, target, outcome, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![at, e.actor_id, e.actor_name, e.action.as_str(), e.target, e.outcome, prev, hash],
        )?;
        return Ok(conn.last_insert_rowid());
    };
    // Never reuse a number: above both the newest row and the newest number ever issued.
    let seq = last
        .as_ref()
        .map(|l| l.0)
        .unwrap_or(0)
        .max(issued_seq(conn)?.unwrap_or(0))
        + 1;
    let prev = last.map(|l| l.1).unwrap_or_else(|| vec![0u8; 32]);
    let hash = entry_mac(&key, seq, &prev, &at, &Fields::from(e));
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![seq, at, e.actor_id, e.actor_name, e.action.as_str(), e.target, e.outcome, prev, hash],
    )?;
    Ok(seq)
}

/// Walk the chain. `Ok(None)` when intact; `Ok(Some(seq))` names the first entry whose
/// MAC or link does not hold, or the first one missing (a gap, or a tail cut below the
/// highest number ever issued).
pub fn verify(conn: &Connection) -> Result<Option<i64>> {
    verify_with(conn, &Work::none())
}

/// [`verify`], reporting each entry checked to `work` (phase "checking") and stopping when
/// asked ([`Error::Cancelled`](crate::Error::Cancelled); it only reads).
pub fn verify_with(conn: &Connection, work: &Work<'_>) -> Result<Option<i64>> {
    Ok(verify_in_phase(conn, work, "checking")?.0)
}

/// [`verify_with`], reporting its steps under `phase`; also returns how many entries it
/// checked (the vault's full check reports them).
pub fn verify_in_phase(
    conn: &Connection,
    work: &Work<'_>,
    phase: &'static str,
) -> Result<(Option<i64>, u64)> {
    let key = chain_key(conn)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    let total = total.max(0) as u64;
    let mut checked = 0u64;
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = vec![0u8; 32];
    let mut expected_seq: Option<i64> = if key.is_some() { Some(1) } else { None };
    let mut last = 0i64;
    while let Some(r) = rows.next()? {
        work.step(phase, checked, total)?;
        checked += 1;
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
        if let Some(x) = expected_seq {
            if x != seq {
                return Ok((Some(x.min(seq)), checked));
            }
        }
        let e = Fields {
            actor_id: actor_id.as_deref(),
            actor_name: &actor_name,
            action: &action,
            target: target.as_deref(),
            outcome: &outcome,
        };
        let expected = match &key {
            Some(k) => entry_mac(k, seq, &prev, &at, &e),
            None => entry_hash(&prev, &at, &e),
        };
        if prev_hash != prev || expected != hash {
            return Ok((Some(seq), checked));
        }
        prev = hash;
        expected_seq = Some(seq + 1);
        last = seq;
    }
    if key.is_some() {
        if let Some(issued) = issued_seq(conn)? {
            if issued > last {
                return Ok((Some(last + 1), checked));
            }
        }
    }
    let _ = work.step(phase, total, total);
    Ok((None, checked))
}

/// One entry of an audit chain as it travels to another vault (issue 17: the school keeps
/// every laptop's chain): every field the MAC covers, the MAC and the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// This vault's chain entries after `seq`, in order.
pub fn entries_after(conn: &Connection, seq: i64) -> Result<Vec<ChainEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_name, action, target, outcome, prev_hash, hash
         FROM audit_log WHERE seq > ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([seq], |r| {
        Ok(ChainEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor_name: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            outcome: r.get(6)?,
            prev_hash: r.get(7)?,
            hash: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// This vault's chain key, to hand to the vault that keeps a copy of the chain and checks it
/// (the school, for its laptops). `None` before the chain was keyed.
pub fn chain_key_for_copy(conn: &Connection) -> Result<Option<Zeroizing<Vec<u8>>>> {
    chain_key(conn)
}

/// Checks that `entries` continue a chain kept elsewhere: numbered on from `last_seq`, each
/// linked to the one before (the first to `last_hash`, 32 zero bytes for a chain's start),
/// each MAC right under `key`. Returns the first entry that is not, if any.
pub fn check_continuation(
    entries: &[ChainEntry],
    key: &[u8],
    last_seq: i64,
    last_hash: &[u8],
) -> Option<i64> {
    let mut prev = last_hash.to_vec();
    for (next, e) in (last_seq + 1..).zip(entries) {
        let f = Fields {
            actor_id: e.actor_id.as_deref(),
            actor_name: &e.actor_name,
            action: &e.action,
            target: e.target.as_deref(),
            outcome: &e.outcome,
        };
        if e.seq != next || e.prev_hash != prev || entry_mac(key, e.seq, &prev, &e.at, &f) != e.hash
        {
            return Some(e.seq);
        }
        prev = e.hash.clone();
    }
    None
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
