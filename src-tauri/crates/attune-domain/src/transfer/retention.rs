//! Retention and erasure: how long a pupil's record is kept after they leave, the list of
//! pupils whose period has ended, and erasure for good.
//!
//! # The retention period
//!
//! The strategic lead sets it in whole years ([`set_retention_years`]), kept in the vault's
//! `settings` table under `retention_years`. The default is **7 years**
//! ([`DEFAULT_RETENTION_YEARS`]): records of pastoral support are commonly kept for six years
//! after a pupil leaves plus the current year (the IRMS *Information Management Toolkit for
//! Schools* pattern "date of leaving + 6 years" for pupil support records); a school whose policy
//! differs (for example a looked-after child's record kept longer) sets its own.
//! Between 1 and [`MAX_RETENTION_YEARS`].
//!
//! # Who is due
//!
//! [`retention_due`] lists pupils marked left or archived whose leaving date (`left_on`) is at
//! least the period ago: due on the anniversary ([`crate::planning::plans::add_years`], so 29 February
//! becomes 28 February). A pupil archived without a leaving date is never listed: there is no
//! date to count from; mark them left first.
//!
//! # Erasure
//!
//! [`erase_pupil`] (strategic lead only, and only for a pupil marked left or archived: the
//! retention path) and [`erase_on_request`] (strategic lead only, any pupil, with a reason: a
//! record added in error, an erasure request) delete
//! every row about the pupil in one transaction: identifiers, assignments, profile, advice,
//! team, plans with their goals and due dates, sessions, chronology, scores, indicators, every
//! user's drafts whose form key names the pupil (`pupil:3`, `profile:3`, `session:3`,
//! `chronology:3`, `score:3`, `team:3`, `indicators:3`, `correct:3/…`, and `goal:<plan>`,
//! `renew:<plan>`, `amendment:<review>` for the pupil's plans and reviews) and the full-text index
//! rows, the pupil's links to supervision notes (and every form of their name in those notes'
//! text, see [`crate::lead::supervision`]'s erasure rule), then merges the index (`optimize`, so no old segment keeps a deleted word). It then
//! checkpoints the write-ahead log, vacuums (with `secure_delete=ON` set at open, freed pages
//! are zeroed as well) and truncates the log again, so nothing of the pupil remains in the
//! file. The audit log is left as it is: its targets (`pupil:3/session:12`) are ids only and
//! never held content, and the hash chain must stay intact. The erasure itself is audited as
//! `pupil.erase` with the numeric target, not what was erased; the reason is kept in
//! `pupil_erasures` (id, when, by whom, reason with the pupil's names and identifiers taken
//! out). The sync conflicts kept about the pupil's rows go too.
//!
//! # Erased stays erased
//!
//! Before any row is deleted, the pupil's id goes into the key-slot file's authenticated
//! record ([`attune_vault::Vault::remember_erasure`]): outside the database, MAC'd under a key
//! derived from the vault key, written atomically. A restore replaces the database and the
//! key-slot file with the backup's, so it carries the replaced vault's list over (and the
//! `pupil_erasures` table of a later backup brings its own). Whenever a vault is opened whose
//! database still holds a listed pupil, the vault refuses every use but [`erase_again`], which
//! the CLI and the window call straight after every unlock and restore. After an erasure the
//! automatic backups in the vault's `backups` folder are replaced by one made afterwards.
//!
//! Not reached: copies outside the vault folder (a USB backup, a handover pack, a subject
//! access document), the folder a restore kept aside, a backup made before the erasure
//! restored into a *new* folder (no list exists there to consult), and the sync log and base
//! (see `attune-sync/DESIGN.md`): the log keeps the changes that carried the pupil's rows to
//! and from laptops, and the base keeps their last shared copy until the erasure is captured
//! at the next sync (as deletions, which carry the old values in the changeset).

use attune_vault::settings::{self, Setting};
use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use crate::access;
use crate::error::{Error, Result};
use crate::model::PupilStatus;
use crate::planning::plans::add_years;
use crate::store::{get_date, get_enum};

/// The retention period when the strategic lead has not set one (see the module's notes).
pub const DEFAULT_RETENTION_YEARS: u32 = 7;
/// The longest period that can be set.
pub const MAX_RETENTION_YEARS: u32 = 100;

/// A pupil whose retention period has ended, for the strategic lead to decide on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RetentionCandidate {
    #[ts(type = "number")]
    pub pupil_id: i64,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub left_on: NaiveDate,
    /// `left_on` plus the retention period.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub due_on: NaiveDate,
}

/// A pupil whose retention period has ended, with what the lead needs to decide (names, year
/// group, status): [`retention_due`] joined with each pupil's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RetentionDueRow {
    #[ts(type = "number")]
    pub pupil_id: i64,
    pub display_name: String,
    pub legal_name: String,
    pub year_group_label: String,
    pub status: PupilStatus,
    /// `YYYY-MM-DD`.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub left_on: NaiveDate,
    /// `YYYY-MM-DD`: `left_on` plus the retention period.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub due_on: NaiveDate,
}

/// [`retention_due`] with each pupil's names (strategic lead only; audited as `retention.view`).
pub fn retention_due_rows(
    vault: &Vault,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<RetentionDueRow>> {
    retention_due(vault, today, now)?
        .into_iter()
        .map(|c| {
            let p = crate::record::pupils::get_pupil(vault, c.pupil_id, now)?;
            Ok(RetentionDueRow {
                pupil_id: c.pupil_id,
                legal_name: format!("{} {}", p.legal_forename, p.legal_surname),
                display_name: p.display_name,
                year_group_label: p.year_group_label,
                status: p.status,
                left_on: c.left_on,
                due_on: c.due_on,
            })
        })
        .collect()
}

/// The school's retention period in years (any signed-in user may read it).
pub fn retention_years(vault: &Vault) -> Result<u32> {
    access::actor(vault)?;
    let v = settings::read(vault.conn()?, Setting::RetentionYears)?;
    Ok(v.and_then(|v| v.parse().ok())
        .filter(|y| (1..=MAX_RETENTION_YEARS).contains(y))
        .unwrap_or(DEFAULT_RETENTION_YEARS))
}

/// Sets the retention period (strategic lead only). Audited as `settings.retention` with the
/// number of years as the target.
pub fn set_retention_years(vault: &mut Vault, years: u32, now: DateTime<Utc>) -> Result<()> {
    let user = access::require_lead(
        vault,
        Action::SettingsRetention,
        None,
        "set the retention period",
        now,
    )?;
    if !(1..=MAX_RETENTION_YEARS).contains(&years) {
        return Err(Error::invalid(
            "retention_years",
            format!("The retention period must be between 1 and {MAX_RETENTION_YEARS} years."),
        ));
    }
    let tx = vault.conn_mut()?.transaction()?;
    settings::write(&tx, Setting::RetentionYears, &years.to_string())?;
    access::record(
        &tx,
        &user,
        Action::SettingsRetention,
        Some(&years.to_string()),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

/// Pupils marked left or archived whose retention period has ended by `today`, longest
/// overdue first (strategic lead only). Audited as `retention.view`.
pub fn retention_due(
    vault: &Vault,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<RetentionCandidate>> {
    let user = access::require_lead(
        vault,
        Action::RetentionView,
        None,
        "see the pupils due for a retention decision",
        now,
    )?;
    let years = retention_years(vault)? as i32;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT id, left_on FROM pupils
         WHERE status IN ('left', 'archived') AND left_on IS NOT NULL
         ORDER BY left_on, id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, get_date(r, 1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (pupil_id, left_on) = row?;
        let due_on = add_years(left_on, years);
        if due_on <= today {
            out.push(RetentionCandidate {
                pupil_id,
                left_on,
                due_on,
            });
        }
    }
    access::record(conn, &user, Action::RetentionView, None, now)?;
    Ok(out)
}

/// The draft form keys that name pupil `pupil_id` directly (the UI's `DraftKeeper` keys).
/// The forms whose draft key names the pupil (`kind:<pupil>` or `kind:<pupil>/…`): every form
/// of the pupil page (ui/src: each `DraftKeeper` key). A form keyed by a plan or a review is
/// named in [`PLAN_DRAFT_KINDS`] and [`REVIEW_DRAFT_KINDS`].
const DRAFT_KINDS: &[&str] = &[
    "pupil",
    "profile",
    "session",
    "chronology",
    "score",
    "team",
    "indicators",
    "correct",
];
/// Forms keyed by one of the pupil's plans (`kind:<plan>`): a goal, renewing the plan.
const PLAN_DRAFT_KINDS: &[&str] = &["goal", "renew"];
/// Forms keyed by one of the pupil's reviews (`kind:<review>`): an amendment to a signed review.
const REVIEW_DRAFT_KINDS: &[&str] = &["amendment"];

/// The longest reason a lead may give for an erasure, in characters.
pub const MAX_ERASURE_REASON_CHARS: usize = 500;
/// The reason kept for an erasure at the end of the retention period ([`erase_pupil`]).
pub const RETENTION_REASON: &str = "Retention period ended";

/// Erases every row about a pupil who has left or been archived, then vacuums so that
/// nothing of them remains in the file (strategic lead only; see the module's notes): the
/// retention path, kept with the reason [`RETENTION_REASON`]. For an erasure at any time
/// (a record added in error, a request) see [`erase_on_request`].
/// Audited as `pupil.erase` (target `pupil:<id>`); a refusal is audited too.
pub fn erase_pupil(vault: &mut Vault, pupil_id: i64, now: DateTime<Utc>) -> Result<()> {
    erase(vault, pupil_id, RETENTION_REASON, false, now)
}

/// Erases a pupil at any time, whatever their status (strategic lead only), for the reason
/// given (required; kept in `pupil_erasures` with every form of the pupil's name and their
/// identifiers taken out, never shown with the pupil since nothing of them is left). The
/// window asks the lead to type the pupil's name first; this takes the decision as made.
///
/// Besides every row of [`erase_pupil`]: the sync conflicts kept about the pupil's rows
/// (both values may hold their words); the id in the key-slot file's authenticated record,
/// written before any row is deleted, so that a backup made before today and restored later
/// has them erased again at once ([`erase_again`]); and the automatic backups in the vault's
/// `backups` folder, replaced by one written after the erasure
/// ([`attune_vault::Vault::rewrite_auto_backups`]). Copies outside the vault folder (USB
/// backups, handover packs, subject access documents given out) are not reached.
pub fn erase_on_request(
    vault: &mut Vault,
    pupil_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    erase(vault, pupil_id, reason, true, now)
}

fn erase(
    vault: &mut Vault,
    pupil_id: i64,
    reason: &str,
    any_status: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        Action::PupilErase,
        Some(&target),
        "erase a pupil",
        now,
    )?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "Say why this pupil's record is being erased (for example \"added in error\" or \"erasure requested by the parent\").",
        ));
    }
    if reason.chars().count() > MAX_ERASURE_REASON_CHARS {
        return Err(Error::invalid(
            "reason",
            format!("Keep the reason to {MAX_ERASURE_REASON_CHARS} characters or fewer."),
        ));
    }
    let status: Option<PupilStatus> = vault
        .conn()?
        .query_row("SELECT status FROM pupils WHERE id = ?1", [pupil_id], |r| {
            get_enum(r, 0, PupilStatus::parse)
        })
        .optional()?;
    match status {
        None => return Err(Error::NotFound("There is no such pupil.".into())),
        Some(PupilStatus::Active) if !any_status => {
            let _ = vault.audit(Action::PupilErase, Some(&target), "refused", now);
            return Err(Error::invalid(
                "status",
                "Only a pupil who has left or been archived can be erased. Mark them as left first.",
            ));
        }
        Some(_) => {}
    }
    let reason = without_pupil_names(vault.conn()?, pupil_id, reason)?;

    // First outside the database: from here on, any database that holds the pupil (this one
    // if the deletion below is interrupted, a restored backup later) is erased again.
    vault.remember_erasure(pupil_id, now)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "INSERT INTO pupil_erasures (pupil_id, erased_at, erased_by, reason) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(pupil_id) DO UPDATE SET erased_at = excluded.erased_at,
             erased_by = excluded.erased_by, reason = excluded.reason",
        rusqlite::params![
            pupil_id,
            attune_vault::datetime::format_instant(now),
            user.id,
            reason
        ],
    )?;
    delete_rows(&tx, pupil_id)?;
    access::record(&tx, &user, Action::PupilErase, Some(&target), now)?;
    tx.commit()?;
    scrub_files(vault.conn()?)?;
    vault.rewrite_auto_backups(now)?;
    Ok(())
}

/// The reason with every form of the pupil's name and each of their identifiers replaced.
fn without_pupil_names(conn: &rusqlite::Connection, pupil_id: i64, reason: &str) -> Result<String> {
    let names: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT legal_forename, legal_surname, preferred_name FROM pupils WHERE id = ?1",
            [pupil_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let mut forms = names
        .map(|(f, s, p)| crate::lead::supervision::name_forms(&f, &s, p.as_deref()))
        .unwrap_or_default();
    let mut stmt = conn.prepare("SELECT value FROM pupil_identifiers WHERE pupil_id = ?1")?;
    for v in stmt.query_map([pupil_id], |r| r.get::<_, String>(0))? {
        forms.push(v?);
    }
    let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
    Ok(crate::lead::supervision::redact_names(
        reason,
        &forms,
        "[name removed]",
    ))
}

/// Erases again every pupil this vault has erased whose rows its database still holds (a
/// backup made before the erasure was restored, or an erasure was interrupted): the first
/// thing to do after [`attune_vault::Vault::unlock`] and after a restore, for any user, since
/// the vault refuses every other use until it is done
/// ([`attune_vault::Vault::pending_erasures`]). Each is audited `pupil.erase` with outcome
/// `reapplied`. Returns the ids erased again (empty nearly always).
pub fn erase_again(vault: &mut Vault, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let pending = vault.pending_erasures().to_vec();
    if pending.is_empty() {
        return Ok(pending);
    }
    let user = vault.session().user.clone();
    for &pupil_id in &pending {
        let target = access::target(pupil_id, None);
        let tx = vault.erasure_conn().transaction()?;
        delete_rows(&tx, pupil_id)?;
        attune_vault::audit::append(
            &tx,
            &attune_vault::audit::NewEntry {
                at: now,
                actor_id: Some(&user.id),
                actor_name: &user.name,
                action: Action::PupilErase,
                target: Some(&target),
                outcome: "reapplied",
            },
        )?;
        tx.commit()?;
        vault.erased_again(pupil_id)?;
    }
    scrub_files(vault.erasure_conn())?;
    // A recovery-key session may not write backups until it sets a passphrase; the automatic
    // backups were rewritten when the pupil was erased, and are again at the next erasure.
    if !vault.session().via_recovery {
        vault.rewrite_auto_backups(now)?;
    }
    Ok(pending)
}

/// Every row about the pupil, in the caller's transaction (see the module's notes).
fn delete_rows(tx: &rusqlite::Connection, pupil_id: i64) -> Result<()> {
    let plan_ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM plans WHERE pupil_id = ?1")?;
        let ids = stmt.query_map([pupil_id], |r| r.get(0))?;
        ids.collect::<std::result::Result<_, _>>()?
    };
    // Before the pupil's rows go (both find the pupil through them): their name out of
    // supervision notes, their links to them; the sync conflicts kept about their rows.
    crate::lead::supervision::forget_pupil(tx, pupil_id)?;
    crate::transfer::conflicts::forget_pupil(tx, pupil_id)?;
    for kind in DRAFT_KINDS {
        tx.execute(
            "DELETE FROM drafts WHERE form_key = ?1 OR substr(form_key, 1, length(?1) + 1) = ?1 || '/'",
            [format!("{kind}:{pupil_id}")],
        )?;
    }
    for plan in &plan_ids {
        for kind in PLAN_DRAFT_KINDS {
            tx.execute(
                "DELETE FROM drafts WHERE form_key = ?1",
                [format!("{kind}:{plan}")],
            )?;
        }
        for kind in REVIEW_DRAFT_KINDS {
            tx.execute(
                "DELETE FROM drafts WHERE form_key IN
                   (SELECT ?1 || ':' || id FROM reviews WHERE plan_id = ?2)",
                rusqlite::params![kind, plan],
            )?;
        }
        tx.execute("DELETE FROM review_due_dates WHERE plan_id = ?1", [plan])?;
        for table in ["review_amendments", "review_goal_ratings"] {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE review_id IN (SELECT id FROM reviews WHERE plan_id = ?1)"
                ),
                [plan],
            )?;
        }
        tx.execute("DELETE FROM reviews WHERE plan_id = ?1", [plan])?;
        tx.execute("DELETE FROM goals WHERE plan_id = ?1", [plan])?;
    }
    for sql in [
        "DELETE FROM plans WHERE pupil_id = ?1",
        // Earlier versions of corrected entries (issue 16), before the entries themselves.
        "DELETE FROM record_versions WHERE pupil_id = ?1",
        "DELETE FROM sessions WHERE pupil_id = ?1",
        "DELETE FROM chronology WHERE pupil_id = ?1",
        "DELETE FROM instrument_scores WHERE pupil_id = ?1",
        "DELETE FROM termly_indicators WHERE pupil_id = ?1",
        "DELETE FROM agency_advice WHERE pupil_id = ?1",
        "DELETE FROM team_members WHERE pupil_id = ?1",
        "DELETE FROM profiles WHERE pupil_id = ?1",
        "DELETE FROM assignments WHERE pupil_id = ?1",
        "DELETE FROM pupil_identifiers WHERE pupil_id = ?1",
        "DELETE FROM pupil_status_history WHERE pupil_id = ?1",
        "DELETE FROM pupils WHERE id = ?1",
        // The triggers have removed the index rows already; this catches any left behind.
        "DELETE FROM search_index WHERE pupil_id = ?1",
    ] {
        tx.execute(sql, [pupil_id])?;
    }
    // Merge the full-text index into one segment, dropping every deleted entry.
    tx.execute(
        "INSERT INTO search_index (search_index) VALUES ('optimize')",
        [],
    )?;
    Ok(())
}

/// After the deletion has committed: checkpoint the log, vacuum (freed pages zeroed with
/// `secure_delete`), truncate the log again.
fn scrub_files(conn: &rusqlite::Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("VACUUM;")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}
