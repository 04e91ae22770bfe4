//! The school's configurable lists: care statuses and support levels.
//!
//! Defaults (from the records migration): care statuses "Looked after", "Previously looked
//! after", "Child in need", "None"; support levels "Universal", "Additional", "Intensive". The
//! strategic lead adds and renames items; renaming also renames the value on every pupil that
//! has it, in the same transaction. Labels are matched case-insensitively when a pupil is saved
//! or imported and stored as the list spells them.

use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::model::{ListKind, PickLists};
use crate::store;

const MAX_LABEL_CHARS: usize = 60;

fn items(conn: &Connection, list: ListKind) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT label FROM list_items WHERE list = ?1 ORDER BY position, label")?;
    let rows = stmt.query_map([list.as_str()], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The school's lists, for any signed-in user (forms need them). Not audited: no pupil data.
pub fn pick_lists(vault: &Vault) -> Result<PickLists> {
    access::actor(vault)?;
    let conn = vault.conn()?;
    Ok(PickLists {
        care_statuses: items(conn, ListKind::CareStatus)?,
        support_levels: items(conn, ListKind::SupportLevel)?,
    })
}

/// The list's own spelling of `text` (compared case-insensitively), or an error naming the
/// list's items. Blank is `None`.
pub(crate) fn canonical(
    conn: &Connection,
    list: ListKind,
    field: &str,
    text: Option<&str>,
) -> Result<Option<String>> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let all = items(conn, list)?;
    match all.iter().find(|i| i.to_lowercase() == t.to_lowercase()) {
        Some(i) => Ok(Some(i.clone())),
        None => Err(Error::invalid(
            field,
            format!(
                "{} must be one of the school's list: {}.",
                list.label(),
                all.join(", ")
            ),
        )),
    }
}

/// Adds an item at the end of a list (strategic lead only).
pub fn add_list_item(
    vault: &mut Vault,
    list: ListKind,
    label: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_lead(
        vault,
        Action::ListAdd,
        Some(list.as_str()),
        "change the school's lists",
        now,
    )?;
    let label = store::text("label", "the name", label, MAX_LABEL_CHARS, true, false)?;
    let tx = vault.conn_mut()?.transaction()?;
    if canonical(&tx, list, "label", Some(&label)).is_ok() {
        return Err(Error::Duplicate(format!(
            "{} already has an item called {label}.",
            list.label()
        )));
    }
    tx.execute(
        "INSERT INTO list_items (list, label, position)
         VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM list_items WHERE list = ?1))",
        params![list.as_str(), label],
    )?;
    access::record(&tx, &user, Action::ListAdd, Some(list.as_str()), now)?;
    tx.commit()?;
    Ok(())
}

/// Renames an item, and the value on every pupil that has it (strategic lead only).
pub fn rename_list_item(
    vault: &mut Vault,
    list: ListKind,
    old: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_lead(
        vault,
        Action::ListRename,
        Some(list.as_str()),
        "change the school's lists",
        now,
    )?;
    let new = store::text("label", "the new name", new, MAX_LABEL_CHARS, true, false)?;
    let tx = vault.conn_mut()?.transaction()?;
    let old: Option<String> = tx
        .query_row(
            "SELECT label FROM list_items WHERE list = ?1 AND label = ?2",
            params![list.as_str(), old],
            |r| r.get(0),
        )
        .optional()?;
    let Some(old) = old else {
        return Err(Error::NotFound(format!(
            "{} has no such item.",
            list.label()
        )));
    };
    if old != new {
        if let Ok(Some(existing)) = canonical(&tx, list, "label", Some(&new)) {
            if existing != old {
                return Err(Error::Duplicate(format!(
                    "{} already has an item called {new}.",
                    list.label()
                )));
            }
        }
        tx.execute(
            "UPDATE list_items SET label = ?3 WHERE list = ?1 AND label = ?2",
            params![list.as_str(), old, new],
        )?;
        let column = match list {
            ListKind::CareStatus => "care_status",
            ListKind::SupportLevel => "support_level",
        };
        tx.execute(
            &format!("UPDATE pupils SET {column} = ?2 WHERE {column} = ?1"),
            params![old, new],
        )?;
    }
    access::record(&tx, &user, Action::ListRename, Some(list.as_str()), now)?;
    tx.commit()?;
    Ok(())
}
