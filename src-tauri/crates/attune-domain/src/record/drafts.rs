//! Drafts: what a person is typing in a form, saved as they type so that a lock, a crash or a
//! closed window loses nothing. Drafts live in the vault (so they are encrypted like every
//! record), belong to one user, and are keyed by the form (`form_key`, chosen by the UI, such
//! as `session:12` or `pupil:new`). Only their owner can read them.
//!
//! Saving a draft is not audited (it happens every few seconds while typing and is not a
//! record); the record it becomes is audited when it is saved.

use attune_vault::Vault;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::model::Draft;
use crate::store::{self, ts};

/// The largest draft, in bytes.
pub const MAX_DRAFT_BYTES: usize = 256 * 1024;

fn key(form_key: &str) -> Result<String> {
    store::text("form_key", "the form's key", form_key, 200, true, false)
}

/// Saves (or replaces) the user's draft of a form.
pub fn save_draft(
    vault: &mut Vault,
    form_key: &str,
    content: &str,
    now: DateTime<Utc>,
) -> Result<Draft> {
    let user = access::actor(vault)?;
    let form_key = key(form_key)?;
    if content.len() > MAX_DRAFT_BYTES {
        return Err(Error::invalid("content", "This draft is too long to keep."));
    }
    vault.conn()?.execute(
        "INSERT INTO drafts (user_id, form_key, content, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, form_key) DO UPDATE SET content = excluded.content,
             updated_at = excluded.updated_at",
        params![user.id, form_key, content, ts(now)],
    )?;
    Ok(Draft {
        form_key,
        content: content.to_string(),
        updated_at: ts(now),
    })
}

/// The user's draft of a form, if there is one.
pub fn load_draft(vault: &Vault, form_key: &str) -> Result<Option<Draft>> {
    let user = access::actor(vault)?;
    Ok(vault
        .conn()?
        .query_row(
            "SELECT form_key, content, updated_at FROM drafts WHERE user_id = ?1 AND form_key = ?2",
            params![user.id, form_key],
            |r| {
                Ok(Draft {
                    form_key: r.get(0)?,
                    content: r.get(1)?,
                    updated_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Every draft of the user, newest first (to offer them back after an unlock).
pub fn list_drafts(vault: &Vault) -> Result<Vec<Draft>> {
    let user = access::actor(vault)?;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT form_key, content, updated_at FROM drafts WHERE user_id = ?1 ORDER BY updated_at DESC",
    )?;
    let rows = stmt.query_map([&user.id], |r| {
        Ok(Draft {
            form_key: r.get(0)?,
            content: r.get(1)?,
            updated_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Deletes the user's draft of a form (after saving the record, or when discarded). Deleting a
/// draft that does not exist is not an error.
pub fn delete_draft(vault: &mut Vault, form_key: &str) -> Result<()> {
    let user = access::actor(vault)?;
    vault.conn()?.execute(
        "DELETE FROM drafts WHERE user_id = ?1 AND form_key = ?2",
        params![user.id, form_key],
    )?;
    Ok(())
}
