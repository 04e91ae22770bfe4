//! Plans (IDPs), their goals and their review due dates, stored.
//!
//! A pupil has at most one active plan. A plan is built from a framework (the default one —
//! Secure Base — unless another is named; ids are checked against the frameworks the caller
//! loaded), starts on a date and has a horizon 2 to 3 years later. Its cadence yields every
//! review due date across the horizon ([`schedule::due_dates`]) from the school calendars in
//! the vault ([`crate::planning::calendars`]); changing the cadence or the calendars recomputes dates from
//! today on and keeps earlier ones ([`schedule::recompute`]), and dates already held are kept.

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Vault};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::access::{self, RecordTable};
use crate::error::{Error, Result};
use crate::model::{
    Goal, GoalInput, GoalStatus, PlanInput, PlanRequest, PlanStatus, PlanSummary, PlanView,
    RenewPlanInput, RenewPlanRequest,
};
use crate::planning::calendars;
use crate::planning::due::{self, cadence_from_str, cadence_to_str, Horizon};
use crate::rules::framework::Framework;
use crate::rules::schedule::{self, Cadence};
use crate::store::{self, d2s, get_date, get_enum, get_opt_date, ts};

/// The longest goal outcome, in characters.
pub const MAX_OUTCOME_CHARS: usize = 1000;
/// The largest Pupil Premium Plus cost of a goal, in pence (£100,000).
pub const MAX_PP_PLUS_PENCE: i64 = 10_000_000;

/// `d` moved `years` years on (29 February becomes 28 February in a common year).
pub fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day()).unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(d.year() + years, 2, 28).expect("28 February exists")
    })
}

/// Where a renewal of a plan ending on `horizon_end` starts: the day after, while that is still
/// ahead, otherwise `today`.
pub fn renew_from(horizon_end: NaiveDate, today: NaiveDate) -> NaiveDate {
    horizon_end
        .succ_opt()
        .filter(|d| *d > today)
        .unwrap_or(today)
}

impl PlanRequest {
    /// The plan this request asks for, its horizon `horizon_years` (2 or 3) after the start.
    pub fn resolve(&self) -> Result<PlanInput> {
        if !(2..=3).contains(&self.horizon_years) {
            return Err(Error::invalid(
                "horizon_years",
                "A plan's horizon is 2 or 3 years.",
            ));
        }
        Ok(PlanInput {
            framework_id: self.framework_id.clone(),
            start: self.start,
            horizon_end: add_years(self.start, i32::from(self.horizon_years)),
            cadence: self.cadence,
        })
    }
}

impl RenewPlanRequest {
    /// See [`PlanRequest::resolve`].
    pub fn resolve(&self) -> Result<RenewPlanInput> {
        Ok(RenewPlanInput {
            plan: self.plan.resolve()?,
            carry_goal_ids: self.carry_goal_ids.clone(),
        })
    }
}

fn framework<'a>(frameworks: &'a [Framework], id: Option<&str>) -> Result<&'a Framework> {
    match id {
        Some(id) => frameworks.iter().find(|f| f.id == id).ok_or_else(|| {
            Error::invalid(
                "framework_id",
                "There is no framework with that id; choose one of those loaded.",
            )
        }),
        None => frameworks
            .iter()
            .find(|f| f.is_default)
            .or_else(|| frameworks.first())
            .ok_or_else(|| Error::invalid("framework_id", "No plan framework is loaded.")),
    }
}

struct PlanRow {
    id: i64,
    pupil_id: i64,
    framework_id: String,
    start: NaiveDate,
    horizon_end: NaiveDate,
    cadence: Cadence,
    status: PlanStatus,
}

impl PlanRow {
    fn horizon(&self) -> Horizon {
        Horizon {
            plan_id: self.id,
            start: self.start,
            horizon_end: self.horizon_end,
            cadence: self.cadence,
        }
    }
}

fn plan_row(conn: &Connection, plan_id: i64) -> Result<PlanRow> {
    conn.query_row(
        "SELECT id, pupil_id, framework_id, start_date, horizon_end, cadence, status FROM plans WHERE id = ?1",
        [plan_id],
        |r| {
            Ok(PlanRow {
                id: r.get(0)?,
                pupil_id: r.get(1)?,
                framework_id: r.get(2)?,
                start: get_date(r, 3)?,
                horizon_end: get_date(r, 4)?,
                cadence: get_enum(r, 5, cadence_from_str)?,
                status: get_enum(r, 6, PlanStatus::parse)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("There is no such plan.".into()))
}

fn load_goals(conn: &Connection, plan_id: i64, fw: Option<&Framework>) -> Result<Vec<Goal>> {
    let mut stmt = conn.prepare(
        "SELECT id, plan_id, domain_id, outcome, baseline, target, strategies, who, how_often,
                pp_plus_cost_pence, status, position
         FROM goals WHERE plan_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([plan_id], |r| {
        let domain_id: String = r.get(2)?;
        Ok(Goal {
            id: r.get(0)?,
            plan_id: r.get(1)?,
            domain_name: fw
                .and_then(|f| f.domain(&domain_id))
                .map_or_else(|| domain_id.clone(), |d| d.name.clone()),
            domain_id,
            outcome: r.get(3)?,
            baseline: r.get(4)?,
            target: r.get(5)?,
            strategies: r.get(6)?,
            who: r.get(7)?,
            how_often: r.get(8)?,
            pp_plus_cost_pence: r.get(9)?,
            status: get_enum(r, 10, GoalStatus::parse)?,
            position: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

pub(crate) fn view(
    conn: &Connection,
    plan_id: i64,
    frameworks: &[Framework],
    today: NaiveDate,
) -> Result<PlanView> {
    let p = plan_row(conn, plan_id)?;
    let fw = frameworks.iter().find(|f| f.id == p.framework_id);
    Ok(PlanView {
        id: p.id,
        pupil_id: p.pupil_id,
        framework_name: fw.map_or_else(|| p.framework_id.clone(), |f| f.name.clone()),
        framework_id: p.framework_id,
        start: p.start,
        horizon_end: p.horizon_end,
        renew_from: renew_from(p.horizon_end, today),
        cadence: p.cadence,
        cadence_label: p.cadence.label(),
        status: p.status,
        goals: load_goals(conn, plan_id, fw)?,
        due_dates: due::load(conn, plan_id, today)?,
    })
}

pub(crate) fn load_active(
    conn: &Connection,
    pupil_id: i64,
    frameworks: &[Framework],
    today: NaiveDate,
) -> Result<Option<PlanView>> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM plans WHERE pupil_id = ?1 AND status = 'active'",
            [pupil_id],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| view(conn, id, frameworks, today)).transpose()
}

/// Starts a plan for a pupil with no active plan. Audited as `plan.create`.
pub fn start_plan(
    vault: &mut Vault,
    pupil_id: i64,
    input: &PlanInput,
    frameworks: &[Framework],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PlanView> {
    let user = access::require_pupil(vault, pupil_id, Action::PlanCreate, now)?;
    let fw = framework(frameworks, input.framework_id.as_deref())?;
    let (earliest, latest) = (add_years(input.start, 2), add_years(input.start, 3));
    if input.horizon_end < earliest || input.horizon_end > latest {
        return Err(Error::invalid(
            "horizon_end",
            "A plan's horizon ends 2 to 3 years after it starts.",
        ));
    }
    input
        .cadence
        .validate()
        .map_err(|e| Error::invalid("cadence", store::capitalise(&e.to_string()) + "."))?;
    let active: bool = vault.conn()?.query_row(
        "SELECT EXISTS (SELECT 1 FROM plans WHERE pupil_id = ?1 AND status = 'active')",
        [pupil_id],
        |r| r.get(0),
    )?;
    if active {
        return Err(Error::invalid(
            "plan",
            "This pupil already has a current plan: close it before starting another.",
        ));
    }
    let (cals, _) = calendars::effective(vault.conn()?, today)?;
    let due = schedule::due_dates(input.start, input.horizon_end, input.cadence, &cals)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::Plans)?;
    tx.execute(
        "INSERT INTO plans (id, pupil_id, framework_id, start_date, horizon_end, cadence, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            pupil_id,
            fw.id,
            d2s(input.start),
            d2s(input.horizon_end),
            cadence_to_str(input.cadence),
            ts(now),
            user.id
        ],
    )?;
    due::write(&tx, id, &due, None)?;
    access::record(
        &tx,
        &user,
        Action::PlanCreate,
        Some(&access::target(pupil_id, Some(("plan", id)))),
        now,
    )?;
    let v = view(&tx, id, frameworks, today)?;
    tx.commit()?;
    Ok(v)
}

/// Writes due dates: all of them, or (with `from`) only those on or after `from`, replacing the
/// not-yet-held dates there.
/// A plan with its goals and dates. Audited as `plan.view`.
pub fn get_plan(
    vault: &Vault,
    plan_id: i64,
    frameworks: &[Framework],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PlanView> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::PlanView, now)?;
    let v = view(vault.conn()?, plan_id, frameworks, today)?;
    access::record(
        vault.conn()?,
        &user,
        Action::PlanView,
        Some(&access::target(pupil_id, Some(("plan", plan_id)))),
        now,
    )?;
    Ok(v)
}

/// Every plan a pupil has had, the current one first, then earlier ones newest first, each with
/// its goal and signed-review counts: the way to reach a closed plan, its reviews and its
/// progress (issue 16, item 2). Audited as `plan.list`.
pub fn list_plans(
    vault: &Vault,
    pupil_id: i64,
    frameworks: &[Framework],
    now: DateTime<Utc>,
) -> Result<Vec<PlanSummary>> {
    let user = access::require_pupil(vault, pupil_id, Action::PlanList, now)?;
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT p.id, p.framework_id, p.start_date, p.horizon_end, p.status,
                substr(p.closed_at, 1, 10),
                (SELECT count(*) FROM goals g WHERE g.plan_id = p.id),
                (SELECT count(*) FROM reviews r WHERE r.plan_id = p.id AND r.status = 'signed')
         FROM plans p WHERE p.pupil_id = ?1
         ORDER BY p.status = 'active' DESC, p.start_date DESC, p.id DESC",
    )?;
    let rows = stmt.query_map([pupil_id], |r| {
        let framework_id: String = r.get(1)?;
        Ok(PlanSummary {
            id: r.get(0)?,
            framework_name: frameworks
                .iter()
                .find(|f| f.id == framework_id)
                .map_or(framework_id, |f| f.name.clone()),
            start: get_date(r, 2)?,
            horizon_end: get_date(r, 3)?,
            status: get_enum(r, 4, PlanStatus::parse)?,
            closed_on: get_opt_date(r, 5)?,
            goals: r.get(6)?,
            signed_reviews: r.get(7)?,
        })
    })?;
    let list = rows.collect::<std::result::Result<Vec<_>, _>>()?;
    access::record(
        conn,
        &user,
        Action::PlanList,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    Ok(list)
}

/// Changes an active plan's cadence: dates before `today` are kept, later ones recomputed.
/// Audited as `plan.update`.
pub fn change_cadence(
    vault: &mut Vault,
    plan_id: i64,
    cadence: Cadence,
    frameworks: &[Framework],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PlanView> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::PlanUpdate, now)?;
    cadence
        .validate()
        .map_err(|e| Error::invalid("cadence", store::capitalise(&e.to_string()) + "."))?;
    let mut p = plan_row(vault.conn()?, plan_id)?;
    if p.status != PlanStatus::Active {
        return Err(Error::invalid("plan", "This plan is closed."));
    }
    p.cadence = cadence;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE plans SET cadence = ?2 WHERE id = ?1",
        params![plan_id, cadence_to_str(cadence)],
    )?;
    let (cals, _) = calendars::effective(&tx, today)?;
    due::recompute(&tx, &p.horizon(), today, &cals)?;
    access::record(
        &tx,
        &user,
        Action::PlanUpdate,
        Some(&access::target(pupil_id, Some(("plan", plan_id)))),
        now,
    )?;
    let v = view(&tx, plan_id, frameworks, today)?;
    tx.commit()?;
    Ok(v)
}

/// Closes a plan (kept as history), so another can be started. Audited as `plan.close`.
pub fn close_plan(vault: &mut Vault, plan_id: i64, now: DateTime<Utc>) -> Result<()> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::PlanClose, now)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE plans SET status = 'closed', closed_at = ?2 WHERE id = ?1 AND status = 'active'",
        params![plan_id, ts(now)],
    )?;
    access::record(
        &tx,
        &user,
        Action::PlanClose,
        Some(&access::target(pupil_id, Some(("plan", plan_id)))),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

/// Renews a plan at the end of its horizon: the old plan is closed and kept whole (its goals,
/// ratings and reviews untouched); a new plan starts with the same framework (unless another is
/// named) and the chosen active goals carried forward as new goals, each starting from its
/// latest signed rating (its baseline when it was never reviewed). The new plan must start after
/// the old one did. Audited as `plan.renew` (and `plan.close`, `plan.create`, `goal.create`).
pub fn renew_plan(
    vault: &mut Vault,
    plan_id: i64,
    input: &RenewPlanInput,
    frameworks: &[Framework],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PlanView> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::PlanRenew, now)?;
    let old = plan_row(vault.conn()?, plan_id)?;
    if old.status != PlanStatus::Active {
        return Err(Error::invalid(
            "plan",
            "Only the current plan can be renewed.",
        ));
    }
    let fw = framework(
        frameworks,
        Some(
            input
                .plan
                .framework_id
                .as_deref()
                .unwrap_or(&old.framework_id),
        ),
    )?;
    if input.plan.start <= old.start {
        return Err(Error::invalid(
            "start",
            "The new plan starts after the current one started.",
        ));
    }
    let (earliest, latest) = (
        add_years(input.plan.start, 2),
        add_years(input.plan.start, 3),
    );
    if input.plan.horizon_end < earliest || input.plan.horizon_end > latest {
        return Err(Error::invalid(
            "horizon_end",
            "A plan's horizon ends 2 to 3 years after it starts.",
        ));
    }
    input
        .plan
        .cadence
        .validate()
        .map_err(|e| Error::invalid("cadence", store::capitalise(&e.to_string()) + "."))?;
    let goals = load_goals(vault.conn()?, plan_id, Some(fw))?;
    let mut carried = Vec::new();
    for id in &input.carry_goal_ids {
        let goal = goals.iter().find(|g| g.id == *id).ok_or_else(|| {
            Error::invalid("carry_goal_ids", "Choose goals of the plan being renewed.")
        })?;
        if goal.status != GoalStatus::Active {
            return Err(Error::invalid(
                "carry_goal_ids",
                "Only goals still being worked on can be carried forward.",
            ));
        }
        if fw.domain(&goal.domain_id).is_none() {
            return Err(Error::invalid(
                "carry_goal_ids",
                format!(
                    "A carried goal's domain is not one of the {} domains: keep the plan's framework.",
                    fw.name
                ),
            ));
        }
        let latest: Option<u8> = vault
            .conn()?
            .query_row(
                "SELECT rr.rating FROM review_goal_ratings rr JOIN reviews r ON r.id = rr.review_id
             WHERE rr.goal_id = ?1 AND r.status = 'signed' AND rr.rating IS NOT NULL
             ORDER BY r.held_on DESC, r.due_date DESC, r.id DESC LIMIT 1",
                [goal.id],
                |r| r.get(0),
            )
            .optional()?;
        let g = GoalInput {
            domain_id: goal.domain_id.clone(),
            outcome: goal.outcome.clone(),
            baseline: latest.unwrap_or(goal.baseline),
            target: goal.target,
            strategies: goal.strategies.clone(),
            who: goal.who.clone(),
            how_often: goal.how_often.clone(),
            pp_plus_cost_pence: goal.pp_plus_cost_pence,
        };
        let checked = check_goal(&g, fw)?;
        carried.push((g, checked, goal.id));
    }
    let (cals, _) = calendars::effective(vault.conn()?, today)?;
    let due = schedule::due_dates(
        input.plan.start,
        input.plan.horizon_end,
        input.plan.cadence,
        &cals,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE plans SET status = 'closed', closed_at = ?2 WHERE id = ?1 AND status = 'active'",
        params![plan_id, ts(now)],
    )?;
    let new_id = next_id(&tx, ids::RecordTable::Plans)?;
    tx.execute(
        "INSERT INTO plans (id, pupil_id, framework_id, start_date, horizon_end, cadence, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            new_id,
            pupil_id,
            fw.id,
            d2s(input.plan.start),
            d2s(input.plan.horizon_end),
            cadence_to_str(input.plan.cadence),
            ts(now),
            user.id
        ],
    )?;
    due::write(&tx, new_id, &due, None)?;
    let target = |what: (&str, i64)| access::target(pupil_id, Some(what));
    access::record(
        &tx,
        &user,
        Action::PlanClose,
        Some(&target(("plan", plan_id))),
        now,
    )?;
    access::record(
        &tx,
        &user,
        Action::PlanCreate,
        Some(&target(("plan", new_id))),
        now,
    )?;
    for (g, checked, from) in &carried {
        let id = insert_goal(&tx, new_id, g, checked, Some(*from), now)?;
        access::record(
            &tx,
            &user,
            Action::GoalCreate,
            Some(&target(("goal", id))),
            now,
        )?;
    }
    access::record(
        &tx,
        &user,
        Action::PlanRenew,
        Some(&target(("plan", new_id))),
        now,
    )?;
    let v = view(&tx, new_id, frameworks, today)?;
    tx.commit()?;
    Ok(v)
}

pub(crate) struct CheckedGoal {
    outcome: String,
    strategies: String,
    who: String,
    how_often: String,
}

pub(crate) fn check_goal(input: &GoalInput, fw: &Framework) -> Result<CheckedGoal> {
    if fw.domain(&input.domain_id).is_none() {
        return Err(Error::invalid(
            "domain_id",
            format!("Choose one of the {} domains.", fw.name),
        ));
    }
    if input.baseline > 10 {
        return Err(Error::invalid("baseline", "The baseline is rated 0 to 10."));
    }
    if input.target > 10 {
        return Err(Error::invalid("target", "The target is rated 0 to 10."));
    }
    if input
        .pp_plus_cost_pence
        .is_some_and(|c| !(0..=MAX_PP_PLUS_PENCE).contains(&c))
    {
        return Err(Error::invalid(
            "pp_plus_cost_pence",
            "The Pupil Premium Plus cost is £0 to £100,000.",
        ));
    }
    Ok(CheckedGoal {
        outcome: store::text(
            "outcome",
            "the outcome",
            &input.outcome,
            MAX_OUTCOME_CHARS,
            true,
            true,
        )?,
        strategies: store::text(
            "strategies",
            "the strategies",
            &input.strategies,
            2000,
            false,
            true,
        )?,
        who: store::text("who", "who does what", &input.who, 200, false, true)?,
        how_often: store::text(
            "how_often",
            "how often",
            &input.how_often,
            200,
            false,
            false,
        )?,
    })
}

/// Inserts a checked goal at the end of a plan's goals; returns its id.
pub(crate) fn insert_goal(
    tx: &Transaction<'_>,
    plan_id: i64,
    input: &GoalInput,
    g: &CheckedGoal,
    carried_from: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id = next_id(tx, ids::RecordTable::Goals)?;
    tx.execute(
        "INSERT INTO goals (id, plan_id, domain_id, outcome, baseline, target, strategies, who,
             how_often, pp_plus_cost_pence, position, created_at, updated_at, carried_from)
         VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
             (SELECT coalesce(max(position), 0) + 1 FROM goals WHERE plan_id = ?1), ?10, ?10, ?12)",
        params![
            plan_id,
            input.domain_id,
            g.outcome,
            input.baseline,
            input.target,
            g.strategies,
            g.who,
            g.how_often,
            input.pp_plus_cost_pence,
            ts(now),
            id,
            carried_from
        ],
    )?;
    Ok(id)
}

/// The framework a stored plan was built from, among those loaded.
pub(crate) fn framework_of_plan<'a>(
    conn: &Connection,
    plan_id: i64,
    frameworks: &'a [Framework],
) -> Result<&'a Framework> {
    plan_framework(&plan_row(conn, plan_id)?, frameworks)
}

fn goal_view(conn: &Connection, goal_id: i64, frameworks: &[Framework]) -> Result<Goal> {
    let (plan_id, fw_id): (i64, String) = conn.query_row(
        "SELECT g.plan_id, p.framework_id FROM goals g JOIN plans p ON p.id = g.plan_id WHERE g.id = ?1",
        [goal_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let fw = frameworks.iter().find(|f| f.id == fw_id);
    load_goals(conn, plan_id, fw)?
        .into_iter()
        .find(|g| g.id == goal_id)
        .ok_or_else(|| Error::NotFound("There is no such goal.".into()))
}

fn plan_framework<'a>(p: &PlanRow, frameworks: &'a [Framework]) -> Result<&'a Framework> {
    frameworks
        .iter()
        .find(|f| f.id == p.framework_id)
        .ok_or_else(|| {
            Error::invalid(
                "framework_id",
                "This plan's framework is not loaded, so its goals cannot be checked.",
            )
        })
}

/// Adds a goal to an active plan; the domain must be one of the plan's framework. Audited as
/// `goal.create`.
pub fn add_goal(
    vault: &mut Vault,
    plan_id: i64,
    input: &GoalInput,
    frameworks: &[Framework],
    now: DateTime<Utc>,
) -> Result<Goal> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Plan, plan_id, Action::GoalCreate, now)?;
    let p = plan_row(vault.conn()?, plan_id)?;
    if p.status != PlanStatus::Active {
        return Err(Error::invalid("plan", "This plan is closed."));
    }
    let g = check_goal(input, plan_framework(&p, frameworks)?)?;
    let tx = vault.conn_mut()?.transaction()?;
    let id = insert_goal(&tx, plan_id, input, &g, None, now)?;
    access::record(
        &tx,
        &user,
        Action::GoalCreate,
        Some(&access::target(pupil_id, Some(("goal", id)))),
        now,
    )?;
    let goal = goal_view(&tx, id, frameworks)?;
    tx.commit()?;
    Ok(goal)
}

/// Edits a goal. Audited as `goal.update`.
pub fn update_goal(
    vault: &mut Vault,
    goal_id: i64,
    input: &GoalInput,
    frameworks: &[Framework],
    now: DateTime<Utc>,
) -> Result<Goal> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Goal, goal_id, Action::GoalUpdate, now)?;
    let plan_id: i64 =
        vault
            .conn()?
            .query_row("SELECT plan_id FROM goals WHERE id = ?1", [goal_id], |r| {
                r.get(0)
            })?;
    let p = plan_row(vault.conn()?, plan_id)?;
    if p.status != PlanStatus::Active {
        return Err(Error::invalid("plan", "This plan is closed."));
    }
    let g = check_goal(input, plan_framework(&p, frameworks)?)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE goals SET domain_id = ?2, outcome = ?3, baseline = ?4, target = ?5, strategies = ?6,
             who = ?7, how_often = ?8, pp_plus_cost_pence = ?9, updated_at = ?10 WHERE id = ?1",
        params![
            goal_id,
            input.domain_id,
            g.outcome,
            input.baseline,
            input.target,
            g.strategies,
            g.who,
            g.how_often,
            input.pp_plus_cost_pence,
            ts(now)
        ],
    )?;
    access::record(
        &tx,
        &user,
        Action::GoalUpdate,
        Some(&access::target(pupil_id, Some(("goal", goal_id)))),
        now,
    )?;
    let goal = goal_view(&tx, goal_id, frameworks)?;
    tx.commit()?;
    Ok(goal)
}

/// Marks a goal active, achieved or stopped. Audited as `goal.update`.
pub fn set_goal_status(
    vault: &mut Vault,
    goal_id: i64,
    status: GoalStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let (user, pupil_id) =
        access::require_record(vault, RecordTable::Goal, goal_id, Action::GoalUpdate, now)?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "UPDATE goals SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![goal_id, status.as_str(), ts(now)],
    )?;
    access::record(
        &tx,
        &user,
        Action::GoalUpdate,
        Some(&access::target(pupil_id, Some(("goal", goal_id)))),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date;

    fn request(start: NaiveDate, horizon_years: u8) -> PlanRequest {
        PlanRequest {
            framework_id: None,
            start,
            horizon_years,
            cadence: Cadence::SixWeekly,
        }
    }

    #[test]
    fn a_request_for_two_or_three_years_ends_that_many_years_on() {
        let r = request(date!(2026 - 09 - 07), 2).resolve().unwrap();
        assert_eq!(r.horizon_end, date!(2028 - 09 - 07));
        let r = request(date!(2026 - 09 - 07), 3).resolve().unwrap();
        assert_eq!(r.horizon_end, date!(2029 - 09 - 07));
        // 29 February has no twin in a common year; in a leap year it keeps its day.
        let r = request(date!(2028 - 02 - 29), 2).resolve().unwrap();
        assert_eq!(r.horizon_end, date!(2030 - 02 - 28));
        let r = request(date!(2024 - 02 - 29), 3).resolve().unwrap();
        assert_eq!(r.horizon_end, date!(2027 - 02 - 28));
        for bad in [0, 1, 4, 255] {
            let e = request(date!(2026 - 09 - 07), bad).resolve().unwrap_err();
            assert!(e.to_string().contains("2 or 3 years"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_renewal_starts_the_day_after_the_horizon_or_today_once_it_has_passed() {
        let end = date!(2027 - 12 - 31);
        assert_eq!(
            renew_from(end, date!(2027 - 06 - 01)),
            date!(2028 - 01 - 01)
        );
        assert_eq!(
            renew_from(end, date!(2027 - 12 - 31)),
            date!(2028 - 01 - 01)
        );
        assert_eq!(
            renew_from(end, date!(2028 - 01 - 01)),
            date!(2028 - 01 - 01)
        );
        assert_eq!(
            renew_from(end, date!(2028 - 03 - 05)),
            date!(2028 - 03 - 05)
        );
    }
}
