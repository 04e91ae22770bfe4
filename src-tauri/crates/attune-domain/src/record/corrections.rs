//! Correcting or withdrawing a pupil's entry (issue 16, item 1): a session, a chronology event,
//! an instrument score or a term's indicators entered wrongly.
//!
//! # Design
//!
//! - **The record's row holds its current values** (how readers see the rest:
//!   [`crate::record::versions`]). A correction updates the row in place, so everything that
//!   reads it — the pupil's page, summaries, search (kept in step by triggers), the handover
//!   pack, sync — reads the corrected value with no change of its own.
//! - **Nothing is lost.** In the same transaction, the values the correction replaces are
//!   copied into `record_versions` (migration `0019_record_versions`): the record, its values
//!   as a JSON object of its own columns, who replaced them, when and why. An entry corrected
//!   twice has two earlier versions.
//! - **A withdrawal keeps the row and its values** and marks it (`withdrawn_at`,
//!   `withdrawn_by`, `withdrawn_reason`). A withdrawn entry is left out of summaries, the search
//!   index, a review's evidence, the monthly counts and a key adult's view of the page; the
//!   strategic lead sees it (collapsed, as withdrawn) and the subject access document lists it.
//!   A withdrawn entry cannot be corrected, nor withdrawn again. Entering a withdrawn term's
//!   indicators again brings the term back; the withdrawn figures become an earlier version.
//! - **Who may**: exactly who may add such an entry today ([`crate::access`]): the strategic
//!   lead for every pupil, a key adult for the pupils on their caseload (not archived); any
//!   other attempt is refused and audited. A correction or withdrawal is audited in its own
//!   transaction as `session.correct`, `session.withdraw`, `chronology.correct`, … with the
//!   record as target (`pupil:3/session:12`), never the values or the reason.
//! - **Who sees what**: everyone who sees an entry sees that it was corrected (how often, the
//!   latest correction's who, when and reason); only the strategic lead sees the earlier
//!   values ([`crate::model::EntryChanges::earlier`]), and only the lead sees withdrawn
//!   entries. A key adult's page leaves withdrawn entries out, as summaries do.
//! - **Sync**: `record_versions` is a pupil's record, insert-only, with ids from the device's
//!   range; the four record tables are mutable (per-column last-writer-wins), so a correction
//!   made on a laptop travels like any edit. Two corrections of one field made before the files
//!   crossed keep one value everywhere, and both earlier versions; the other value is kept as a
//!   conflict (see [`crate::transfer::conflicts`]).
//! - Signed reviews are not corrected here: they keep their amendments.

use attune_vault::{UserInfo, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    ChronologyEvent, ChronologyInput, EntryKind, IndicatorsInput, InstrumentScore, ScoreInput,
    SessionEntry, SessionInput, TermlyIndicators,
};
use crate::record::records;
use crate::record::versions::{attach_one, current, info, insert_version, Show};
use crate::store::{self, d2s, ts};

/// The longest reason for a correction or a withdrawal, in characters.
pub const MAX_REASON_CHARS: usize = 500;

fn reason_text(reason: &str) -> Result<String> {
    store::text("reason", "the reason", reason, MAX_REASON_CHARS, true, true)
}

fn withdrawn_already(kind: EntryKind) -> Error {
    Error::invalid(
        "reason",
        format!(
            "This {} was withdrawn, so it cannot be changed any more.",
            info(kind).what
        ),
    )
}

/// Applies a correction (`update`, run in the transaction) to entry `id` of pupil `pupil_id`,
/// keeping the values it replaces; refused if the entry is withdrawn or nothing changed.
#[allow(clippy::too_many_arguments)]
fn apply_correction(
    vault: &mut Vault,
    user: &UserInfo,
    pupil_id: i64,
    kind: EntryKind,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
    update: impl FnOnce(&Connection) -> Result<()>,
) -> Result<()> {
    let inf = info(kind);
    let tx = vault.conn_mut()?.transaction()?;
    let (old, withdrawn) = current(&tx, kind, id)?
        .ok_or_else(|| Error::NotFound(format!("There is no such {}.", inf.what)))?;
    if withdrawn {
        return Err(withdrawn_already(kind));
    }
    update(&tx)?;
    let (new, _) = current(&tx, kind, id)?.expect("the row is still there");
    if new == old {
        return Err(Error::invalid(
            "reason",
            "Nothing was changed: change a value to correct it, or close the form.",
        ));
    }
    insert_version(&tx, pupil_id, kind, id, &old, reason, &user.id, now)?;
    access::record(
        &tx,
        user,
        inf.correct,
        Some(&access::target(pupil_id, Some((inf.access.name(), id)))),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

/// Corrects session `id` with the values of `input` (checked as a new session's are), giving
/// a reason. The values it replaces are kept. Audited as `session.correct`.
pub fn correct_session(
    vault: &mut Vault,
    id: i64,
    input: &SessionInput,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<SessionEntry> {
    let kind = EntryKind::Session;
    let (user, pupil_id) =
        access::require_record(vault, info(kind).access, id, info(kind).correct, now)?;
    let (note, reference) = records::check_session(input, now)?;
    let reason = reason_text(reason)?;
    apply_correction(vault, &user, pupil_id, kind, id, &reason, now, |tx| {
        tx.execute(
            "UPDATE sessions SET held_on = ?2, minutes = ?3, kind = ?4, regulation = ?5, note = ?6,
                 safeguarding_ref = ?7
             WHERE id = ?1",
            params![
                id,
                d2s(input.held_on),
                input.minutes,
                input.kind.as_str(),
                input.regulation,
                note,
                reference
            ],
        )?;
        Ok(())
    })?;
    let conn = vault.conn()?;
    let mut e = conn.query_row(
        &format!("{} WHERE s.id = ?1", records::SESSION_SELECT),
        [id],
        records::session_row,
    )?;
    attach_one(
        conn,
        pupil_id,
        kind,
        id,
        &mut e.changes,
        Show::for_user(&user),
    )?;
    Ok(e)
}

/// Corrects chronology event `id` (checked as a new event is), giving a reason. Audited as
/// `chronology.correct`.
pub fn correct_chronology_event(
    vault: &mut Vault,
    id: i64,
    input: &ChronologyInput,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ChronologyEvent> {
    let kind = EntryKind::Chronology;
    let (user, pupil_id) =
        access::require_record(vault, info(kind).access, id, info(kind).correct, now)?;
    let (description, reference) = records::check_chronology(input, now)?;
    let reason = reason_text(reason)?;
    apply_correction(vault, &user, pupil_id, kind, id, &reason, now, |tx| {
        tx.execute(
            "UPDATE chronology SET occurred_on = ?2, kind = ?3, description = ?4,
                 safeguarding_ref = ?5
             WHERE id = ?1",
            params![
                id,
                d2s(input.occurred_on),
                input.kind.as_str(),
                description,
                reference
            ],
        )?;
        Ok(())
    })?;
    let conn = vault.conn()?;
    let mut e = conn.query_row(
        &format!("{} WHERE c.id = ?1", records::CHRONOLOGY_SELECT),
        [id],
        records::chronology_row,
    )?;
    attach_one(
        conn,
        pupil_id,
        kind,
        id,
        &mut e.changes,
        Show::for_user(&user),
    )?;
    Ok(e)
}

/// Corrects instrument score `id` (checked as a new score is), giving a reason. Audited as
/// `score.correct`.
pub fn correct_score(
    vault: &mut Vault,
    id: i64,
    input: &ScoreInput,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<InstrumentScore> {
    let kind = EntryKind::Score;
    let (user, pupil_id) =
        access::require_record(vault, info(kind).access, id, info(kind).correct, now)?;
    let (subscale, score, stage, completed_by) = records::check_score_entry(input, now)?;
    let reason = reason_text(reason)?;
    apply_correction(vault, &user, pupil_id, kind, id, &reason, now, |tx| {
        tx.execute(
            "UPDATE instrument_scores SET instrument = ?2, subscale = ?3, score = ?4, stage = ?5,
                 completed_on = ?6, completed_by = ?7
             WHERE id = ?1",
            params![
                id,
                input.instrument.as_str(),
                subscale,
                score,
                stage,
                d2s(input.completed_on),
                completed_by
            ],
        )?;
        Ok(())
    })?;
    let conn = vault.conn()?;
    let mut e = conn.query_row(
        &format!("{} WHERE id = ?1", records::SCORE_SELECT),
        [id],
        records::score_row,
    )?;
    attach_one(
        conn,
        pupil_id,
        kind,
        id,
        &mut e.changes,
        Show::for_user(&user),
    )?;
    Ok(e)
}

/// Corrects a term's indicators (row `id`), the term itself included, giving a reason.
/// Refused if the pupil already has figures for the new term. Audited as `indicators.correct`.
pub fn correct_indicators(
    vault: &mut Vault,
    id: i64,
    input: &IndicatorsInput,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<TermlyIndicators> {
    let kind = EntryKind::Indicators;
    let (user, pupil_id) =
        access::require_record(vault, info(kind).access, id, info(kind).correct, now)?;
    let c = records::check_indicators(input)?;
    let reason = reason_text(reason)?;
    let other: Option<i64> = vault
        .conn()?
        .query_row(
            "SELECT id FROM termly_indicators WHERE pupil_id = ?1 AND term_label = ?2 AND id <> ?3",
            params![pupil_id, c.0, id],
            |r| r.get(0),
        )
        .optional()?;
    if other.is_some() {
        return Err(Error::invalid(
            "term",
            format!(
                "There are already figures for {}: correct those instead.",
                c.0
            ),
        ));
    }
    apply_correction(vault, &user, pupil_id, kind, id, &reason, now, |tx| {
        tx.execute(
            "UPDATE termly_indicators SET term_label = ?2, attendance_pct = ?3, exclusion_days = ?4,
                 physical_interventions = ?5, updated_at = ?6, updated_by = ?7
             WHERE id = ?1",
            params![id, c.0, c.1, c.2, c.3, ts(now), user.id],
        )?;
        Ok(())
    })?;
    let conn = vault.conn()?;
    let mut e = conn.query_row(
        &format!("{} WHERE id = ?1", records::INDICATORS_SELECT),
        [id],
        records::indicators_row,
    )?;
    attach_one(
        conn,
        pupil_id,
        kind,
        id,
        &mut e.changes,
        Show::for_user(&user),
    )?;
    Ok(e)
}

/// Withdraws entry `id` of `kind`, giving a reason: it stays, marked withdrawn, and is left out
/// of summaries, search and a key adult's page. Audited as `session.withdraw`,
/// `chronology.withdraw`, `score.withdraw` or `indicators.withdraw`.
pub fn withdraw_entry(
    vault: &mut Vault,
    kind: EntryKind,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let inf = info(kind);
    let (user, pupil_id) = access::require_record(vault, inf.access, id, inf.withdraw, now)?;
    let reason = reason_text(reason)?;
    let tx = vault.conn_mut()?.transaction()?;
    let (_, withdrawn) = current(&tx, kind, id)?
        .ok_or_else(|| Error::NotFound(format!("There is no such {}.", inf.what)))?;
    if withdrawn {
        return Err(withdrawn_already(kind));
    }
    tx.execute(
        &format!(
            "UPDATE {} SET withdrawn_at = ?2, withdrawn_by = ?3, withdrawn_reason = ?4 WHERE id = ?1",
            inf.table
        ),
        params![id, ts(now), user.id, reason],
    )?;
    access::record(
        &tx,
        &user,
        inf.withdraw,
        Some(&access::target(pupil_id, Some((inf.access.name(), id)))),
        now,
    )?;
    tx.commit()?;
    Ok(())
}
