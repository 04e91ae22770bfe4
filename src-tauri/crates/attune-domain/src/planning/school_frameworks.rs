//! The frameworks a plan can start from: the built-in ones ([`framework::builtin`]: Secure Base,
//! the default, and SHANARRI) and the school's own, added by the strategic lead as a framework
//! file's text and kept in the vault (table `school_frameworks`, migration `0003_frameworks.sql`).
//!
//! # Rules
//!
//! - A school's framework is checked by [`Framework::from_json_str`] before it is stored: a
//!   malformed file is refused with the line, column and reason ([`Error::Framework`]).
//! - Its id must not be one of the built-in frameworks' ids, nor one the school has already
//!   added ([`Error::Duplicate`]): plans refer to frameworks by id, so an id, once used, keeps
//!   meaning the same domains.
//! - Adding is for a strategic lead only and audited (`framework.add`, `framework:<id>`); the
//!   list is readable by every signed-in user (forms need it) and not audited (no pupil data).

use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::rules::framework::{self, Framework};
use crate::store::ts;

/// The largest framework file accepted, in bytes.
pub const MAX_FRAMEWORK_BYTES: usize = 256 * 1024;

/// The school's own frameworks, in the order they were added.
pub fn school_frameworks(vault: &Vault) -> Result<Vec<Framework>> {
    access::actor(vault)?;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare("SELECT content FROM school_frameworks ORDER BY added_at, id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for text in rows {
        // Checked when added; a stored text that no longer reads is an internal error.
        out.push(Framework::from_json_str(&text?).map_err(|_| Error::Vault {
            kind: attune_vault::ErrorKind::Internal,
            message: "Internal error: a stored framework could not be read.".into(),
        })?);
    }
    Ok(out)
}

/// Every framework a plan can use: the built-in ones first (Secure Base is the default), then
/// the school's own.
pub fn list_frameworks(vault: &Vault) -> Result<Vec<Framework>> {
    let mut all = framework::builtin();
    all.extend(school_frameworks(vault)?);
    Ok(all)
}

/// Checks a framework file's text and adds it to the school's frameworks (strategic lead only).
pub fn add_framework(vault: &mut Vault, text: &str, now: DateTime<Utc>) -> Result<Framework> {
    let user = access::require_lead(vault, Action::FrameworkAdd, None, "add a framework", now)?;
    if text.len() > MAX_FRAMEWORK_BYTES {
        return Err(Error::invalid(
            "framework",
            "This file is too large to be a framework (at most 256 KB).",
        ));
    }
    let fw = Framework::from_json_str(text)?;
    if framework::builtin().iter().any(|b| b.id == fw.id) {
        return Err(Error::Duplicate(format!(
            "The framework id {:?} belongs to a framework built into Attune: give yours another id.",
            fw.id
        )));
    }
    let tx = vault.conn_mut()?.transaction()?;
    let taken: Option<String> = tx
        .query_row(
            "SELECT id FROM school_frameworks WHERE id = ?1",
            [&fw.id],
            |r| r.get(0),
        )
        .optional()?;
    if taken.is_some() {
        return Err(Error::Duplicate(format!(
            "The school already has a framework with the id {:?}: give this one another id.",
            fw.id
        )));
    }
    // The text as checked; it is read back through the same check.
    tx.execute(
        "INSERT INTO school_frameworks (id, content, added_at, added_by) VALUES (?1, ?2, ?3, ?4)",
        params![fw.id, text, ts(now), user.id],
    )?;
    let target = format!("framework:{}", fw.id);
    access::record(&tx, &user, Action::FrameworkAdd, Some(&target), now)?;
    tx.commit()?;
    Ok(fw)
}
