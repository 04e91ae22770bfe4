//! Structured plan reviews (issue 4): prepared from what the vault knows, recorded as a draft,
//! signed off, then immutable and only amended.
//!
//! # Rules
//!
//! - A plan has at most one review per due date ([`prepare_review`] returns the existing one).
//!   Only a due date of the plan up to the next one due (the first with no signed review on or
//!   after today) can be prepared.
//! - **The pre-fill window** of a review due on `D` is half-open, `[from, D)`: `from` (the
//!   previous signed review's due date, or the plan's start when there is none) is **inclusive**
//!   and the due date `D` is **exclusive**. Consecutive reviews' windows therefore tile the plan
//!   with no gap and no overlap: a session held on a due date belongs to the next review.
//! - A draft is saved as it is typed ([`save_review_draft`]); signing off ([`sign_review`]) needs
//!   at least one attendee and a rating and decision for every active goal. Who may sign is the
//!   `review_sign_off` setting ([`set_review_sign_off`], strategic lead only): `strategic_lead`
//!   (the default) or `key_adult` (the pupil's key adult, or any strategic lead).
//! - **A signed review is immutable**: saving it again is refused ([`Error::NotPermitted`],
//!   audited `refused`), and the database's triggers refuse any change to it or its ratings. A
//!   correction is an amendment ([`amend_review`]) with a reason, author and time, listed beside
//!   the original in [`get_review`].
//! - On sign-off, goals decided achieved or stopped leave the active plan (their status changes;
//!   the goal and every rating stay in the plan's history), and the due date is marked held on
//!   the sign-off date (on time when on or before the due date, late otherwise).
//! - Every operation goes through [`access`] first and is audited with ids only.

use attune_vault::ids::{self, next_id};
use attune_vault::settings::{self, Setting};
use attune_vault::{Action, Role, UserInfo, Vault};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

use crate::access::{self, RecordTable};
use crate::error::{Error, Result};
use crate::model::{
    GoalDecision, GoalInput, GoalReviewInput, MonthSessions, PlanTimeline, PrintTarget,
    ProgressPoint, ProgressSource, Review, ReviewAmendment, ReviewGoalPrefill, ReviewInput,
    ReviewPrefill, ReviewSignOff, ReviewSlot, ReviewStatus, UserRef,
};
use crate::record::records;
use crate::store::{self, d2s, get_date, get_enum, get_opt_date, ts};

/// The longest free-text field of a review (voices, Signs of Safety columns, next steps).
pub const MAX_REVIEW_TEXT_CHARS: usize = 4000;
/// The longest evidence for one goal.
pub const MAX_EVIDENCE_CHARS: usize = 2000;
/// The most attendees a review lists.
pub const MAX_ATTENDEES: usize = 30;
/// The most new goals one review adds.
pub const MAX_NEW_GOALS: usize = 10;
/// The longest amendment reason.
pub const MAX_REASON_CHARS: usize = 500;

struct ReviewRow {
    id: i64,
    plan_id: i64,
    pupil_id: i64,
    plan_start: NaiveDate,
    due_date: NaiveDate,
    status: ReviewStatus,
    content: String,
    next_review_date: Option<NaiveDate>,
    signed_by: Option<UserRef>,
    signed_at: Option<String>,
    held_on: Option<NaiveDate>,
}

fn review_row(conn: &Connection, review_id: i64) -> Result<ReviewRow> {
    conn.query_row(
        "SELECT r.id, r.plan_id, p.pupil_id, p.start_date, r.due_date, r.status, r.content,
                r.next_review_date, r.signed_by, u.name, r.signed_at, r.held_on
         FROM reviews r JOIN plans p ON p.id = r.plan_id LEFT JOIN users u ON u.id = r.signed_by
         WHERE r.id = ?1",
        [review_id],
        |r| {
            let signed_id: Option<String> = r.get(8)?;
            let signed_name: Option<String> = r.get(9)?;
            Ok(ReviewRow {
                id: r.get(0)?,
                plan_id: r.get(1)?,
                pupil_id: r.get(2)?,
                plan_start: get_date(r, 3)?,
                due_date: get_date(r, 4)?,
                status: get_enum(r, 5, ReviewStatus::parse)?,
                content: r.get(6)?,
                next_review_date: get_opt_date(r, 7)?,
                signed_by: signed_id.map(|id| UserRef {
                    id,
                    name: signed_name.unwrap_or_default(),
                }),
                signed_at: r.get(10)?,
                held_on: get_opt_date(r, 11)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("There is no such review.".into()))
}

/// The previous signed review before `due`: its id and due date.
fn previous_signed(
    conn: &Connection,
    plan_id: i64,
    due: NaiveDate,
) -> Result<Option<(i64, NaiveDate)>> {
    Ok(conn
        .query_row(
            "SELECT id, due_date FROM reviews
             WHERE plan_id = ?1 AND status = 'signed' AND due_date < ?2
             ORDER BY due_date DESC LIMIT 1",
            params![plan_id, d2s(due)],
            |r| Ok((r.get(0)?, get_date(r, 1)?)),
        )
        .optional()?)
}

/// The first scheduled due date after `due`.
fn scheduled_after(conn: &Connection, plan_id: i64, due: NaiveDate) -> Result<Option<NaiveDate>> {
    let s: Option<String> = conn.query_row(
        "SELECT min(due_date) FROM review_due_dates WHERE plan_id = ?1 AND due_date > ?2",
        params![plan_id, d2s(due)],
        |r| r.get(0),
    )?;
    s.map(|s| store::s2d(&s))
        .transpose()
        .map_err(|_| Error::NotFound("A stored review date could not be read.".into()))
}

fn active_goal_ids(conn: &Connection, plan_id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM goals WHERE plan_id = ?1 AND status = 'active' ORDER BY position, id",
    )?;
    let rows = stmt.query_map([plan_id], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// What the vault knows for a review due on `due`. The goals are the plan's active goals while
/// the review is a draft; once it is signed (`signed` is its id), the goals it rated — so a goal
/// it decided achieved or stopped stays on its record.
fn prefill(
    conn: &Connection,
    plan_id: i64,
    pupil_id: i64,
    plan_start: NaiveDate,
    due: NaiveDate,
    signed: Option<i64>,
) -> Result<ReviewPrefill> {
    let prev = previous_signed(conn, plan_id, due)?;
    let from = prev.map_or(plan_start, |(_, d)| d);
    let goals = {
        let mut stmt = conn.prepare(
            "SELECT g.id, g.domain_id, g.outcome, g.baseline, g.target,
                    (SELECT rr.rating FROM review_goal_ratings rr JOIN reviews r ON r.id = rr.review_id
                     WHERE rr.goal_id = g.id AND r.status = 'signed' AND r.due_date < ?2
                       AND rr.rating IS NOT NULL
                     ORDER BY r.due_date DESC LIMIT 1)
             FROM goals g WHERE g.plan_id = ?1 AND CASE WHEN ?3 IS NULL THEN g.status = 'active'
                 ELSE g.id IN (SELECT goal_id FROM review_goal_ratings WHERE review_id = ?3) END
             ORDER BY g.position, g.id",
        )?;
        let rows = stmt.query_map(params![plan_id, d2s(due), signed], |r| {
            Ok(ReviewGoalPrefill {
                goal_id: r.get(0)?,
                domain_id: r.get(1)?,
                outcome: r.get(2)?,
                baseline: r.get(3)?,
                target: r.get(4)?,
                last_rating: r.get(5)?,
            })
        })?;
        rows.collect::<std::result::Result<Vec<_>, _>>()?
    };
    let sessions = {
        let mut stmt = conn.prepare(&format!(
            "{} WHERE s.pupil_id = ?1 AND s.held_on >= ?2 AND s.held_on < ?3
               AND s.withdrawn_at IS NULL
             ORDER BY s.held_on, s.id",
            records::SESSION_SELECT
        ))?;
        let rows = stmt.query_map(params![pupil_id, d2s(from), d2s(due)], records::session_row)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()?
    };
    let events = {
        let mut stmt = conn.prepare(&format!(
            "{} WHERE c.pupil_id = ?1 AND c.occurred_on >= ?2 AND c.occurred_on < ?3
               AND c.withdrawn_at IS NULL
             ORDER BY c.occurred_on, c.id",
            records::CHRONOLOGY_SELECT
        ))?;
        let rows = stmt.query_map(
            params![pupil_id, d2s(from), d2s(due)],
            records::chronology_row,
        )?;
        rows.collect::<std::result::Result<Vec<_>, _>>()?
    };
    let last_next_steps = match prev {
        Some((id, _)) => {
            let content: String =
                conn.query_row("SELECT content FROM reviews WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            serde_json::from_str::<ReviewInput>(&content)?.next_steps
        }
        None => String::new(),
    };
    Ok(ReviewPrefill {
        window_from: from,
        window_to: due,
        goals,
        sessions,
        events,
        last_next_steps,
    })
}

fn amendments(conn: &Connection, review_id: i64) -> Result<Vec<ReviewAmendment>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.reason, a.body, a.author_id, u.name, a.created_at
         FROM review_amendments a LEFT JOIN users u ON u.id = a.author_id
         WHERE a.review_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([review_id], |r| {
        let author_id: Option<String> = r.get(3)?;
        let author_name: Option<String> = r.get(4)?;
        Ok(ReviewAmendment {
            id: r.get(0)?,
            reason: r.get(1)?,
            text: r.get(2)?,
            author: author_id.map(|id| UserRef {
                id,
                name: author_name.unwrap_or_default(),
            }),
            at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn build(conn: &Connection, review_id: i64) -> Result<Review> {
    let row = review_row(conn, review_id)?;
    let mut content: ReviewInput = serde_json::from_str(&row.content)?;
    content.next_review_date = match row.next_review_date {
        Some(d) => Some(d),
        None => scheduled_after(conn, row.plan_id, row.due_date)?,
    };
    Ok(Review {
        id: row.id,
        plan_id: row.plan_id,
        pupil_id: row.pupil_id,
        due_date: row.due_date,
        status: row.status,
        content,
        prefill: prefill(
            conn,
            row.plan_id,
            row.pupil_id,
            row.plan_start,
            row.due_date,
            (row.status == ReviewStatus::Signed).then_some(row.id),
        )?,
        signed_by: row.signed_by,
        signed_at: row.signed_at,
        held_on: row.held_on,
        on_time: row.held_on.map(|h| h <= row.due_date),
        amendments: amendments(conn, review_id)?,
    })
}

fn review_target(pupil_id: i64, review_id: i64) -> String {
    access::target(pupil_id, Some(("review", review_id)))
}

/// The review of a plan's due date: the existing one, or a new draft pre-filled with the active
/// goals (see the module documentation for the window). Audited as `review.prepare`.
pub fn prepare_review(
    vault: &mut Vault,
    plan_id: i64,
    due_date: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Review> {
    let (user, pupil_id) = access::require_record(
        vault,
        RecordTable::Plan,
        plan_id,
        Action::ReviewPrepare,
        now,
    )?;
    let conn = vault.conn()?;
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM reviews WHERE plan_id = ?1 AND due_date = ?2",
            params![plan_id, d2s(due_date)],
            |r| r.get(0),
        )
        .optional()?;
    if existing.is_none() {
        let (status, scheduled): (String, bool) = conn.query_row(
            "SELECT status, EXISTS (SELECT 1 FROM review_due_dates WHERE plan_id = ?1 AND due_date = ?2)
             FROM plans WHERE id = ?1",
            params![plan_id, d2s(due_date)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if status != "active" {
            return Err(Error::invalid("plan", "This plan is closed."));
        }
        if !scheduled {
            return Err(Error::invalid(
                "due_date",
                "This is not one of the plan's review dates.",
            ));
        }
        let next_due: Option<String> = conn.query_row(
            "SELECT min(d.due_date) FROM review_due_dates d
             WHERE d.plan_id = ?1 AND d.due_date >= ?2 AND NOT EXISTS (
                 SELECT 1 FROM reviews r
                 WHERE r.plan_id = d.plan_id AND r.due_date = d.due_date AND r.status = 'signed')",
            params![plan_id, d2s(today)],
            |r| r.get(0),
        )?;
        if next_due.is_some_and(|n| d2s(due_date) > n) {
            return Err(Error::invalid(
                "due_date",
                "This review is not due yet: record the next one due first.",
            ));
        }
    }
    let tx = vault.conn_mut()?.transaction()?;
    let id = match existing {
        Some(id) => id,
        None => {
            let content = ReviewInput {
                goals: active_goal_ids(&tx, plan_id)?
                    .into_iter()
                    .map(|goal_id| GoalReviewInput {
                        goal_id,
                        rating: None,
                        evidence: String::new(),
                        decision: None,
                    })
                    .collect(),
                ..ReviewInput::default()
            };
            let id = next_id(&tx, ids::RecordTable::Reviews)?;
            tx.execute(
                "INSERT INTO reviews (id, plan_id, due_date, content, created_at, created_by, updated_at)
                 VALUES (?6, ?1, ?2, ?3, ?4, ?5, ?4)",
                params![
                    plan_id,
                    d2s(due_date),
                    serde_json::to_string(&content)?,
                    ts(now),
                    user.id,
                    id
                ],
            )?;
            id
        }
    };
    access::record(
        &tx,
        &user,
        Action::ReviewPrepare,
        Some(&review_target(pupil_id, id)),
        now,
    )?;
    let review = build(&tx, id)?;
    tx.commit()?;
    Ok(review)
}

fn check_text(field: &str, what: &str, value: &str) -> Result<String> {
    store::text(field, what, value, MAX_REVIEW_TEXT_CHARS, false, true)
}

/// Checks a draft against the plan: returns it trimmed.
fn check_input(
    conn: &Connection,
    plan_id: i64,
    due: NaiveDate,
    input: &ReviewInput,
) -> Result<ReviewInput> {
    if input.attendees.len() > MAX_ATTENDEES {
        return Err(Error::invalid(
            "attendees",
            format!("A review lists at most {MAX_ATTENDEES} attendees."),
        ));
    }
    let mut attendees = Vec::with_capacity(input.attendees.len());
    for a in &input.attendees {
        if a.scaling.is_some_and(|s| s > 10) {
            return Err(Error::invalid(
                "attendees",
                "An attendee's scaling is 0 to 10.",
            ));
        }
        attendees.push(crate::model::AttendeeInput {
            name: store::text(
                "attendees",
                "each attendee's name",
                &a.name,
                100,
                true,
                false,
            )?,
            role: store::text(
                "attendees",
                "an attendee's role",
                &a.role,
                100,
                false,
                false,
            )?,
            scaling: a.scaling,
        });
    }
    let active = active_goal_ids(conn, plan_id)?;
    let mut goals: Vec<GoalReviewInput> = Vec::with_capacity(input.goals.len());
    for g in &input.goals {
        if !active.contains(&g.goal_id) {
            return Err(Error::invalid(
                "goals",
                "Each goal reviewed must be one of the plan's active goals.",
            ));
        }
        if goals.iter().any(|x| x.goal_id == g.goal_id) {
            return Err(Error::invalid("goals", "A goal is reviewed only once."));
        }
        if g.rating.is_some_and(|r| r > 10) {
            return Err(Error::invalid("goals", "A goal's rating is 0 to 10."));
        }
        goals.push(GoalReviewInput {
            goal_id: g.goal_id,
            rating: g.rating,
            evidence: store::text(
                "goals",
                "the evidence",
                &g.evidence,
                MAX_EVIDENCE_CHARS,
                false,
                true,
            )?,
            decision: g.decision,
        });
    }
    if input.next_review_date.is_some_and(|d| d <= due) {
        return Err(Error::invalid(
            "next_review_date",
            "The next review date is after this review's due date.",
        ));
    }
    Ok(ReviewInput {
        attendees,
        goals,
        pupil_voice: check_text("pupil_voice", "the pupil's voice", &input.pupil_voice)?,
        parent_carer_voice: check_text(
            "parent_carer_voice",
            "the parent or carer's voice",
            &input.parent_carer_voice,
        )?,
        working_well: check_text("working_well", "what is working well", &input.working_well)?,
        worried_about: check_text(
            "worried_about",
            "what we are worried about",
            &input.worried_about,
        )?,
        needs_to_happen: check_text(
            "needs_to_happen",
            "what needs to happen",
            &input.needs_to_happen,
        )?,
        next_steps: check_text("next_steps", "the next steps", &input.next_steps)?,
        new_goals: check_new_goals_draft(&input.new_goals)?,
        next_review_date: input.next_review_date,
    })
}

/// A draft's new goals are kept as typed (they are checked in full at sign-off), within limits.
fn check_new_goals_draft(goals: &[GoalInput]) -> Result<Vec<GoalInput>> {
    if goals.len() > MAX_NEW_GOALS {
        return Err(Error::invalid(
            "new_goals",
            format!("A review adds at most {MAX_NEW_GOALS} new goals."),
        ));
    }
    for g in goals {
        if g.outcome.chars().count() > crate::planning::plans::MAX_OUTCOME_CHARS
            || g.strategies.chars().count() > 2000
        {
            return Err(Error::invalid(
                "new_goals",
                "A new goal's outcome or strategies are too long.",
            ));
        }
    }
    Ok(goals.to_vec())
}

fn refuse_signed(vault: &Vault, action: Action, target: &str, now: DateTime<Utc>) -> Error {
    let _ = vault.audit(action, Some(target), "refused", now);
    Error::NotPermitted(
        "this review has been signed off and cannot be changed; add an amendment to correct it."
            .into(),
    )
}

/// Saves a draft review (as it is typed). A signed review is refused, and the refusal audited.
/// Audited as `review.update`.
pub fn save_review_draft(
    vault: &mut Vault,
    review_id: i64,
    input: &ReviewInput,
    now: DateTime<Utc>,
) -> Result<Review> {
    let (user, pupil_id) = access::require_record(
        vault,
        RecordTable::Review,
        review_id,
        Action::ReviewUpdate,
        now,
    )?;
    let target = review_target(pupil_id, review_id);
    let row = review_row(vault.conn()?, review_id)?;
    if row.status == ReviewStatus::Signed {
        return Err(refuse_signed(vault, Action::ReviewUpdate, &target, now));
    }
    let checked = check_input(vault.conn()?, row.plan_id, row.due_date, input)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE reviews SET content = ?2, next_review_date = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            review_id,
            serde_json::to_string(&checked)?,
            checked.next_review_date.map(d2s),
            ts(now)
        ],
    )?;
    tx.execute(
        "DELETE FROM review_goal_ratings WHERE review_id = ?1",
        [review_id],
    )?;
    for g in &checked.goals {
        tx.execute(
            "INSERT INTO review_goal_ratings (review_id, goal_id, rating, decision, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                review_id,
                g.goal_id,
                g.rating,
                g.decision.map(|d| d.as_str()),
                g.evidence
            ],
        )?;
    }
    access::record(&tx, &user, Action::ReviewUpdate, Some(&target), now)?;
    let review = build(&tx, review_id)?;
    tx.commit()?;
    Ok(review)
}

/// Who may sign a review off (any signed-in user may read it): a strategic lead unless set.
pub fn review_sign_off(vault: &Vault) -> Result<ReviewSignOff> {
    access::actor(vault)?;
    sign_off_setting(vault.conn()?)
}

fn sign_off_setting(conn: &Connection) -> Result<ReviewSignOff> {
    let v = settings::read(conn, Setting::ReviewSignOff)?;
    Ok(v.as_deref()
        .and_then(ReviewSignOff::parse)
        .unwrap_or(ReviewSignOff::StrategicLead))
}

/// Sets who may sign a review off (strategic lead only). Audited as
/// `settings.review_sign_off` with the value as the target.
pub fn set_review_sign_off(
    vault: &mut Vault,
    who: ReviewSignOff,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_lead(
        vault,
        Action::SettingsReviewSignOff,
        None,
        "choose who signs reviews off",
        now,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    settings::write(&tx, Setting::ReviewSignOff, who.as_str())?;
    access::record(
        &tx,
        &user,
        Action::SettingsReviewSignOff,
        Some(who.as_str()),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

fn may_sign(user: &UserInfo, setting: ReviewSignOff) -> bool {
    user.role == Role::StrategicLead || setting == ReviewSignOff::KeyAdult
}

/// Signs a draft review off: from then on it is immutable. Goals decided achieved or stopped
/// leave the active plan; the due date is marked held today (`now`'s date). Audited as
/// `review.sign` (and `goal.update` for each goal whose status changes).
pub fn sign_review(vault: &mut Vault, review_id: i64, now: DateTime<Utc>) -> Result<Review> {
    let (user, pupil_id) = access::require_record(
        vault,
        RecordTable::Review,
        review_id,
        Action::ReviewSign,
        now,
    )?;
    let target = review_target(pupil_id, review_id);
    let setting = sign_off_setting(vault.conn()?)?;
    if !may_sign(&user, setting) {
        let _ = vault.audit(Action::ReviewSign, Some(&target), "refused", now);
        return Err(Error::NotPermitted(
            "only a strategic lead can sign a review off (the school's setting).".into(),
        ));
    }
    let row = review_row(vault.conn()?, review_id)?;
    if row.status == ReviewStatus::Signed {
        return Err(refuse_signed(vault, Action::ReviewSign, &target, now));
    }
    let content: ReviewInput = serde_json::from_str(&row.content)?;
    if content.attendees.is_empty() {
        return Err(Error::invalid(
            "attendees",
            "Add who attended before signing the review off.",
        ));
    }
    let active = active_goal_ids(vault.conn()?, row.plan_id)?;
    let complete = active.iter().all(|id| {
        content
            .goals
            .iter()
            .any(|g| g.goal_id == *id && g.rating.is_some() && g.decision.is_some())
    });
    if !complete {
        return Err(Error::invalid(
            "goals",
            "Rate every active goal and record a decision before signing the review off.",
        ));
    }
    let mut new_goals = Vec::with_capacity(content.new_goals.len());
    if !content.new_goals.is_empty() {
        let frameworks = crate::planning::school_frameworks::list_frameworks(vault)?;
        let fw =
            crate::planning::plans::framework_of_plan(vault.conn()?, row.plan_id, &frameworks)?;
        for g in &content.new_goals {
            let checked = crate::planning::plans::check_goal(g, fw).map_err(|e| match e {
                Error::Invalid { message, .. } => Error::invalid(
                    "new_goals",
                    format!("A new goal needs attention: {message}"),
                ),
                other => other,
            })?;
            new_goals.push((g, checked));
        }
    }
    let next = match row.next_review_date {
        Some(d) => Some(d),
        None => scheduled_after(vault.conn()?, row.plan_id, row.due_date)?,
    };
    let held = now.date_naive();
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE reviews SET status = 'signed', signed_at = ?2, signed_by = ?3, held_on = ?4,
             next_review_date = ?5, updated_at = ?2
         WHERE id = ?1",
        params![review_id, ts(now), user.id, d2s(held), next.map(d2s)],
    )?;
    tx.execute(
        "UPDATE review_due_dates SET held_at = ?3 WHERE plan_id = ?1 AND due_date = ?2",
        params![row.plan_id, d2s(row.due_date), d2s(held)],
    )?;
    for g in &content.goals {
        let status = match g.decision {
            Some(GoalDecision::Achieved) => "achieved",
            Some(GoalDecision::Stop) => "stopped",
            _ => continue,
        };
        tx.execute(
            "UPDATE goals SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'active'",
            params![g.goal_id, status, ts(now)],
        )?;
        access::record(
            &tx,
            &user,
            Action::GoalUpdate,
            Some(&access::target(pupil_id, Some(("goal", g.goal_id)))),
            now,
        )?;
    }
    for (g, checked) in &new_goals {
        let id = crate::planning::plans::insert_goal(&tx, row.plan_id, g, checked, None, now)?;
        access::record(
            &tx,
            &user,
            Action::GoalCreate,
            Some(&access::target(pupil_id, Some(("goal", id)))),
            now,
        )?;
    }
    access::record(&tx, &user, Action::ReviewSign, Some(&target), now)?;
    let review = build(&tx, review_id)?;
    tx.commit()?;
    Ok(review)
}

/// Adds an amendment (a reason and the correction) to a signed review, with its author and
/// time. Audited as `review.amend`.
pub fn amend_review(
    vault: &mut Vault,
    review_id: i64,
    reason: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Review> {
    let (user, pupil_id) = access::require_record(
        vault,
        RecordTable::Review,
        review_id,
        Action::ReviewAmend,
        now,
    )?;
    let row = review_row(vault.conn()?, review_id)?;
    if row.status != ReviewStatus::Signed {
        return Err(Error::invalid(
            "review",
            "Only a signed-off review is amended: edit the draft instead.",
        ));
    }
    let reason = store::text(
        "reason",
        "the reason for the amendment",
        reason,
        MAX_REASON_CHARS,
        true,
        true,
    )?;
    let text = store::text(
        "text",
        "the amendment",
        text,
        MAX_REVIEW_TEXT_CHARS,
        true,
        true,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::ReviewAmendments)?;
    tx.execute(
        "INSERT INTO review_amendments (id, review_id, reason, body, author_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, review_id, reason, text, user.id, ts(now)],
    )?;
    access::record(
        &tx,
        &user,
        Action::ReviewAmend,
        Some(&format!(
            "{}/amendment:{id}",
            review_target(pupil_id, review_id)
        )),
        now,
    )?;
    let review = build(&tx, review_id)?;
    tx.commit()?;
    Ok(review)
}

/// A review with its pre-fill and its amendments in order. Audited as `review.view`.
pub fn get_review(vault: &Vault, review_id: i64, now: DateTime<Utc>) -> Result<Review> {
    let (user, pupil_id) = access::require_record(
        vault,
        RecordTable::Review,
        review_id,
        Action::ReviewView,
        now,
    )?;
    let review = build(vault.conn()?, review_id)?;
    access::record(
        vault.conn()?,
        &user,
        Action::ReviewView,
        Some(&review_target(pupil_id, review_id)),
        now,
    )?;
    Ok(review)
}

/// A goal's progress: its baseline (dated the plan's start), then each signed review's rating
/// (dated the day it was held), in date order. A goal carried forward when its plan was renewed
/// continues the goal it was carried from, so the series starts at the first plan's baseline and
/// runs through every plan's reviews; each point names its plan, so a chart can mark where one
/// plan ended and the next began. Audited as `goal.progress`.
pub fn progress_series(
    vault: &Vault,
    goal_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ProgressPoint>> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Goal, goal_id, Action::GoalProgress, now)?;
    let conn = vault.conn()?;
    // The goal and those it continues, oldest first. A link is followed only to a goal of the
    // same pupil (a link that came wrong through sync or an import is not a way to another
    // pupil's record), and never round a loop.
    let mut chain = vec![goal_id];
    while let Some(prev) = conn
        .query_row(
            "SELECT h.id FROM goals g
             JOIN goals h ON h.id = g.carried_from
             JOIN plans p ON p.id = g.plan_id
             JOIN plans q ON q.id = h.plan_id
             WHERE g.id = ?1 AND q.pupil_id = p.pupil_id",
            [chain[chain.len() - 1]],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    {
        if chain.contains(&prev) {
            break;
        }
        chain.push(prev);
    }
    chain.reverse();
    let mut points = Vec::new();
    let mut stmt = conn.prepare(
        // From the plan's signed reviews in order (index reviews_plan_signed) to this goal's
        // rating of each (index review_goal_ratings_goal): no row is read, and a review's row,
        // its text before `held_on`, is pages long (what the benchmark measured).
        "SELECT r.id, r.held_on, rr.rating FROM reviews r
         JOIN review_goal_ratings rr ON rr.review_id = r.id AND rr.goal_id = ?1
         WHERE r.plan_id = ?2 AND r.status = 'signed'
           AND rr.rating IS NOT NULL
         ORDER BY r.held_on, r.due_date, r.id",
    )?;
    for (i, id) in chain.iter().enumerate() {
        let (plan_id, plan_start, baseline): (i64, NaiveDate, u8) = conn.query_row(
            "SELECT p.id, p.start_date, g.baseline FROM goals g JOIN plans p ON p.id = g.plan_id
             WHERE g.id = ?1",
            [id],
            |r| Ok((r.get(0)?, get_date(r, 1)?, r.get(2)?)),
        )?;
        // A carried goal's own baseline is the rating it was carried with: the series already
        // holds it as the previous plan's last point.
        if i == 0 {
            points.push(ProgressPoint {
                date: plan_start,
                rating: baseline,
                source: ProgressSource::Baseline,
                review_id: None,
                plan_id,
                plan_start,
            });
        }
        let rows = stmt.query_map(params![id, plan_id], |r| {
            Ok(ProgressPoint {
                review_id: Some(r.get(0)?),
                date: get_date(r, 1)?,
                rating: r.get(2)?,
                source: ProgressSource::Review,
                plan_id,
                plan_start,
            })
        })?;
        for p in rows {
            points.push(p?);
        }
    }
    access::record(
        conn,
        &user,
        Action::GoalProgress,
        Some(&access::target(pupil_id, Some(("goal", goal_id)))),
        now,
    )?;
    Ok(points)
}

/// Each of a plan's due dates with its review, if any: draft or signed, held on time or late,
/// overdue (passed with no signed review), and which is next. Audited as `review.list`.
pub fn list_reviews(
    vault: &Vault,
    plan_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewSlot>> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::ReviewList, now)?;
    let conn = vault.conn()?;
    let list = list_reviews_inner(conn, plan_id, today)?;
    access::record(
        conn,
        &user,
        Action::ReviewList,
        Some(&access::target(pupil_id, Some(("plan", plan_id)))),
        now,
    )?;
    Ok(list)
}

fn list_reviews_inner(
    conn: &Connection,
    plan_id: i64,
    today: NaiveDate,
) -> Result<Vec<ReviewSlot>> {
    let mut slots: BTreeMap<NaiveDate, ReviewSlot> = BTreeMap::new();
    {
        let mut stmt =
            conn.prepare("SELECT due_date, provisional FROM review_due_dates WHERE plan_id = ?1")?;
        let rows = stmt.query_map([plan_id], |r| Ok((get_date(r, 0)?, r.get::<_, bool>(1)?)))?;
        for row in rows {
            let (due_date, provisional) = row?;
            slots.insert(
                due_date,
                ReviewSlot {
                    due_date,
                    provisional,
                    review_id: None,
                    status: None,
                    held_on: None,
                    on_time: None,
                    overdue: false,
                    next: false,
                },
            );
        }
    }
    {
        // A review whose date a recompute has since moved keeps its own date.
        let mut stmt =
            conn.prepare("SELECT id, due_date, status, held_on FROM reviews WHERE plan_id = ?1")?;
        let rows = stmt.query_map([plan_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                get_date(r, 1)?,
                get_enum(r, 2, ReviewStatus::parse)?,
                get_opt_date(r, 3)?,
            ))
        })?;
        for row in rows {
            let (id, due_date, status, held_on) = row?;
            let slot = slots.entry(due_date).or_insert(ReviewSlot {
                due_date,
                provisional: false,
                review_id: None,
                status: None,
                held_on: None,
                on_time: None,
                overdue: false,
                next: false,
            });
            slot.review_id = Some(id);
            slot.status = Some(status);
            slot.held_on = held_on;
            slot.on_time = held_on.map(|h| h <= due_date);
        }
    }
    let mut list: Vec<ReviewSlot> = slots.into_values().collect();
    let mut found_next = false;
    for s in &mut list {
        let signed = s.status == Some(ReviewStatus::Signed);
        s.overdue = !signed && s.due_date < today;
        if !found_next && !signed && s.due_date >= today {
            s.next = true;
            found_next = true;
        }
    }
    Ok(list)
}

/// Every review of a plan, by due date (for the subject access document).
pub(crate) fn plan_reviews(conn: &Connection, plan_id: i64) -> Result<Vec<Review>> {
    let ids: Vec<i64> = {
        let mut stmt =
            conn.prepare("SELECT id FROM reviews WHERE plan_id = ?1 ORDER BY due_date, id")?;
        let rows = stmt.query_map([plan_id], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    ids.into_iter().map(|id| build(conn, id)).collect()
}

/// A plan's timeline on one view: its due dates with their reviews, the sessions held in each
/// month of the plan (up to today), and the chronology events of the plan's span. Audited as
/// `plan.timeline`.
pub fn plan_timeline(
    vault: &Vault,
    plan_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PlanTimeline> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::PlanTimeline, now)?;
    let reviews = list_reviews_inner(vault.conn()?, plan_id, today)?;
    let conn = vault.conn()?;
    let (start, end): (NaiveDate, NaiveDate) = conn.query_row(
        "SELECT start_date, horizon_end FROM plans WHERE id = ?1",
        [plan_id],
        |r| Ok((get_date(r, 0)?, get_date(r, 1)?)),
    )?;
    let mut months: Vec<MonthSessions> = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT substr(held_on, 1, 7), count(*), coalesce(sum(minutes), 0) FROM sessions
             WHERE pupil_id = ?1 AND held_on >= ?2 AND held_on <= ?3 AND withdrawn_at IS NULL
             GROUP BY 1 ORDER BY 1",
        )?;
        let rows = stmt.query_map(params![pupil_id, d2s(start), d2s(end.min(today))], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?;
        let found: BTreeMap<String, (u32, u32)> = rows
            .map(|r| r.map(|(m, c, mins)| (m, (c, mins))))
            .collect::<std::result::Result<_, _>>()?;
        // Every month from the plan's start to today (or its horizon), zeros included, so a
        // month with no session shows as one.
        let (mut y, mut m) = (start.year(), start.month());
        let last = end.min(today).max(start);
        let last_key = (last.year(), last.month());
        while (y, m) <= last_key {
            let key = format!("{y:04}-{m:02}");
            let (sessions, minutes) = found.get(&key).copied().unwrap_or((0, 0));
            months.push(MonthSessions {
                month: key,
                sessions,
                minutes,
            });
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
    }
    let events = records::load_chronology(conn, pupil_id, crate::record::versions::Show::CURRENT)?
        .into_iter()
        .filter(|e| e.occurred_on >= start && e.occurred_on <= end)
        .collect();
    access::record(
        conn,
        &user,
        Action::PlanTimeline,
        Some(&access::target(pupil_id, Some(("plan", plan_id)))),
        now,
    )?;
    Ok(PlanTimeline {
        reviews,
        months,
        events,
    })
}

/// Records that a plan or a review was printed, or saved as a PDF, for a meeting: the session
/// must be allowed to see it. Audited as `plan.print` / `review.print` (`plan.pdf` /
/// `review.pdf`), and a subject access document (`id` is the pupil's; strategic lead only) as
/// `pupil.sar.print` / `pupil.sar.pdf`; nothing of its content.
pub fn record_print(
    vault: &Vault,
    what: PrintTarget,
    id: i64,
    as_pdf: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let (table, name) = match what {
        PrintTarget::Plan => (RecordTable::Plan, "plan"),
        PrintTarget::Review => (RecordTable::Review, "review"),
        PrintTarget::SubjectAccess => {
            // `id` is the pupil's; only a strategic lead produces the document.
            let action = if as_pdf {
                Action::PupilSarPdf
            } else {
                Action::PupilSarPrint
            };
            let target = access::target(id, None);
            let user = access::require_lead(
                vault,
                action,
                Some(&target),
                "print a subject access document",
                now,
            )?;
            access::require_pupil(vault, id, action, now)?;
            access::record(vault.conn()?, &user, action, Some(&target), now)?;
            return Ok(());
        }
    };
    let action = match (what, as_pdf) {
        (PrintTarget::Plan, false) => Action::PlanPrint,
        (PrintTarget::Plan, true) => Action::PlanPdf,
        (_, false) => Action::ReviewPrint,
        (_, true) => Action::ReviewPdf,
    };
    let (user, pupil_id) = access::require_record(vault, table, id, action, now)?;
    access::record(
        vault.conn()?,
        &user,
        action,
        Some(&access::target(pupil_id, Some((name, id)))),
        now,
    )?;
    Ok(())
}
