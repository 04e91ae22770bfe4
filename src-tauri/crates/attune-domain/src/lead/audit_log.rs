//! The audit log as the strategic lead reads it: filtered lists and the chain's check.

use attune_vault::audit::{self, AuditEntry};
use attune_vault::progress::Work;
use attune_vault::{Action, Vault};
use chrono::{DateTime, Duration, Utc};
use rusqlite::named_params;

use crate::access;
use crate::error::Result;
use crate::model::{AuditQuery, AuditVerification};
use crate::store::d2s;

/// The default number of entries listed.
pub const DEFAULT_LIMIT: u32 = 200;
/// The most entries listed at once.
pub const MAX_LIMIT: u32 = 5000;

/// Audit entries, newest first, filtered by action prefix, user and date range (strategic
/// lead only). Reading the log is itself audited as `audit.view`.
pub fn audit_entries(
    vault: &Vault,
    query: &AuditQuery,
    now: DateTime<Utc>,
) -> Result<Vec<AuditEntry>> {
    let user = access::require_lead(vault, Action::AuditView, None, "read the audit log", now)?;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_name, action, target, outcome FROM audit_log
         WHERE (:action IS NULL OR substr(action, 1, length(:action)) = :action)
           AND (:user IS NULL OR actor_id = :user)
           AND (:from IS NULL OR at >= :from)
           AND (:to IS NULL OR at < :to)
         ORDER BY seq DESC LIMIT :limit",
    )?;
    let rows = stmt.query_map(
        named_params! {
            ":action": query.action_prefix.as_deref().filter(|a| !a.is_empty()),
            ":user": query.user_id,
            ":from": query.from.map(d2s),
            ":to": query.to.map(|d| d2s(d + Duration::days(1))),
            ":limit": query.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
        },
        |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor_id: r.get(2)?,
                actor_name: r.get(3)?,
                action: r.get(4)?,
                target: r.get(5)?,
                outcome: r.get(6)?,
            })
        },
    )?;
    let out = rows.collect::<std::result::Result<Vec<_>, _>>()?;
    access::record(conn, &user, Action::AuditView, None, now)?;
    Ok(out)
}

/// Walks the hash chain (strategic lead only) and names the first broken entry. Audited as
/// `audit.verify` with the outcome `ok` or `failed`.
pub fn verify_audit(vault: &Vault, now: DateTime<Utc>) -> Result<AuditVerification> {
    verify_audit_with(vault, now, &Work::none())
}

/// [`verify_audit`], reporting to `work` (entries checked, phase "checking"); it only reads,
/// so it may be stopped at any entry (audited `cancelled`).
pub fn verify_audit_with(
    vault: &Vault,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<AuditVerification> {
    access::require_lead(vault, Action::AuditVerify, None, "check the audit log", now)?;
    let broken = match audit::verify_with(vault.conn()?, work) {
        Err(attune_vault::Error::Cancelled) => {
            vault.audit(Action::AuditVerify, None, "cancelled", now)?;
            return Err(attune_vault::Error::Cancelled.into());
        }
        r => r?,
    };
    vault.audit(
        Action::AuditVerify,
        None,
        if broken.is_none() { "ok" } else { "failed" },
        now,
    )?;
    Ok(AuditVerification {
        intact: broken.is_none(),
        first_broken_seq: broken,
    })
}
