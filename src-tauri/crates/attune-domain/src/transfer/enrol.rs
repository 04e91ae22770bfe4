//! Preparing a key adult's laptop (issue 17): the school vault's strategic lead writes an
//! enrolment file holding **exactly that key adult's caseload scope** ([`super::scope`]: their
//! pupils with full history, their supervision notes, and the school's reference data), and
//! the laptop joins with it ([`attune_vault::Vault::join`]: the file's container and keys are
//! the vault's business, which rows go in is this module's).
//!
//! Each laptop gets the next free device number (its range of record ids,
//! [`attune_vault::ids`]), kept in the school's register `sync_laptops` with whom it was
//! prepared for and when.
//!
//! **Invariants.** The copy is built from [`super::scope::TABLES`] alone (the same definition
//! as the digest and the role checks on import), inside one transaction on the school's
//! connection, and checked for dangling references before it is sealed: a laptop never holds
//! a row of a pupil who is not on its key adult's caseload.

use attune_vault::enrol::Enrolment;
use attune_vault::{Action, SecureRng, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{named_params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use super::scope;
use crate::access;
use crate::error::{Error, Result};

/// A laptop the school has prepared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Laptop {
    pub device_no: u16,
    pub user_id: String,
    /// RFC 3339.
    pub enrolled_at: String,
    /// The key adult's name, and whether they have been removed (their laptop is refused).
    pub user_name: String,
    pub removed: bool,
    /// When the school last imported a sync file from it, and last wrote one for it (RFC 3339).
    pub last_in_at: Option<String>,
    pub last_out_at: Option<String>,
    /// Whole days since the school last took in its work (since it was prepared, when never).
    #[ts(type = "number")]
    pub days_since_sync: i64,
    /// Its work has not reached the school for [`STALE_AFTER_DAYS`] days or more (never for a
    /// removed user's laptop: it is refused anyway).
    pub stale: bool,
}

/// A laptop whose work has not reached the school vault for this many days is named on the
/// strategic lead's overview ("not synced for 9 days").
pub const STALE_AFTER_DAYS: i64 = 7;

/// Writes an enrolment file for the key adult `user_id` (strategic lead only; audited
/// `sync.enrol`). Returns the file's bytes and the one-time passphrase to show once.
pub fn enrol_laptop(
    vault: &mut Vault,
    user_id: &str,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<Enrolment> {
    let target = format!("user:{user_id}");
    access::require_lead(
        vault,
        Action::SyncEnrol,
        Some(&target),
        "prepare a laptop for a key adult",
        now,
    )?;
    // From here on the school's own work is what later sync files carry to the laptop: its
    // sync base must exist before the copy is taken (made once, at the first enrolment).
    super::sync::start(vault, rng)?;
    // Whether the user exists and is a key adult is the vault's check (`write_enrolment`).
    let conn = vault.conn()?;
    let next: i64 = conn.query_row(
        "SELECT coalesce(max(device_no), 0) + 1 FROM sync_laptops",
        [],
        |r| r.get(0),
    )?;
    let device_no = u16::try_from(next)
        .ok()
        .filter(|d| *d <= attune_vault::ids::MAX_DEVICE_NO)
        .ok_or_else(|| {
            Error::invalid(
                "user",
                "This school vault has prepared as many laptops as it can number (4095).",
            )
        })?;
    let enrolment = vault.write_enrolment(user_id, device_no, rng, now, |c| {
        copy_caseload(c, user_id).map_err(|e| attune_vault::Error::Internal(e.to_string()))
    })?;
    conn.execute(
        "INSERT INTO sync_laptops (device_no, user_id, enrolled_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![
            device_no,
            user_id,
            attune_vault::datetime::format_instant(now)
        ],
    )?;
    // What the laptop starts with, for the first sync file the school writes it: the pupils
    // the copy holds, and everything the school's stream held when it was taken.
    conn.execute(
        "INSERT OR REPLACE INTO sync_peer_state (device_no, acked_pos, holds)
         VALUES (?1, (SELECT coalesce(max(pos), 0) FROM sync_arrivals),
                 (SELECT coalesce(json_group_array(id), '[]') FROM
                    (SELECT id FROM pupils WHERE key_adult_id = ?2 AND status <> 'archived' ORDER BY id)))",
        rusqlite::params![device_no, user_id],
    )?;
    Ok(enrolment)
}

/// The laptops this school vault has prepared, oldest first, with when each last synced
/// (strategic lead only).
pub fn laptops(vault: &Vault, now: DateTime<Utc>) -> Result<Vec<Laptop>> {
    access::require_lead(
        vault,
        Action::SyncEnrol,
        None,
        "see the school's laptops",
        now,
    )?;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT l.device_no, l.user_id, l.enrolled_at, u.name, u.removed_at IS NOT NULL,
                s.last_in_at, s.last_out_at
         FROM sync_laptops l JOIN users u ON u.id = l.user_id
         LEFT JOIN sync_peer_state s ON s.device_no = l.device_no
         ORDER BY l.device_no",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Laptop {
            device_no: r.get(0)?,
            user_id: r.get(1)?,
            enrolled_at: r.get(2)?,
            user_name: r.get(3)?,
            removed: r.get(4)?,
            last_in_at: r.get(5)?,
            last_out_at: r.get(6)?,
            days_since_sync: 0,
            stale: false,
        })
    })?;
    let mut out: Vec<Laptop> = rows.collect::<std::result::Result<_, _>>()?;
    for l in &mut out {
        let since = l.last_in_at.as_deref().unwrap_or(&l.enrolled_at);
        let since = DateTime::parse_from_rfc3339(since)
            .map_err(|_| Error::invalid("laptop", "A laptop's sync record has a damaged date."))?;
        l.days_since_sync = (now - since.with_timezone(&Utc)).num_days().max(0);
        l.stale = !l.removed && l.days_since_sync >= STALE_AFTER_DAYS;
    }
    Ok(out)
}

/// Where a vault stands in its school's sync, for the window's Sync page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncStatus {
    /// 0 for a school vault (it prepares laptops); otherwise this laptop's number.
    pub device_no: u16,
    /// Whether the person signed in exchanges sync files here: a key adult on their laptop, a
    /// strategic lead at the school vault.
    pub can_sync: bool,
    /// On a laptop: when it last wrote a file for the school, and last took in one from it
    /// (RFC 3339).
    pub last_out_at: Option<String>,
    pub last_in_at: Option<String>,
    /// At the school, for a strategic lead: every laptop prepared (empty otherwise).
    pub laptops: Vec<Laptop>,
}

/// Where this vault stands in its school's sync (any signed-in user; the laptops only for a
/// strategic lead).
pub fn sync_status(vault: &Vault, now: DateTime<Utc>) -> Result<SyncStatus> {
    let conn = vault.conn()?;
    let device_no = attune_vault::ids::device_no(conn)?;
    let lead = access::actor(vault)?.role == attune_vault::Role::StrategicLead;
    let (last_out_at, last_in_at) = if device_no == 0 {
        (None, None)
    } else {
        conn.query_row(
            "SELECT last_out_at, last_in_at FROM sync_peer_state WHERE device_no = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None))
    };
    Ok(SyncStatus {
        device_no,
        can_sync: (device_no == 0) == lead,
        last_out_at,
        last_in_at,
        laptops: if device_no == 0 && lead {
            laptops(vault, now)?
        } else {
            Vec::new()
        },
    })
}

/// Copies the caseload scope of `user` from `main` into the attached `replica` (same schema):
/// every table that is not local, the rows [`scope::caseload_condition`] selects, in one
/// transaction; then no row of the replica may refer to a row it does not hold.
fn copy_caseload(conn: &Connection, user: &str) -> Result<()> {
    conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN;")?;
    let copied = (|| -> Result<()> {
        for t in scope::TABLES {
            let Some(condition) = scope::caseload_condition(t) else {
                continue;
            };
            // The school's reference data replaces what the replica's migrations put in
            // (default lists, say): the laptop holds the school's, as the digest compares.
            if let scope::Class::Reference { rows, .. } = t.class {
                conn.execute(
                    &format!(
                        "DELETE FROM replica.{} WHERE {}",
                        t.name,
                        rows.unwrap_or("1")
                    ),
                    [],
                )?;
            }
            let sql = format!(
                "INSERT INTO replica.{0} SELECT * FROM main.{0} WHERE {condition}",
                t.name
            );
            if sql.contains(":user") {
                conn.execute(&sql, named_params! { ":user": user })?;
            } else {
                conn.execute(&sql, [])?;
            }
        }
        let mut check = conn.prepare("PRAGMA replica.foreign_key_check")?;
        let mut dangling = check.query([])?;
        if let Some(row) = dangling.next()? {
            let table: String = row.get(0)?;
            return Err(Error::Vault {
                kind: attune_vault::ErrorKind::Internal,
                message: format!(
                    "Internal error: the laptop's copy of {table} refers to a row it does not hold, so no enrolment file was written."
                ),
            });
        }
        Ok(())
    })();
    let ended = if copied.is_ok() {
        conn.execute_batch("COMMIT;")
    } else {
        conn.execute_batch("ROLLBACK;")
    };
    let restored = conn.execute_batch("PRAGMA foreign_keys = ON;");
    copied?;
    ended?;
    restored?;
    Ok(())
}
