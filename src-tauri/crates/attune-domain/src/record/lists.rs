//! The school's configurable lists: care statuses and support levels.
//!
//! Defaults (from the records migration): care statuses "Looked after", "Previously looked
//! after", "Child in need", "None"; support levels "Universal", "Additional", "Intensive". The
//! strategic lead adds, renames, reorders and retires items; renaming also renames the value on
//! every pupil that has it, in the same transaction (summaries read the pupils, so they follow).
//! A retired item is no longer offered for new choices, but stays on the records that hold it,
//! in summaries (which count every item, retired or not) and in the list's order; it can be
//! brought back. Labels are matched case-insensitively when a pupil is saved or imported and
//! stored as the list spells them.

use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::model::{ListItem, ListKind, PickLists};
use crate::store;

const MAX_LABEL_CHARS: usize = 60;

/// The list's items in order, each with whether it is retired.
fn all_items(conn: &Connection, list: ListKind) -> Result<Vec<(String, bool)>> {
    let mut stmt = conn.prepare(
        "SELECT label, retired FROM list_items WHERE list = ?1 ORDER BY position, label",
    )?;
    let rows = stmt.query_map([list.as_str()], |r| {
        Ok((r.get(0)?, r.get::<_, i64>(1)? != 0))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The items offered for new choices (not retired), in order.
fn items(conn: &Connection, list: ListKind) -> Result<Vec<String>> {
    Ok(all_items(conn, list)?
        .into_iter()
        .filter(|(_, retired)| !retired)
        .map(|(l, _)| l)
        .collect())
}

fn list_items(conn: &Connection, list: ListKind) -> Result<Vec<ListItem>> {
    Ok(all_items(conn, list)?
        .into_iter()
        .map(|(label, retired)| ListItem { label, retired })
        .collect())
}

/// The school's lists, for any signed-in user (forms need them): the items offered for new
/// choices, and every item in order with whether it is retired. Not audited: no pupil data.
pub fn pick_lists(vault: &Vault) -> Result<PickLists> {
    access::actor(vault)?;
    let conn = vault.conn()?;
    Ok(PickLists {
        care_statuses: items(conn, ListKind::CareStatus)?,
        support_levels: items(conn, ListKind::SupportLevel)?,
        care_status_items: list_items(conn, ListKind::CareStatus)?,
        support_level_items: list_items(conn, ListKind::SupportLevel)?,
    })
}

/// The list's own spelling of `text` (compared case-insensitively), or an error naming the
/// items offered. Blank is `None`. A retired item is refused unless it is `kept`: the value
/// the record already holds (saving a pupil does not force a new choice on them).
pub(crate) fn canonical(
    conn: &Connection,
    list: ListKind,
    field: &str,
    text: Option<&str>,
    kept: Option<&str>,
) -> Result<Option<String>> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let all = all_items(conn, list)?;
    let same = |i: &str| i.to_lowercase() == t.to_lowercase();
    match all.iter().find(|(i, _)| same(i)) {
        Some((i, false)) => Ok(Some(i.clone())),
        Some((i, true)) if kept.is_some_and(|k| k == i) => Ok(Some(i.clone())),
        found => {
            let offered: Vec<&str> = all
                .iter()
                .filter(|(_, r)| !r)
                .map(|(l, _)| l.as_str())
                .collect();
            let retired = if found.is_some() {
                format!("{t} has been retired from the school's list. ")
            } else {
                String::new()
            };
            Err(Error::invalid(
                field,
                format!(
                    "{retired}{} must be one of the school's list: {}.",
                    list.label(),
                    offered.join(", ")
                ),
            ))
        }
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
    if let Some(existing) = find(&tx, list, &label)? {
        return Err(Error::Duplicate(format!(
            "{} already has an item called {existing}{}.",
            list.label(),
            if is_retired(&tx, list, &existing)? {
                " (retired: bring it back instead)"
            } else {
                ""
            }
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
        if let Some(existing) = find(&tx, list, &new)? {
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
        // The history keeps the item under its new name too (a retired item stays as it is).
        tx.execute(
            "UPDATE pupil_status_history SET value = ?3 WHERE kind = ?1 AND value = ?2",
            params![list.as_str(), old, new],
        )?;
    }
    access::record(&tx, &user, Action::ListRename, Some(list.as_str()), now)?;
    tx.commit()?;
    Ok(())
}

/// The item spelled like `label` (case-insensitively), retired or not.
fn find(conn: &Connection, list: ListKind, label: &str) -> Result<Option<String>> {
    let t = label.trim().to_lowercase();
    Ok(all_items(conn, list)?
        .into_iter()
        .map(|(l, _)| l)
        .find(|l| l.to_lowercase() == t))
}

fn is_retired(conn: &Connection, list: ListKind, label: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT retired FROM list_items WHERE list = ?1 AND label = ?2",
            params![list.as_str(), label],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some_and(|r| r != 0))
}

/// Puts a list in the order given (strategic lead only): `labels` must name every item of
/// the list, retired ones too, each once (the window moves one item up or down and sends
/// the whole order). Forms and summaries follow the new order.
pub fn reorder_list(
    vault: &mut Vault,
    list: ListKind,
    labels: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_lead(
        vault,
        Action::ListReorder,
        Some(list.as_str()),
        "change the school's lists",
        now,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    let current: Vec<String> = all_items(&tx, list)?.into_iter().map(|(l, _)| l).collect();
    let mut given: Vec<&str> = labels.iter().map(String::as_str).collect();
    given.sort_unstable();
    let mut have: Vec<&str> = current.iter().map(String::as_str).collect();
    have.sort_unstable();
    if given != have {
        return Err(Error::invalid(
            "labels",
            format!(
                "The new order must name every item of the list once: {}.",
                current.join(", ")
            ),
        ));
    }
    for (i, label) in labels.iter().enumerate() {
        tx.execute(
            "UPDATE list_items SET position = ?3 WHERE list = ?1 AND label = ?2 AND position != ?3",
            params![list.as_str(), label, i as i64 + 1],
        )?;
    }
    access::record(&tx, &user, Action::ListReorder, Some(list.as_str()), now)?;
    tx.commit()?;
    Ok(())
}

/// Retires an item (`retired = true`: no longer offered for new choices; the records that
/// hold it keep it, and summaries still count it) or brings it back (strategic lead only).
/// At least one item of each list stays offered.
pub fn set_list_item_retired(
    vault: &mut Vault,
    list: ListKind,
    label: &str,
    retired: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let action = if retired {
        Action::ListRetire
    } else {
        Action::ListRestore
    };
    let user = access::require_lead(
        vault,
        action,
        Some(list.as_str()),
        "change the school's lists",
        now,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    let Some(label) = find(&tx, list, label)? else {
        return Err(Error::NotFound(format!(
            "{} has no such item.",
            list.label()
        )));
    };
    if retired && items(&tx, list)? == [label.clone()] {
        return Err(Error::invalid(
            "label",
            format!(
                "{label} is the last {} still offered: add another before retiring it.",
                list.label().to_lowercase()
            ),
        ));
    }
    tx.execute(
        "UPDATE list_items SET retired = ?3 WHERE list = ?1 AND label = ?2 AND retired != ?3",
        params![list.as_str(), label, i64::from(retired)],
    )?;
    access::record(&tx, &user, action, Some(list.as_str()), now)?;
    tx.commit()?;
    Ok(())
}
