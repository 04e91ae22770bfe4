//! The facts behind an anonymised summary (issue 5), read from the vault for the exporter
//! (`attune-export`), which aggregates them, applies disclosure control and writes the files.
//!
//! Only the strategic lead may read them ([`access::require_lead`]; a refusal is audited). What
//! leaves this module is **anonymised per pupil** and held in memory only: a year-group band,
//! care status, support level, whether a plan was active, review outcomes, goals (framework
//! domain, baseline, latest signed rating), session counts and minutes, Signs of Safety scaling
//! and termly indicators. Never a name, date of birth, identifier, record id, exact date or any
//! free text. [`identifying_strings`] is the one exception, and exists so the exporter's leak
//! guard can prove that none of them reached its output: it returns every pupil's names,
//! identifiers and date of birth (and the staff's names) in zeroise-on-drop strings.
//!
//! # Periods
//!
//! A [`Period`] is a school year (`2025-26`) or one term of it (`2025-26 autumn`), resolved with
//! the school's term dates for that year ([`crate::planning::calendars`]) or, when none were entered for
//! it, the typical England year ([`SchoolCalendar::uk_default`]; [`ResolvedPeriod::default_calendar`]
//! says so). A school year runs from 1 August to 31 July (as
//! [`crate::planning::calendars::school_year_start`]). Its terms **tile** it: each term reports from its
//! first day to the day before the next term starts (so a holiday counts with the term before
//! it), the first term from 1 August and the last to 31 July.
//!
//! # Who is counted
//!
//! A pupil is *supported in the period* when a plan of theirs was active at some time in it (it
//! started on or before the period's last day and was still active, or closed on or after its
//! first day) or a session with them was logged in it. Every pupil status counts (a pupil who
//! has left since was still supported then).
//!
//! # The facts of one pupil ([`PupilFacts`])
//!
//! - **Year-group band** ([`YearBand`]): the year group held now, moved back one year for each
//!   school year between the period and today (a Year 6 pupil today was in Year 5 last year),
//!   then banded: Nursery and Reception; Years 1–2, 3–4, 5–6, 7–9, 10–11, 12–14; Scotland's
//!   P1–P2, P3–P4, P5–P7, S1–S3, S4–S6.
//! - **Care status** and **support level** (the school's own labels) **in force in the period**:
//!   the values of the pupil's status history ([`crate::record::status_history`]) in force on
//!   the period's last day — or, for a pupil who left before that day, on the day they left
//!   (the last day they were on roll in it; [`status_day`]). So a summary of 2024-25 exported
//!   after a change in 2025-26 counts the pupil under their 2024-25 value, and a trend across
//!   years follows the changes. A period still running counts today's values (no change takes
//!   effect after today). Before a pupil's first recorded value, the value their record began
//!   with (every record begins with one per kind, "none" included, so a value given later is
//!   never counted before it took effect).
//! - **Plan active**: a plan was active at some time in the period.
//! - **Reviews**: for each due date in the period of a plan active in it (scheduled in
//!   `review_due_dates`, or with a review recorded for it): held **on time** (signed off on or
//!   before the due date), held **late** (signed after it), or **overdue** (not signed off and
//!   the date has passed, `today`). A date still to come with no signed review is not counted.
//!   A closed plan's dates after it closed are not counted.
//! - **Goals** of the plans active in the period, created by its last day: the framework and
//!   domain (id and name), the baseline, and the latest rating from a signed review held by the
//!   period's last day (none if not yet rated).
//! - **Sessions** in the period: how many of each kind, and their minutes.
//! - **Signs of Safety scaling**: for each signed review held by the period's last day, the mean
//!   of the attendees' own 0–10 scalings (reviews where nobody scaled are skipped); the pupil's
//!   first and latest such means, when there are at least two such reviews.
//! - **Termly indicators** (attendance %, exclusion days, physical interventions): those of the
//!   latest recorded term before the term in which support began (usually the term just
//!   before), and those of the latest recorded term inside the period that is not before the
//!   term support began. Support began with the pupil's first plan, else the start of the key
//!   adult relationship, else the first session. Term labels are matched to the calendars
//!   ("Autumn 2025" is the Autumn term starting in 2025).
//!
//! # Audit
//!
//! [`summary_facts`] is audited `summary.preview` (for a preview) with the period as the target
//! (`period:2025-26 autumn`), nothing else. An export is audited by the exporter through
//! [`audit_export`] once its files are written (`summary.export`, target the period and the
//! file names) or when it fails (outcome `failed`).

use attune_vault::{Action, Vault};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::access;
use crate::error::{Error, Result};
use crate::model::ListKind;
use crate::model::SessionKind;
use crate::planning::calendars::school_year_start;
use crate::planning::school_frameworks;
use crate::record::status_history;
use crate::rules::calendar::{year_label, SchoolCalendar};
use crate::rules::framework::Framework;
use crate::rules::year_group::YearGroup;
use crate::store::{d2s, s2d};

// ----------------------------------------------------------------------------------------------
// Periods

/// A reporting period: a school year, or one term of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    /// The calendar year the school year starts in (2025 for 2025-26).
    pub start_year: i32,
    /// The term's name in lower case ("autumn"), or `None` for the whole school year.
    pub term: Option<String>,
}

fn period_error() -> Error {
    Error::invalid(
        "period",
        "Write the period as a school year, such as 2025-26, or a term of one, such as \
         2025-26 autumn.",
    )
}

impl Period {
    /// The whole school year starting in `start_year`.
    pub fn school_year(start_year: i32) -> Period {
        Period {
            start_year,
            term: None,
        }
    }

    /// One term (by name, any case) of the school year starting in `start_year`.
    pub fn term(start_year: i32, name: &str) -> Period {
        Period {
            start_year,
            term: Some(
                name.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase(),
            ),
        }
    }

    /// Reads `2025-26`, `2025/26`, `2025-2026`, and any of those followed by a term's name
    /// (`2025-26 autumn`, `2025-26 Spring`). The term must be one of the school's terms that
    /// year, which is checked when the period is resolved against the vault.
    pub fn parse(text: &str) -> Result<Period> {
        let mut words = text.split_whitespace();
        let year = words.next().ok_or_else(period_error)?;
        let rest: Vec<&str> = words.collect();
        let (a, b) = year.split_once(['-', '/', '–']).ok_or_else(period_error)?;
        if a.len() != 4 || !a.bytes().all(|c| c.is_ascii_digit()) {
            return Err(period_error());
        }
        let start: i32 = a.parse().map_err(|_| period_error())?;
        if !(2000..=2100).contains(&start) || !b.bytes().all(|c| c.is_ascii_digit()) {
            return Err(period_error());
        }
        let next_ok = match b.len() {
            2 => b.parse::<i32>().ok() == Some((start + 1).rem_euclid(100)),
            4 => b.parse::<i32>().ok() == Some(start + 1),
            _ => false,
        };
        if !next_ok {
            return Err(Error::invalid(
                "period",
                format!(
                    "A school year runs over two calendar years in a row: {}.",
                    year_label(start)
                ),
            ));
        }
        if rest.is_empty() {
            return Ok(Period::school_year(start));
        }
        let name = rest.join(" ");
        if name.chars().count() > 20 || !name.chars().all(|c| c.is_alphanumeric() || c == ' ') {
            return Err(period_error());
        }
        Ok(Period::term(start, &name))
    }

    /// `2025-26`, or `2025-26 autumn`.
    pub fn label(&self) -> String {
        match &self.term {
            None => year_label(self.start_year),
            Some(t) => format!("{} {t}", year_label(self.start_year)),
        }
    }

    /// The audit target: `period:2025-26 autumn`.
    pub fn audit_target(&self) -> String {
        format!("period:{}", self.label())
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl std::str::FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Period> {
        Period::parse(s)
    }
}

/// One term of a resolved period, with the days it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTerm {
    /// The term's name as the calendar gives it ("Autumn").
    pub name: String,
    /// "Autumn 2025": the name and the calendar year it starts in (how termly indicators are
    /// labelled).
    pub label: String,
    /// The term's first day.
    pub start: NaiveDate,
    /// The first day it reports (1 August for a year's first term).
    pub from: NaiveDate,
    /// The last day it reports (the day before the next term, or 31 July).
    pub to: NaiveDate,
}

/// A period resolved against the school's term dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPeriod {
    pub period: Period,
    /// The first day counted.
    pub start: NaiveDate,
    /// The last day counted.
    pub end: NaiveDate,
    /// The terms inside it (one for a term, every term of the year for a school year).
    pub terms: Vec<PeriodTerm>,
    /// Whether the term dates are the typical England year because none were entered.
    pub default_calendar: bool,
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a fixed date that exists")
}

/// The calendar for the school year starting in `start_year`: the school's, else the default.
fn calendar_for(stored: &[SchoolCalendar], start_year: i32) -> (SchoolCalendar, bool) {
    let label = year_label(start_year);
    match stored.iter().find(|c| c.year_label == label) {
        Some(c) => (c.clone(), false),
        None => (SchoolCalendar::uk_default(start_year), true),
    }
}

fn stored_calendars(conn: &Connection) -> Result<Vec<SchoolCalendar>> {
    let mut stmt = conn.prepare("SELECT content FROM school_calendars")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(serde_json::from_str(&r?)?);
    }
    Ok(out)
}

/// The terms of one school year, tiling 1 August to 31 July.
fn year_terms(cal: &SchoolCalendar, start_year: i32) -> Vec<PeriodTerm> {
    let mut terms = cal.terms.clone();
    terms.sort_by_key(|t| t.start);
    let first_day = ymd(start_year, 8, 1);
    let last_day = ymd(start_year + 1, 7, 31);
    let n = terms.len();
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| PeriodTerm {
            name: t.name.clone(),
            label: t.label(),
            start: t.start,
            from: if i == 0 {
                first_day.min(t.start)
            } else {
                t.start
            },
            to: if i + 1 == n {
                last_day.max(t.end)
            } else {
                terms[i + 1].start - Duration::days(1)
            },
        })
        .collect()
}

fn resolve_with(stored: &[SchoolCalendar], period: &Period) -> Result<ResolvedPeriod> {
    let (cal, default_calendar) = calendar_for(stored, period.start_year);
    let terms = year_terms(&cal, period.start_year);
    let chosen: Vec<PeriodTerm> = match &period.term {
        None => terms,
        Some(name) => {
            let found: Vec<PeriodTerm> = terms
                .iter()
                .filter(|t| t.name.to_lowercase() == *name)
                .cloned()
                .collect();
            if found.is_empty() {
                let names: Vec<String> = terms.iter().map(|t| t.name.to_lowercase()).collect();
                return Err(Error::invalid(
                    "period",
                    format!(
                        "{} has no term called {name}: its terms are {}.",
                        year_label(period.start_year),
                        names.join(", ")
                    ),
                ));
            }
            found
        }
    };
    let start = chosen.iter().map(|t| t.from).min().expect("a term");
    let end = chosen.iter().map(|t| t.to).max().expect("a term");
    Ok(ResolvedPeriod {
        period: period.clone(),
        start,
        end,
        terms: chosen,
        default_calendar,
    })
}

/// Resolves a period against the school's term dates (any signed-in user; not audited: it
/// holds no pupil data). A term the school's calendar does not have is refused, naming its terms.
pub fn resolve_period(vault: &Vault, period: &Period) -> Result<ResolvedPeriod> {
    access::actor(vault)?;
    resolve_with(&stored_calendars(vault.conn()?)?, period)
}

// ----------------------------------------------------------------------------------------------
// Year-group bands

macro_rules! bands {
    ($($variant:ident = $key:literal, $label:literal;)*) => {
        /// A year-group band: how summaries show age.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum YearBand { $($variant,)* }

        impl YearBand {
            /// Every band, in the order tables list them.
            pub const ALL: &'static [YearBand] = &[$(YearBand::$variant,)*];
            /// A stable key (`years_3_4`).
            pub fn key(self) -> &'static str {
                match self { $(YearBand::$variant => $key,)* }
            }
            /// How it is shown ("Years 3–4").
            pub fn label(self) -> &'static str {
                match self { $(YearBand::$variant => $label,)* }
            }
        }
    };
}

bands! {
    NurseryReception = "nursery_reception", "Nursery and Reception";
    Years1To2 = "years_1_2", "Years 1–2";
    Years3To4 = "years_3_4", "Years 3–4";
    Years5To6 = "years_5_6", "Years 5–6";
    Years7To9 = "years_7_9", "Years 7–9";
    Years10To11 = "years_10_11", "Years 10–11";
    Years12To14 = "years_12_14", "Years 12–14";
    P1ToP2 = "p1_p2", "P1–P2";
    P3ToP4 = "p3_p4", "P3–P4";
    P5ToP7 = "p5_p7", "P5–P7";
    S1ToS3 = "s1_s3", "S1–S3";
    S4ToS6 = "s4_s6", "S4–S6";
}

impl YearBand {
    /// The band of a year group held now, `years_back` school years earlier (negative: later).
    /// Moving back from Reception gives nursery; the ends of each ladder hold.
    pub fn of(year_group: YearGroup, years_back: i32) -> YearBand {
        // England and Wales: N1 0, N2 1, R 2, Y1 3 … Y14 16. Scotland: N1 0, N2 1, P1 2 … P7 8,
        // S1 9 … S6 14. Nursery codes are shared, and read as England's.
        let (scottish, rank) = match year_group {
            YearGroup::Nursery1 => (false, 0),
            YearGroup::Nursery2 => (false, 1),
            YearGroup::Reception => (false, 2),
            YearGroup::Year(n) => (false, i32::from(n) + 2),
            YearGroup::Primary(n) => (true, i32::from(n) + 1),
            YearGroup::Secondary(n) => (true, i32::from(n) + 8),
        };
        let rank = rank - years_back;
        if scottish {
            match rank.clamp(0, 14) {
                0..=1 => YearBand::NurseryReception,
                2..=3 => YearBand::P1ToP2,
                4..=5 => YearBand::P3ToP4,
                6..=8 => YearBand::P5ToP7,
                9..=11 => YearBand::S1ToS3,
                _ => YearBand::S4ToS6,
            }
        } else {
            match rank.clamp(0, 16) {
                0..=2 => YearBand::NurseryReception,
                3..=4 => YearBand::Years1To2,
                5..=6 => YearBand::Years3To4,
                7..=8 => YearBand::Years5To6,
                9..=11 => YearBand::Years7To9,
                12..=13 => YearBand::Years10To11,
                _ => YearBand::Years12To14,
            }
        }
    }
}

// ----------------------------------------------------------------------------------------------
// The facts

/// How a review due in the period went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReviewOutcome {
    /// Signed off on or before its due date.
    OnTime,
    /// Signed off after its due date.
    Late,
    /// Not signed off, and the due date has passed.
    Overdue,
}

impl ReviewOutcome {
    pub const ALL: [ReviewOutcome; 3] = [
        ReviewOutcome::OnTime,
        ReviewOutcome::Late,
        ReviewOutcome::Overdue,
    ];
}

/// One goal: its framework domain, baseline and latest signed rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalFacts {
    pub framework_id: String,
    /// The framework's name, or its id when the framework is no longer known.
    pub framework_name: String,
    pub domain_id: String,
    /// The domain's name, or its id when unknown.
    pub domain_name: String,
    /// Where the domain comes in its framework (0 first), for ordering; `u32::MAX` when unknown.
    pub domain_position: u32,
    /// 0–10.
    pub baseline: u8,
    /// 0–10, from the latest signed review held by the period's last day.
    pub latest: Option<u8>,
}

/// Sessions of one kind in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionFacts {
    pub kind: SessionKind,
    pub sessions: u32,
    pub minutes: u32,
}

/// The mean of the attendees' own scalings at the first and the latest signed review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SosFacts {
    pub first: f64,
    pub latest: f64,
}

/// One term's indicators (any may be missing).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IndicatorValues {
    pub attendance_pct: Option<f64>,
    pub exclusion_days: Option<f64>,
    pub physical_interventions: Option<u32>,
}

/// What a summary may know about one pupil: nothing that names, dates or describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilFacts {
    pub year_band: YearBand,
    /// The school's label, `None` when not recorded.
    pub care_status: Option<String>,
    /// The school's label, `None` when not recorded.
    pub support_level: Option<String>,
    pub plan_active: bool,
    pub reviews: Vec<ReviewOutcome>,
    pub goals: Vec<GoalFacts>,
    /// Only kinds with at least one session.
    pub sessions: Vec<SessionFacts>,
    pub sos: Option<SosFacts>,
    /// The latest recorded term before support began.
    pub indicators_before: Option<IndicatorValues>,
    /// The latest recorded term in the period, not before support began.
    pub indicators_latest: Option<IndicatorValues>,
}

/// Everything a summary is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryFacts {
    pub period: ResolvedPeriod,
    /// The date reviews are overdue against (`now`'s date).
    pub today: NaiveDate,
    /// The school's care statuses, in its order.
    pub care_statuses: Vec<String>,
    /// The school's support levels, in its order.
    pub support_levels: Vec<String>,
    /// A pseudonymous id of this vault for this period (16 hex digits), so a merge can tell two
    /// copies of one school's summary apart from two schools. Not derived from any pupil.
    pub source_id: String,
    /// One per pupil supported in the period, in no meaningful order.
    pub pupils: Vec<PupilFacts>,
}

/// Why the facts are read: the preview is audited here, an export by the exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Preview,
    Export,
}

#[derive(Deserialize)]
struct ScalingOnly {
    #[serde(default)]
    attendees: Vec<AttendeeScaling>,
}

#[derive(Deserialize)]
struct AttendeeScaling {
    #[serde(default)]
    scaling: Option<u8>,
}

fn list(conn: &Connection, name: &str) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT label FROM list_items WHERE list = ?1 ORDER BY position, label")?;
    let rows = stmt.query_map([name], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The pseudonymous source id: from the first audit entry's hash (random to everyone without
/// the vault) and the period.
fn source_id(conn: &Connection, period: &Period) -> Result<String> {
    let first: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM audit_log ORDER BY seq LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let mut h = Sha256::new();
    h.update(b"attune-summary-source/1\n");
    h.update(first.unwrap_or_default());
    h.update(b"\n");
    h.update(period.label().as_bytes());
    Ok(hex::encode(&h.finalize()[..8]))
}

struct PlanRow {
    id: i64,
    framework_id: String,
    closed_on: Option<String>,
}

/// The term (of any school year) a date reports under.
fn term_of(stored: &[SchoolCalendar], date: NaiveDate) -> PeriodTerm {
    let y = school_year_start(date);
    let terms = year_terms(&calendar_for(stored, y).0, y);
    terms
        .iter()
        .find(|t| t.from <= date && date <= t.to)
        .or(terms.last())
        .cloned()
        .expect("a calendar has terms")
}

/// The first day of the term labelled `label` ("Autumn 2025"), looked up in the school years
/// it can belong to.
fn term_start(stored: &[SchoolCalendar], label: &str) -> Option<NaiveDate> {
    let year: i32 = label.rsplit(' ').next()?.parse().ok()?;
    let want = label.to_lowercase();
    for y in [year, year - 1] {
        let terms = year_terms(&calendar_for(stored, y).0, y);
        if let Some(t) = terms.iter().find(|t| t.label.to_lowercase() == want) {
            return Some(t.start);
        }
    }
    None
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[allow(clippy::too_many_arguments)]
fn pupil_facts(
    conn: &Connection,
    stored: &[SchoolCalendar],
    frameworks: &[Framework],
    rp: &ResolvedPeriod,
    today: NaiveDate,
    years_back: i32,
    pupil_id: i64,
    year_group: &str,
    care_status: Option<String>,
    support_level: Option<String>,
    relationship_start: Option<String>,
) -> Result<PupilFacts> {
    let (start, end) = (d2s(rp.start), d2s(rp.end));
    let yg = YearGroup::parse(year_group).map_err(|_| Error::Vault {
        kind: attune_vault::ErrorKind::Internal,
        message: "Internal error: a stored year group could not be read.".into(),
    })?;

    // Plans active in the period.
    let plans: Vec<PlanRow> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, framework_id, substr(closed_at, 1, 10) FROM plans
             WHERE pupil_id = ?1 AND start_date <= ?3
               AND (status = 'active' OR substr(closed_at, 1, 10) >= ?2)
             ORDER BY start_date, id",
        )?;
        let rows = stmt.query_map(params![pupil_id, start, end], |r| {
            Ok(PlanRow {
                id: r.get(0)?,
                framework_id: r.get(1)?,
                closed_on: r.get(2)?,
            })
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };

    // Reviews due in the period.
    let mut reviews = Vec::new();
    for plan in &plans {
        let mut stmt = conn.prepare_cached(
            "SELECT d.due_date,
                    (SELECT r.held_on FROM reviews r WHERE r.plan_id = ?1 AND r.due_date = d.due_date
                       AND r.status = 'signed')
             FROM (SELECT due_date FROM review_due_dates WHERE plan_id = ?1
                   UNION SELECT due_date FROM reviews WHERE plan_id = ?1) d
             WHERE d.due_date BETWEEN ?2 AND ?3 AND (?4 IS NULL OR d.due_date <= ?4)
             ORDER BY d.due_date",
        )?;
        let rows = stmt.query_map(params![plan.id, start, end, plan.closed_on], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        for row in rows {
            let (due, held) = row?;
            let outcome = match held {
                Some(h) if h <= due => Some(ReviewOutcome::OnTime),
                Some(_) => Some(ReviewOutcome::Late),
                None if due < d2s(today) => Some(ReviewOutcome::Overdue),
                None => None,
            };
            reviews.extend(outcome);
        }
    }

    // Goals of those plans.
    let mut goals = Vec::new();
    for plan in &plans {
        let fw = frameworks.iter().find(|f| f.id == plan.framework_id);
        let mut stmt = conn.prepare_cached(
            "SELECT g.domain_id, g.baseline,
                    (SELECT rr.rating FROM reviews r
                     JOIN review_goal_ratings rr ON rr.review_id = r.id AND rr.goal_id = g.id
                     WHERE r.plan_id = ?1 AND r.status = 'signed' AND r.held_on <= ?2
                       AND rr.rating IS NOT NULL
                     ORDER BY r.held_on DESC, r.due_date DESC, r.id DESC LIMIT 1)
             FROM goals g WHERE g.plan_id = ?1 AND substr(g.created_at, 1, 10) <= ?2
             ORDER BY g.position, g.id",
        )?;
        let rows = stmt.query_map(params![plan.id, end], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, Option<u8>>(2)?,
            ))
        })?;
        for row in rows {
            let (domain_id, baseline, latest) = row?;
            let domain_name = fw
                .and_then(|f| f.domain(&domain_id))
                .map_or_else(|| domain_id.clone(), |d| d.name.clone());
            let domain_position = fw
                .and_then(|f| f.domains.iter().position(|d| d.id == domain_id))
                .map_or(u32::MAX, |i| i as u32);
            goals.push(GoalFacts {
                framework_id: plan.framework_id.clone(),
                framework_name: fw.map_or_else(|| plan.framework_id.clone(), |f| f.name.clone()),
                domain_id,
                domain_name,
                domain_position,
                baseline,
                latest,
            });
        }
    }

    // Sessions in the period.
    let sessions = {
        let mut stmt = conn.prepare_cached(
            "SELECT kind, count(*), sum(minutes) FROM sessions
             WHERE pupil_id = ?1 AND held_on BETWEEN ?2 AND ?3 AND withdrawn_at IS NULL
             GROUP BY kind",
        )?;
        let rows = stmt.query_map(params![pupil_id, start, end], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, sessions, minutes) = row?;
            if let Some(kind) = SessionKind::parse(&kind) {
                out.push(SessionFacts {
                    kind,
                    sessions,
                    minutes,
                });
            }
        }
        out.sort_by_key(|s| SessionKind::ALL.iter().position(|k| *k == s.kind));
        out
    };

    // Signs of Safety scaling: first and latest signed review with any scaling. The reviews are
    // ordered by their ids alone (index reviews_plan_signed) and only the texts needed are read
    // (each is pages long): from the front to the first with a scaling, then from the back to
    // the latest, which must be another review.
    let sos = {
        let ids: Vec<i64> = {
            let mut stmt = conn.prepare_cached(
                "SELECT r.id FROM reviews r JOIN plans pl ON pl.id = r.plan_id
                 WHERE pl.pupil_id = ?1 AND r.status = 'signed' AND r.held_on <= ?2
                 ORDER BY r.held_on, r.due_date, r.id",
            )?;
            let rows = stmt.query_map(params![pupil_id, end], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut content = conn.prepare_cached("SELECT content FROM reviews WHERE id = ?1")?;
        let mut scaling_mean = |id: i64| -> Result<Option<f64>> {
            let text = Zeroizing::new(content.query_row([id], |r| r.get::<_, String>(0))?);
            let parsed: ScalingOnly = serde_json::from_str(&text)?;
            let scalings: Vec<f64> = parsed
                .attendees
                .iter()
                .filter_map(|a| a.scaling.filter(|s| *s <= 10).map(f64::from))
                .collect();
            Ok(mean(&scalings))
        };
        let mut first = None;
        for (i, id) in ids.iter().enumerate() {
            if let Some(m) = scaling_mean(*id)? {
                first = Some((i, m));
                break;
            }
        }
        let mut latest = None;
        if let Some((i, _)) = first {
            for id in ids[i + 1..].iter().rev() {
                if let Some(m) = scaling_mean(*id)? {
                    latest = Some(m);
                    break;
                }
            }
        }
        first
            .zip(latest)
            .map(|((_, first), latest)| SosFacts { first, latest })
    };

    // Termly indicators: before support began, and the latest in the period.
    let support_start: Option<NaiveDate> = {
        let first_plan: Option<String> = conn.query_row(
            "SELECT min(start_date) FROM plans WHERE pupil_id = ?1",
            [pupil_id],
            |r| r.get(0),
        )?;
        let first_session: Option<String> = conn.query_row(
            "SELECT min(held_on) FROM sessions WHERE pupil_id = ?1 AND withdrawn_at IS NULL",
            [pupil_id],
            |r| r.get(0),
        )?;
        first_plan
            .or(relationship_start)
            .or(first_session)
            .and_then(|s| s2d(&s).ok())
    };
    let (mut indicators_before, mut indicators_latest) = (None, None);
    if let Some(began) = support_start {
        let began_term = term_of(stored, began).start;
        let mut stmt = conn.prepare_cached(
            "SELECT term_label, attendance_pct, exclusion_days, physical_interventions
             FROM termly_indicators WHERE pupil_id = ?1 AND withdrawn_at IS NULL",
        )?;
        let rows = stmt.query_map([pupil_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                IndicatorValues {
                    attendance_pct: r.get(1)?,
                    exclusion_days: r.get(2)?,
                    physical_interventions: r.get(3)?,
                },
            ))
        })?;
        let mut dated: Vec<(NaiveDate, IndicatorValues)> = Vec::new();
        for row in rows {
            let (label, values) = row?;
            if let Some(d) = term_start(stored, &label) {
                dated.push((d, values));
            }
        }
        dated.sort_by_key(|(d, _)| *d);
        indicators_before = dated
            .iter()
            .rfind(|(d, _)| *d < began_term)
            .map(|(_, v)| *v);
        indicators_latest = dated
            .iter()
            .rfind(|(d, _)| *d >= began_term && rp.start <= *d && *d <= rp.end)
            .map(|(_, v)| *v);
    }

    Ok(PupilFacts {
        year_band: YearBand::of(yg, years_back),
        care_status,
        support_level,
        plan_active: !plans.is_empty(),
        reviews,
        goals,
        sessions,
        sos,
        indicators_before,
        indicators_latest,
    })
}

/// The day whose care status and support level a pupil is counted under in a period ending on
/// `end`: that day, or the day the pupil left if earlier (see the module's notes).
pub fn status_day(end: NaiveDate, left_on: Option<NaiveDate>) -> NaiveDate {
    left_on.map_or(end, |l| l.min(end))
}

/// The anonymised facts of every pupil supported in `period` (strategic lead only; a refusal
/// is audited). Audited `summary.preview` for [`Purpose::Preview`]; for [`Purpose::Export`]
/// the exporter audits through [`audit_export`]. A term the school's calendar does not have
/// is refused.
pub fn summary_facts(
    vault: &Vault,
    period: &Period,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<SummaryFacts> {
    let action = match purpose {
        Purpose::Preview => Action::SummaryPreview,
        Purpose::Export => Action::SummaryExport,
    };
    let user = access::require_lead(
        vault,
        action,
        Some(&period.audit_target()),
        "preview or export anonymised summaries",
        now,
    )?;
    let conn = vault.conn()?;
    let stored = stored_calendars(conn)?;
    let rp = resolve_with(&stored, period)?;
    let frameworks = school_frameworks::list_frameworks(vault)?;
    let today = now.date_naive();
    let years_back = school_year_start(today) - period.start_year;
    let (start, end) = (d2s(rp.start), d2s(rp.end));

    type Row = (i64, String, Option<String>, Option<String>);
    let rows: Vec<Row> = {
        let mut stmt = conn.prepare(
            "SELECT p.id, p.year_group, p.relationship_start, p.left_on
             FROM pupils p
             WHERE EXISTS (SELECT 1 FROM plans pl WHERE pl.pupil_id = p.id AND pl.start_date <= ?2
                             AND (pl.status = 'active' OR substr(pl.closed_at, 1, 10) >= ?1))
                OR EXISTS (SELECT 1 FROM sessions s WHERE s.pupil_id = p.id
                             AND s.held_on BETWEEN ?1 AND ?2 AND s.withdrawn_at IS NULL)
             ORDER BY p.id",
        )?;
        let rows = stmt.query_map(params![start, end], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut pupils = Vec::with_capacity(rows.len());
    for (id, year_group, rel_start, left_on) in rows {
        let day = status_day(rp.end, left_on.as_deref().and_then(|d| s2d(d).ok()));
        let care = status_history::in_force(conn, id, ListKind::CareStatus, day)?;
        let support = status_history::in_force(conn, id, ListKind::SupportLevel, day)?;
        pupils.push(pupil_facts(
            conn,
            &stored,
            &frameworks,
            &rp,
            today,
            years_back,
            id,
            &year_group,
            care,
            support,
            rel_start,
        )?);
    }
    let facts = SummaryFacts {
        care_statuses: list(conn, "care_status")?,
        support_levels: list(conn, "support_level")?,
        source_id: source_id(conn, period)?,
        period: rp,
        today,
        pupils,
    };
    if purpose == Purpose::Preview {
        access::record(conn, &user, action, Some(&period.audit_target()), now)?;
    }
    Ok(facts)
}

/// Checks the session may merge summaries (strategic lead only; a refusal is audited). The
/// merge itself needs no vault; the app runs it inside the session, so the lead's role applies.
pub fn require_merge(vault: &Vault, now: DateTime<Utc>) -> Result<()> {
    access::require_lead(vault, Action::SummaryMerge, None, "merge summaries", now).map(|_| ())
}

/// Audits a merge done in the session: `summary.merge`, target the period.
pub fn audit_merge(vault: &Vault, period: &str, now: DateTime<Utc>) -> Result<()> {
    let user = access::actor(vault)?;
    let target = format!("period:{period}");
    access::record(
        vault.conn()?,
        &user,
        Action::SummaryMerge,
        Some(&target),
        now,
    )
}

/// Audits an export of `period` (strategic lead only): outcome `ok` with the file names written,
/// or `failed` (nothing written). Never any content. Audited `summary.export`, target
/// `period:2025-26 autumn files:a.csv,a.json,a.html`.
pub fn audit_export(
    vault: &Vault,
    period: &Period,
    files: &[String],
    ok: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_lead(
        vault,
        Action::SummaryExport,
        Some(&period.audit_target()),
        "export anonymised summaries",
        now,
    )?;
    let target = if files.is_empty() {
        period.audit_target()
    } else {
        format!("{} files:{}", period.audit_target(), files.join(","))
    };
    if ok {
        access::record(
            vault.conn()?,
            &user,
            Action::SummaryExport,
            Some(&target),
            now,
        )
    } else {
        Ok(vault.audit(Action::SummaryExport, Some(&target), "failed", now)?)
    }
}

// ----------------------------------------------------------------------------------------------
// Identifying strings, for the leak guard

/// What an identifying string is (the leak guard names this, never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifyingKind {
    /// A pupil's legal forename or surname, a part of one, or the full legal name.
    LegalName,
    /// A pupil's preferred name, a part of one, or the preferred name with the surname.
    PreferredName,
    /// A pupil's identifier (UPN, Scottish Candidate Number, local id).
    Identifier,
    /// A pupil's date of birth (`YYYY-MM-DD`; the guard looks for it as people write dates).
    DateOfBirth,
    /// A member of staff's display name.
    StaffName,
}

impl IdentifyingKind {
    /// "a pupil's name", for an error message.
    pub fn label(self) -> &'static str {
        match self {
            IdentifyingKind::LegalName => "a pupil's name",
            IdentifyingKind::PreferredName => "a pupil's preferred name",
            IdentifyingKind::Identifier => "a pupil's identifier",
            IdentifyingKind::DateOfBirth => "a pupil's date of birth",
            IdentifyingKind::StaffName => "a member of staff's name",
        }
    }
}

/// One identifying string, wiped from memory when dropped.
pub struct IdentifyingString {
    pub kind: IdentifyingKind,
    pub text: Zeroizing<String>,
}

impl std::fmt::Debug for IdentifyingString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentifyingString({:?}, hidden)", self.kind)
    }
}

fn parts(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .filter(|p| !p.is_empty())
}

/// Every string in the vault that identifies a pupil or names a member of staff: each pupil's
/// legal forename and surname, their parts (split at spaces and hyphens), the full legal name,
/// the preferred name, its parts and with the surname, every identifier and the date of birth
/// (`YYYY-MM-DD`), for every pupil whatever their status; and every user's display name. For
/// the exporter's leak guard only (strategic lead only; a refusal is audited). Not audited
/// itself: it is part of the export that uses it, which is.
pub fn identifying_strings(vault: &Vault, now: DateTime<Utc>) -> Result<Vec<IdentifyingString>> {
    access::require_lead(
        vault,
        Action::SummaryExport,
        None,
        "export anonymised summaries",
        now,
    )?;
    let conn = vault.conn()?;
    let mut out: Vec<IdentifyingString> = Vec::new();
    let mut push = |kind, text: &str| {
        let t = text.trim();
        if !t.is_empty() {
            out.push(IdentifyingString {
                kind,
                text: Zeroizing::new(t.to_string()),
            });
        }
    };
    {
        let mut stmt = conn.prepare(
            "SELECT legal_forename, legal_surname, preferred_name, date_of_birth FROM pupils",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let fore = Zeroizing::new(r.get::<_, String>(0)?);
            let sur = Zeroizing::new(r.get::<_, String>(1)?);
            let pref = Zeroizing::new(r.get::<_, Option<String>>(2)?.unwrap_or_default());
            let dob = Zeroizing::new(r.get::<_, String>(3)?);
            push(IdentifyingKind::LegalName, &fore);
            push(IdentifyingKind::LegalName, &sur);
            push(
                IdentifyingKind::LegalName,
                &Zeroizing::new(format!("{} {}", fore.trim(), sur.trim())),
            );
            for p in parts(&fore).chain(parts(&sur)) {
                push(IdentifyingKind::LegalName, p);
            }
            if !pref.trim().is_empty() {
                push(IdentifyingKind::PreferredName, &pref);
                push(
                    IdentifyingKind::PreferredName,
                    &Zeroizing::new(format!("{} {}", pref.trim(), sur.trim())),
                );
                for p in parts(&pref) {
                    push(IdentifyingKind::PreferredName, p);
                }
            }
            push(IdentifyingKind::DateOfBirth, &dob);
        }
    }
    {
        let mut stmt = conn.prepare("SELECT value FROM pupil_identifiers")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let v = Zeroizing::new(r.get::<_, String>(0)?);
            push(IdentifyingKind::Identifier, &v);
        }
    }
    {
        let mut stmt = conn.prepare("SELECT name FROM users")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let v = Zeroizing::new(r.get::<_, String>(0)?);
            push(IdentifyingKind::StaffName, &v);
        }
    }
    Ok(out)
}

/// The school's own text that a summary may print: care statuses, support levels, and the
/// names and ids of every framework and domain the vault knows. The leak guard checks these
/// separately for names that are also the exporter's own words (a pupil called Summer).
pub fn school_strings(vault: &Vault) -> Result<Vec<String>> {
    access::actor(vault)?;
    let conn = vault.conn()?;
    let mut out = list(conn, "care_status")?;
    out.extend(list(conn, "support_level")?);
    for f in school_frameworks::list_frameworks(vault)? {
        out.push(f.id.clone());
        out.push(f.name.clone());
        for d in f.domains {
            out.push(d.id);
            out.push(d.name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date;

    #[test]
    fn periods_parse_and_refuse() {
        assert_eq!(Period::parse("2025-26").unwrap(), Period::school_year(2025));
        assert_eq!(
            Period::parse(" 2025/2026 ").unwrap(),
            Period::school_year(2025)
        );
        assert_eq!(
            Period::parse("2025-26 Autumn").unwrap(),
            Period::term(2025, "autumn")
        );
        assert_eq!(Period::parse("2099-00").unwrap(), Period::school_year(2099));
        assert_eq!(
            Period::parse("2025-26 autumn").unwrap().label(),
            "2025-26 autumn"
        );
        for bad in [
            "",
            "2025",
            "2025-27",
            "25-26",
            "2025-26 <b>",
            "autumn 2025-26",
            "2025-2027",
        ] {
            let e = Period::parse(bad).unwrap_err();
            assert_eq!(e.field(), Some("period"), "{bad}");
        }
    }

    #[test]
    fn terms_tile_the_school_year() {
        let p = resolve_with(&[], &Period::school_year(2025)).unwrap();
        assert!(p.default_calendar);
        assert_eq!(p.start, date!(2025 - 08 - 01));
        assert_eq!(p.end, date!(2026 - 07 - 31));
        assert_eq!(p.terms.len(), 3);
        for w in p.terms.windows(2) {
            assert_eq!(w[0].to + Duration::days(1), w[1].from);
        }
        assert_eq!(p.terms[0].label, "Autumn 2025");
        assert_eq!(p.terms[1].label, "Spring 2026");
        let spring = resolve_with(&[], &Period::term(2025, "spring")).unwrap();
        assert_eq!(spring.start, p.terms[1].start);
        assert_eq!(spring.end, p.terms[2].start - Duration::days(1));
        let e = resolve_with(&[], &Period::term(2025, "winter")).unwrap_err();
        assert!(e.to_string().contains("autumn, spring, summer"), "{e}");
    }

    #[test]
    fn year_bands_move_back_with_the_years() {
        let y = |s: &str| YearGroup::parse(s).unwrap();
        assert_eq!(YearBand::of(y("Year 5"), 0), YearBand::Years5To6);
        assert_eq!(YearBand::of(y("Year 5"), 1), YearBand::Years3To4);
        assert_eq!(YearBand::of(y("Year 1"), 1), YearBand::NurseryReception);
        assert_eq!(YearBand::of(y("R"), 0), YearBand::NurseryReception);
        assert_eq!(YearBand::of(y("Year 7"), 0), YearBand::Years7To9);
        assert_eq!(YearBand::of(y("Year 10"), 0), YearBand::Years10To11);
        assert_eq!(YearBand::of(y("Year 13"), -3), YearBand::Years12To14);
        assert_eq!(YearBand::of(y("P1"), 0), YearBand::P1ToP2);
        assert_eq!(YearBand::of(y("P1"), 1), YearBand::NurseryReception);
        assert_eq!(YearBand::of(y("P7"), 0), YearBand::P5ToP7);
        assert_eq!(YearBand::of(y("S1"), 1), YearBand::P5ToP7);
        assert_eq!(YearBand::of(y("S6"), 0), YearBand::S4ToS6);
    }

    #[test]
    fn name_parts_split_at_spaces_and_hyphens() {
        let p: Vec<&str> = parts("Ana-Sofia  de la Cruz").collect();
        assert_eq!(p, ["Ana", "Sofia", "de", "la", "Cruz"]);
    }
}

// ----------------------------------------------------------------------------------------------
// What earlier exports published (issue 11: linked exports are audited together)

/// One earlier export, as the vault keeps it (encrypted, never exported again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedSummary {
    pub period: Period,
    pub k: u32,
    /// The `attune-summary/1` JSON that was written.
    pub summary: String,
    /// The true values behind its counts and amounts (the exporter's own encoding).
    pub figures: String,
}

/// The exports kept for the school year starting in `start_year` (its terms and the year),
/// oldest first. Call only after [`summary_facts`] has checked the session is a lead.
pub fn published_summaries(vault: &Vault, start_year: i32) -> Result<Vec<PublishedSummary>> {
    let conn = vault.conn()?;
    let mut stmt = conn.prepare(
        "SELECT term, k, summary, figures FROM published_summaries WHERE start_year = ?1 \
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![start_year], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (term, k, summary, figures) = row?;
        out.push(PublishedSummary {
            period: Period { start_year, term },
            k,
            summary,
            figures,
        });
    }
    Ok(out)
}

/// Keeps what an export published (inside the vault), for the audit of later exports.
pub fn record_published(
    vault: &Vault,
    period: &Period,
    k: u32,
    summary: &str,
    figures: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let at = attune_vault::datetime::format_instant(now);
    // The same files exported again tell an attacker nothing new: kept once, so re-exporting
    // does not make every later audit of the year longer.
    vault.conn()?.execute(
        "INSERT INTO published_summaries (start_year, term, k, exported_at, summary, figures) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM published_summaries \
           WHERE start_year = ?1 AND term IS ?2 AND k = ?3 AND summary = ?5 AND figures = ?6)",
        params![period.start_year, period.term, k, at, summary, figures],
    )?;
    Ok(())
}
