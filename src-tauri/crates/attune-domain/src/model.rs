//! The types the record operations take and return: what crosses to the UI through the shell.
//!
//! Every type derives `Serialize` (and `Deserialize` for inputs) and `ts_rs::TS`, so the shell
//! can generate TypeScript from them. Conventions:
//! - enums are `snake_case` strings;
//! - dates (`chrono::NaiveDate`) are `"YYYY-MM-DD"` strings; timestamps are RFC 3339 UTC strings;
//! - record ids are SQLite rowids (`number` in TypeScript; they stay far below 2^53);
//! - a user is referred to by [`UserRef`] (id and display name).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::rules::calendar::SchoolCalendar;
use crate::rules::identifiers::IdentifierKind;
use crate::rules::schedule::Cadence;

/// A string-valued enum with `as_str`, `parse` and `label`.
macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $s:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stored (and serialised) form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)*
                }
            }

            /// Reads the stored form.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($s => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// How it is named to a person.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }
        }
    };
}

str_enum! {
    /// Where a pupil stands.
    PupilStatus {
        /// On roll and supported.
        Active = "active", "Active";
        /// Has left the school (kept until the retention period ends).
        Left = "left", "Left";
        /// Archived by the strategic lead: read only, on no caseload.
        Archived = "archived", "Archived";
    }
}

str_enum! {
    /// The kind of a contact with a pupil.
    SessionKind {
        /// A short check-in.
        CheckIn = "check_in", "Check-in";
        /// A planned session.
        Planned = "planned", "Planned session";
        /// Crisis support.
        Crisis = "crisis", "Crisis support";
        /// A meet-and-greet (arrival, start of day).
        MeetAndGreet = "meet_and_greet", "Meet and greet";
    }
}

str_enum! {
    /// The kind of a significant event in a pupil's chronology.
    ChronologyKind {
        /// A move of care placement.
        PlacementMove = "placement_move", "Placement move";
        /// A bereavement.
        Bereavement = "bereavement", "Bereavement";
        /// An exclusion (suspension or permanent).
        Exclusion = "exclusion", "Exclusion";
        /// A transition (class, key stage, school).
        Transition = "transition", "Transition";
        /// A new sibling.
        NewSibling = "new_sibling", "New sibling";
        /// Anything else significant.
        Other = "other", "Other";
    }
}

str_enum! {
    /// An outside agency whose advice is kept in the profile.
    AgencyKind {
        /// Educational psychologist.
        EducationalPsychologist = "educational_psychologist", "Educational psychologist";
        /// Child and adolescent mental health services.
        Camhs = "camhs", "CAMHS";
        /// Social worker.
        SocialWorker = "social_worker", "Social worker";
        /// Another agency (named in the source).
        Other = "other", "Other";
    }
}

str_enum! {
    /// A goal's state.
    GoalStatus {
        /// Being worked on.
        Active = "active", "Active";
        /// Achieved.
        Achieved = "achieved", "Achieved";
        /// Stopped.
        Stopped = "stopped", "Stopped";
    }
}

str_enum! {
    /// A plan's state. A pupil has at most one active plan.
    PlanStatus {
        /// The current plan.
        Active = "active", "Active";
        /// Closed (kept as history).
        Closed = "closed", "Closed";
    }
}

str_enum! {
    /// An assessment instrument whose scores (never items) are kept.
    Instrument {
        /// Strengths and Difficulties Questionnaire.
        Sdq = "sdq", "SDQ";
        /// The Boxall Profile.
        Boxall = "boxall", "Boxall Profile";
        /// The Thrive Approach's developmental stage.
        Thrive = "thrive", "Thrive";
    }
}

str_enum! {
    /// Which of the school's configurable lists.
    ListKind {
        /// Care status (looked after, previously looked after, child in need, none, …).
        CareStatus = "care_status", "Care status";
        /// Support level (Universal, Additional, Intensive by default).
        SupportLevel = "support_level", "Support level";
    }
}

str_enum! {
    /// What a search hit is.
    HitKind {
        /// A pupil's name.
        Pupil = "pupil", "Pupil";
        /// A goal's outcome.
        Goal = "goal", "Goal";
        /// A session note.
        SessionNote = "session_note", "Session note";
        /// A chronology entry.
        Chronology = "chronology", "Chronology";
        /// A review's text: attendees, goal evidence, voices, Signs of Safety, next steps.
        Review = "review", "Review";
        /// An amendment to a signed review.
        ReviewAmendment = "review_amendment", "Review amendment";
        /// The pupil's "about me".
        AboutMe = "about_me", "About me";
        /// Outside-agency advice.
        Advice = "advice", "Advice";
        /// A member of the pupil's TouchBase team.
        TeamMember = "team_member", "Team";
        /// A supervision or consultation note (about a key adult, not one pupil).
        SupervisionNote = "supervision_note", "Supervision note";
    }
}

/// A member of staff, by id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

// ----------------------------------------------------------------------------------------------
// Pupils

/// An identifier as typed: validated by the [`crate::rules::identifiers`] rules when stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdentifierInput {
    pub kind: IdentifierKind,
    pub value: String,
}

/// A stored identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdentifierView {
    pub kind: IdentifierKind,
    /// Normalised (a UPN upper case).
    pub value: String,
    /// A temporary UPN, to be replaced when the permanent one arrives.
    pub temporary: bool,
}

/// What the strategic lead enters to add or edit a pupil.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PupilInput {
    pub legal_forename: String,
    pub legal_surname: String,
    /// Blank or absent: none.
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub date_of_birth: NaiveDate,
    /// As written ("Year 5", "Y5", "R", "P3"); stored as its code.
    pub year_group: String,
    /// Any of a UPN, an SCN and a local id (at most one of each kind).
    #[serde(default)]
    pub identifiers: Vec<IdentifierInput>,
    /// One of the school's care statuses ([`ListKind::CareStatus`]).
    #[serde(default)]
    pub care_status: Option<String>,
    /// One of the school's support levels ([`ListKind::SupportLevel`]).
    #[serde(default)]
    pub support_level: Option<String>,
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub relationship_start: Option<NaiveDate>,
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub relationship_planned_end: Option<NaiveDate>,
}

/// One change of a pupil's care status or support level, with the day it took effect
/// ([`crate::record::status_history`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StatusChange {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ListKind,
    /// `None`: none from this day.
    pub value: Option<String>,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub effective_from: NaiveDate,
    /// RFC 3339, UTC.
    pub recorded_at: String,
    /// `None`: not known (recorded before history was kept, or by a path that names no user).
    pub recorded_by: Option<UserRef>,
}

/// A pupil's core record.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Pupil {
    #[ts(type = "number")]
    pub id: i64,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_name: Option<String>,
    /// The preferred name (else the legal forename) and the legal surname.
    pub display_name: String,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub date_of_birth: NaiveDate,
    /// The year group's code ("Y5", "R", "P3").
    pub year_group: String,
    /// How it is shown ("Year 5").
    pub year_group_label: String,
    pub identifiers: Vec<IdentifierView>,
    pub care_status: Option<String>,
    pub support_level: Option<String>,
    pub key_adult: Option<UserRef>,
    pub status: PupilStatus,
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub left_on: Option<NaiveDate>,
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub relationship_start: Option<NaiveDate>,
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub relationship_planned_end: Option<NaiveDate>,
    pub created_at: String,
    pub updated_at: String,
}

/// One period of a key adult's assignment to a pupil.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Assignment {
    pub key_adult: UserRef,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub from: NaiveDate,
    /// None while current.
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub to: Option<NaiveDate>,
}

/// How the caseload is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseloadSort {
    /// Surname, then name.
    #[default]
    Name,
    /// Soonest next review first; pupils with none last.
    NextReview,
    /// Longest since the last session first; pupils never seen first of all.
    LastSession,
}

/// Which pupils the caseload shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaseloadQuery {
    /// Strategic lead only: one key adult's caseload. Ignored for a key adult (always theirs).
    #[serde(default)]
    pub key_adult_id: Option<String>,
    /// Only this support level.
    #[serde(default)]
    pub support_level: Option<String>,
    /// Only pupils with an overdue review.
    #[serde(default)]
    pub overdue_only: bool,
    /// Include pupils who have left (archived pupils are never on a caseload).
    #[serde(default)]
    pub include_left: bool,
    #[serde(default)]
    pub sort: CaseloadSort,
}

/// One line of a caseload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CaseloadRow {
    #[ts(type = "number")]
    pub pupil_id: i64,
    /// The preferred name, else the legal forename.
    pub preferred_name: String,
    pub surname: String,
    pub year_group: String,
    pub year_group_label: String,
    pub support_level: Option<String>,
    /// The earliest review date of the current plan not yet held.
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub next_review: Option<NaiveDate>,
    /// The next review's date is before today.
    pub overdue: bool,
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub last_session: Option<NaiveDate>,
    pub key_adult_name: Option<String>,
    pub status: PupilStatus,
}

// ----------------------------------------------------------------------------------------------
// Profile and team

/// "About me". Every field is free text, empty when not yet written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Profile {
    #[serde(default)]
    pub strengths_interests: String,
    #[serde(default)]
    pub what_helps: String,
    #[serde(default)]
    pub what_does_not_help: String,
    /// Shared with the family.
    #[serde(default)]
    pub stressors: String,
    /// Shared with the family.
    #[serde(default)]
    pub calmers: String,
    /// The pupil's story.
    #[serde(default)]
    pub story: String,
    #[serde(default)]
    pub starting_point: String,
    /// Developmental age against chronological age.
    #[serde(default)]
    pub developmental_age_notes: String,
}

/// Advice from an outside agency, as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgencyAdviceInput {
    pub agency: AgencyKind,
    /// Who gave it ("Dr A. Patel, EP service").
    pub source: String,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub advised_on: NaiveDate,
    pub advice: String,
}

/// Stored advice from an outside agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgencyAdvice {
    #[ts(type = "number")]
    pub id: i64,
    pub agency: AgencyKind,
    pub source: String,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub advised_on: NaiveDate,
    pub advice: String,
    pub recorded_by: Option<String>,
}

/// A TouchBase team member as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TeamMemberInput {
    pub name: String,
    /// Their role for the pupil ("class teacher", "SENCO", "carer").
    pub role: String,
}

/// A stored TouchBase team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TeamMember {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub role: String,
}

// ----------------------------------------------------------------------------------------------
// Plans

/// What starts a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlanInput {
    /// None: the default framework (Secure Base).
    #[serde(default)]
    pub framework_id: Option<String>,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    /// 2 to 3 years after the start.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub horizon_end: NaiveDate,
    pub cadence: Cadence,
}

/// What the window sends to start a plan: the horizon as a number of years (2 or 3), turned
/// into its end date here ([`crate::planning::plans::add_years`]: 29 February becomes 28 February), so
/// no date rule lives in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlanRequest {
    /// None: the default framework (Secure Base).
    #[serde(default)]
    pub framework_id: Option<String>,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    /// 2 or 3.
    pub horizon_years: u8,
    pub cadence: Cadence,
}

/// What the window sends to renew a plan (see [`PlanRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RenewPlanRequest {
    pub plan: PlanRequest,
    #[serde(default)]
    #[ts(type = "number[]")]
    pub carry_goal_ids: Vec<i64>,
}

/// A plan renewed at the end of its horizon, with the goals carried forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RenewPlanInput {
    /// The new plan (its framework defaults to the old plan's).
    pub plan: PlanInput,
    /// Active goals of the old plan to carry forward; each starts from its latest rating.
    #[serde(default)]
    #[ts(type = "number[]")]
    pub carry_goal_ids: Vec<i64>,
}

/// A goal as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GoalInput {
    /// A domain of the plan's framework.
    pub domain_id: String,
    /// The SMART outcome.
    pub outcome: String,
    /// 0 to 10.
    pub baseline: u8,
    /// 0 to 10.
    pub target: u8,
    #[serde(default)]
    pub strategies: String,
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub how_often: String,
    /// Pupil Premium Plus cost in pence.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub pp_plus_cost_pence: Option<i64>,
}

/// A stored goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Goal {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub plan_id: i64,
    pub domain_id: String,
    /// The domain's name in the plan's framework (the id when the framework is not loaded).
    pub domain_name: String,
    pub outcome: String,
    pub baseline: u8,
    pub target: u8,
    pub strategies: String,
    pub who: String,
    pub how_often: String,
    #[ts(type = "number | null")]
    pub pp_plus_cost_pence: Option<i64>,
    pub status: GoalStatus,
    pub position: u32,
}

/// A review due date of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewDue {
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub date: NaiveDate,
    /// Depends on term dates not entered yet.
    pub provisional: bool,
    /// The review for this date has been recorded.
    pub held: bool,
    /// Not held and before today.
    pub overdue: bool,
}

/// A plan with its goals and review dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlanView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub pupil_id: i64,
    pub framework_id: String,
    pub framework_name: String,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub horizon_end: NaiveDate,
    /// Where a renewal would start: the day after the horizon while that is still ahead,
    /// otherwise today.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub renew_from: NaiveDate,
    pub cadence: Cadence,
    /// "every 6 weeks", "half-termly", …
    pub cadence_label: String,
    pub status: PlanStatus,
    pub goals: Vec<Goal>,
    pub due_dates: Vec<ReviewDue>,
}

/// One of a pupil's plans, current or earlier, as listed on the pupil page (issue 16, item 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlanSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub framework_name: String,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub start: NaiveDate,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub horizon_end: NaiveDate,
    pub status: PlanStatus,
    /// The day it was closed (renewed or ended), for an earlier plan.
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub closed_on: Option<NaiveDate>,
    pub goals: u32,
    pub signed_reviews: u32,
}

/// Which of a pupil's sessions to list, a page at a time (issue 16, item 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionQuery {
    /// Only this kind of session.
    #[serde(default)]
    pub kind: Option<SessionKind>,
    /// Held on or after this day (a term's or a school year's first day).
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub from: Option<NaiveDate>,
    /// Held on or before this day.
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub to: Option<NaiveDate>,
    /// Continue after this session (the previous page's `next`).
    #[serde(default)]
    pub after: Option<SessionCursor>,
    /// 1 to 200.
    pub limit: u32,
}

/// Where a page of sessions ended: the last session shown (newest first, by day then id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionCursor {
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub held_on: NaiveDate,
    #[ts(type = "number")]
    pub id: i64,
}

/// A page of a pupil's sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionPage {
    pub sessions: Vec<SessionEntry>,
    /// Every session that matches the filter, on all pages.
    pub total: u32,
    /// Where the next page starts; none on the last page.
    pub next: Option<SessionCursor>,
    /// The school years and terms the pupil's sessions fall in, newest first, each with how
    /// many (not withdrawn) sessions it holds, to filter by: on the first page only (empty on
    /// later pages, which continue the same filter).
    pub periods: Vec<SessionPeriod>,
}

/// A school year or one of its terms, as a choice of sessions to browse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionPeriod {
    /// "Spring term 2025-26" or "The school year 2025-26".
    pub label: String,
    /// True for a whole school year (1 August to 31 July, holidays included).
    pub whole_year: bool,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub to: NaiveDate,
    /// The pupil's sessions in it, of every kind.
    pub sessions: u32,
}

/// The school calendars used for review dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CalendarsView {
    pub calendars: Vec<SchoolCalendar>,
    /// True when none has been entered and these are the UK defaults for the current and
    /// following school years (a starting point for the strategic lead to edit).
    pub defaults: bool,
}

// ----------------------------------------------------------------------------------------------
// Sessions, chronology, scores, indicators

/// A session as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionInput {
    /// The caller defaults it to today.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub held_on: NaiveDate,
    /// 1 to 480.
    pub minutes: u32,
    pub kind: SessionKind,
    /// The pupil's regulation or mood, 0 to 10.
    #[serde(default)]
    pub regulation: Option<u8>,
    /// Up to 2,000 characters.
    #[serde(default)]
    pub note: String,
    /// A reference to the record in the school's safeguarding system, if the session led to
    /// one (the form reminds, issue 16 item 7). The concern itself never belongs here.
    #[serde(default)]
    pub safeguarding_ref: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionEntry {
    #[ts(type = "number")]
    pub id: i64,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub held_on: NaiveDate,
    pub minutes: u32,
    pub kind: SessionKind,
    pub regulation: Option<u8>,
    pub note: String,
    pub safeguarding_ref: Option<String>,
    pub recorded_by: Option<String>,
    /// Corrections and withdrawal (issue 16).
    pub changes: EntryChanges,
}

/// A chronology event as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChronologyInput {
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub occurred_on: NaiveDate,
    pub kind: ChronologyKind,
    pub description: String,
    /// A reference to the record in the school's safeguarding system. A safeguarding concern
    /// itself belongs in that system, never here.
    #[serde(default)]
    pub safeguarding_ref: Option<String>,
}

/// A stored chronology event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChronologyEvent {
    #[ts(type = "number")]
    pub id: i64,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub occurred_on: NaiveDate,
    pub kind: ChronologyKind,
    pub description: String,
    pub safeguarding_ref: Option<String>,
    pub recorded_by: Option<String>,
    /// Corrections and withdrawal (issue 16).
    pub changes: EntryChanges,
}

/// An instrument score as entered. See [`crate::record::records`] for what each instrument accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScoreInput {
    pub instrument: Instrument,
    /// SDQ: none for the total difficulties score, else a subscale; Boxall: the strand;
    /// Thrive: none.
    #[serde(default)]
    pub subscale: Option<String>,
    /// SDQ and Boxall.
    #[serde(default)]
    pub score: Option<u32>,
    /// Thrive: the stage's name.
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub completed_on: NaiveDate,
    /// Who completed it ("class teacher", "parent", "key adult").
    pub completed_by: String,
}

/// A stored instrument score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InstrumentScore {
    #[ts(type = "number")]
    pub id: i64,
    pub instrument: Instrument,
    pub subscale: Option<String>,
    pub score: Option<u32>,
    pub stage: Option<String>,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub completed_on: NaiveDate,
    pub completed_by: String,
    /// Corrections and withdrawal (issue 16).
    pub changes: EntryChanges,
}

/// A term's indicators as entered (each figure optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct IndicatorsInput {
    /// "Autumn 2026": a term's name and the calendar year it starts in.
    pub term: String,
    /// 0 to 100.
    #[serde(default)]
    pub attendance_pct: Option<f64>,
    /// Days (halves allowed), 0 or more.
    #[serde(default)]
    pub exclusion_days: Option<f64>,
    #[serde(default)]
    pub physical_interventions: Option<u32>,
}

/// A pupil's stored indicators for one term.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TermlyIndicators {
    /// The row's id (what a correction or withdrawal names).
    #[ts(type = "number")]
    pub id: i64,
    pub term: String,
    pub attendance_pct: Option<f64>,
    pub exclusion_days: Option<f64>,
    pub physical_interventions: Option<u32>,
    /// Corrections and withdrawal (issue 16).
    pub changes: EntryChanges,
}

/// Which kind of pupil's entry a correction or withdrawal is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Session,
    Chronology,
    Score,
    Indicators,
}

/// Who changed an entry, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChangeMark {
    /// The user's name (none if the user has since gone from the vault).
    pub by: Option<String>,
    /// When (RFC 3339, UTC).
    pub at: String,
    pub reason: String,
}

/// One field of an earlier version, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VersionField {
    /// "Note", "Date", …
    pub label: String,
    /// The value as it was ("" when it was empty).
    pub value: String,
}

/// A version an entry had before a correction replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EarlierVersion {
    /// The correction that replaced it: who, when, why.
    pub replaced: ChangeMark,
    /// The fields the correction changed, with the values they had in this version.
    pub fields: Vec<VersionField>,
}

/// What has happened to an entry since it was entered (issue 16, item 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct EntryChanges {
    /// How many times it has been corrected.
    pub corrections: u32,
    /// The latest correction.
    pub corrected: Option<ChangeMark>,
    /// Its withdrawal, if it was withdrawn.
    pub withdrawn: Option<ChangeMark>,
    /// The versions it had before, newest first: for a strategic lead (and the subject access
    /// document) only; empty for a key adult.
    pub earlier: Vec<EarlierVersion>,
}

/// What an indicators CSV import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IndicatorImportOutcome {
    /// Rows written (new or replacing a pupil's figures for that term).
    pub imported: usize,
    /// Every bad line, with its number and reason.
    pub bad: Vec<LineError>,
}

// ----------------------------------------------------------------------------------------------
// Opening a pupil

/// Everything on a pupil's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PupilRecord {
    pub pupil: Pupil,
    pub assignments: Vec<Assignment>,
    pub profile: Profile,
    pub agency_advice: Vec<AgencyAdvice>,
    pub team: Vec<TeamMember>,
    /// The active plan, if any.
    pub plan: Option<PlanView>,
    /// The most recent sessions, newest first.
    pub sessions: Vec<SessionEntry>,
    /// How many sessions there are in all.
    pub session_count: u32,
    /// Oldest first.
    pub chronology: Vec<ChronologyEvent>,
    /// Newest first.
    pub scores: Vec<InstrumentScore>,
    /// In term order as entered (oldest first).
    pub indicators: Vec<TermlyIndicators>,
    /// Care status and support level over time, by kind, oldest first.
    pub status_history: Vec<StatusChange>,
}

// ----------------------------------------------------------------------------------------------
// Search, drafts, audit, lists, import

/// One full-text search hit: on a pupil the session may see, or a supervision note it may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SearchHit {
    pub kind: HitKind,
    /// The pupil the hit is about; none for a supervision note.
    #[ts(type = "number | null")]
    pub pupil_id: Option<i64>,
    /// The pupil's display name; empty for a supervision note.
    pub pupil_name: String,
    /// The record: the pupil's id for a pupil or "about me" hit; the review's id for a review
    /// or one of its amendments; otherwise the goal, session, chronology entry, advice, team
    /// member or supervision note's id.
    #[ts(type = "number")]
    pub record_id: i64,
    /// A review's date (held on, else due), advice's date, a supervision meeting's date:
    /// 'YYYY-MM-DD'.
    pub date: Option<String>,
    /// Who gave outside-agency advice.
    pub source: Option<String>,
    /// The key adult a supervision note is about.
    pub key_adult: Option<UserRef>,
    /// A few words around the match, the matched words between `[` and `]`.
    pub snippet: String,
}

/// A saved draft of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Draft {
    pub form_key: String,
    /// What the UI saved (JSON as text).
    pub content: String,
    pub updated_at: String,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditQuery {
    /// Actions starting with this ("pupil.", "session.create").
    #[serde(default)]
    pub action_prefix: Option<String>,
    /// One user's actions.
    #[serde(default)]
    pub user_id: Option<String>,
    /// From this day (UTC), inclusive.
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub from: Option<NaiveDate>,
    /// To this day (UTC), inclusive.
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub to: Option<NaiveDate>,
    /// At most this many, newest first (default 200, at most 5,000).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The audit chain's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditVerification {
    pub intact: bool,
    /// The first entry whose hash or link does not hold.
    #[ts(type = "number | null")]
    pub first_broken_seq: Option<i64>,
}

/// The school's configurable lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PickLists {
    /// The care statuses offered for new choices, in the school's order.
    pub care_statuses: Vec<String>,
    /// The support levels offered for new choices, in the school's order.
    pub support_levels: Vec<String>,
    /// Every care status in the school's order, retired ones too (still on the records
    /// that hold them), for the screen that manages the list.
    pub care_status_items: Vec<ListItem>,
    /// Every support level in the school's order, retired ones too.
    pub support_level_items: Vec<ListItem>,
}

/// One item of a school list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ListItem {
    pub label: String,
    /// No longer offered for new choices; kept on the records that hold it.
    pub retired: bool,
}

/// How a pupil import treats bad lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Import nothing when any line is bad.
    AllOrNothing,
    /// Import the good lines, skip the bad.
    GoodOnly,
}

/// What a pupil import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportOutcome {
    /// Pupils added.
    pub imported: usize,
    /// Every bad line: those of the preview and any the vault refused (an identifier added
    /// since the preview, a care status or support level not in the school's list).
    pub bad: Vec<LineError>,
}

// ----------------------------------------------------------------------------------------------
// Reviews

str_enum! {
    /// What a review decides for a goal.
    GoalDecision {
        /// Keep working on it as it is.
        Continue = "continue", "Continue";
        /// Keep it, changed.
        Change = "change", "Change";
        /// Achieved: it leaves the active plan when the review is signed off.
        Achieved = "achieved", "Achieved";
        /// Stopped: it leaves the active plan when the review is signed off.
        Stop = "stop", "Stop";
    }
}

str_enum! {
    /// A review's state: a draft while it is recorded, then signed off and immutable.
    ReviewStatus {
        /// Being recorded.
        Draft = "draft", "Draft";
        /// Signed off: never changed again, only amended.
        Signed = "signed", "Signed off";
    }
}

str_enum! {
    /// Who may sign a review off (the `review_sign_off` setting; a strategic lead by default).
    ReviewSignOff {
        /// The pupil's key adult (or a strategic lead).
        KeyAdult = "key_adult", "Key adult";
        /// A strategic lead only.
        StrategicLead = "strategic_lead", "Strategic lead";
    }
}

str_enum! {
    /// Where a point of a goal's progress series comes from.
    ProgressSource {
        /// The goal's baseline, at the plan's start.
        Baseline = "baseline", "Baseline";
        /// A signed review's rating.
        Review = "review", "Review";
    }
}

/// Someone at a review meeting, with their own 0–10 scaling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttendeeInput {
    /// Up to 100 characters.
    pub name: String,
    /// Their role ("parent", "class teacher", …), up to 100 characters.
    #[serde(default)]
    pub role: String,
    /// Their own scaling, 0 to 10.
    #[serde(default)]
    pub scaling: Option<u8>,
}

/// A review's finding for one goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GoalReviewInput {
    #[ts(type = "number")]
    pub goal_id: i64,
    /// The new rating, 0 to 10 (required to sign off).
    #[serde(default)]
    pub rating: Option<u8>,
    /// Up to 2,000 characters.
    #[serde(default)]
    pub evidence: String,
    /// Required to sign off.
    #[serde(default)]
    pub decision: Option<GoalDecision>,
}

/// What a review records, saved as a draft as it is typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ReviewInput {
    #[serde(default)]
    pub attendees: Vec<AttendeeInput>,
    /// One per active goal of the plan.
    #[serde(default)]
    pub goals: Vec<GoalReviewInput>,
    #[serde(default)]
    pub pupil_voice: String,
    #[serde(default)]
    pub parent_carer_voice: String,
    /// Signs of Safety: what is working well.
    #[serde(default)]
    pub working_well: String,
    /// Signs of Safety: what we are worried about.
    #[serde(default)]
    pub worried_about: String,
    /// Signs of Safety: what needs to happen.
    #[serde(default)]
    pub needs_to_happen: String,
    #[serde(default)]
    pub next_steps: String,
    /// New goals agreed at the review, added to the plan when it is signed off.
    #[serde(default)]
    pub new_goals: Vec<GoalInput>,
    /// None: the next scheduled due date.
    #[serde(default, with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub next_review_date: Option<NaiveDate>,
}

/// An active goal as the review form starts from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewGoalPrefill {
    #[ts(type = "number")]
    pub goal_id: i64,
    pub domain_id: String,
    pub outcome: String,
    pub baseline: u8,
    pub target: u8,
    /// The rating of the latest signed review before this one, if any.
    pub last_rating: Option<u8>,
}

/// What the vault already knows for a review: the active goals, and the sessions and
/// chronology events of its window, and the previous review's next steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewPrefill {
    /// The window's first day, inclusive: the previous signed review's due date, or the plan's
    /// start.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub window_from: NaiveDate,
    /// The window's end, exclusive: this review's due date.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub window_to: NaiveDate,
    pub goals: Vec<ReviewGoalPrefill>,
    /// Oldest first.
    pub sessions: Vec<SessionEntry>,
    /// Oldest first.
    pub events: Vec<ChronologyEvent>,
    /// The previous signed review's next steps ("" for the first review).
    pub last_next_steps: String,
}

/// An amendment to a signed review, shown beside the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewAmendment {
    #[ts(type = "number")]
    pub id: i64,
    pub reason: String,
    pub text: String,
    pub author: Option<UserRef>,
    /// RFC 3339 UTC.
    pub at: String,
}

/// A review: its record, what the vault pre-fills, and (once signed) its amendments in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Review {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub plan_id: i64,
    #[ts(type = "number")]
    pub pupil_id: i64,
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub due_date: NaiveDate,
    pub status: ReviewStatus,
    /// As saved; `next_review_date` is filled with the scheduled one when left empty.
    pub content: ReviewInput,
    pub prefill: ReviewPrefill,
    pub signed_by: Option<UserRef>,
    /// RFC 3339 UTC.
    pub signed_at: Option<String>,
    /// The date it was held (signed off).
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub held_on: Option<NaiveDate>,
    /// Held on or before its due date.
    pub on_time: Option<bool>,
    pub amendments: Vec<ReviewAmendment>,
}

/// A plan's due date with its review, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewSlot {
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub due_date: NaiveDate,
    pub provisional: bool,
    #[ts(type = "number | null")]
    pub review_id: Option<i64>,
    pub status: Option<ReviewStatus>,
    #[serde(with = "crate::rules::dates::iso_option")]
    #[ts(type = "string | null")]
    pub held_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    /// The due date has passed and no review for it is signed off.
    pub overdue: bool,
    /// The first date on or after today with no signed review: the next review due.
    pub next: bool,
}

/// One point of a goal's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProgressPoint {
    /// The plan's start for the baseline; the date a review was held.
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub date: NaiveDate,
    pub rating: u8,
    pub source: ProgressSource,
    #[ts(type = "number | null")]
    pub review_id: Option<i64>,
    /// The plan the point belongs to: a goal carried forward at a renewal has points in every
    /// plan it ran through.
    #[ts(type = "number")]
    pub plan_id: i64,
    /// That plan's start (where a chart marks the change of plan).
    #[serde(with = "crate::rules::dates::iso")]
    #[ts(type = "string")]
    pub plan_start: NaiveDate,
}

/// The sessions of one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MonthSessions {
    /// "2026-10".
    pub month: String,
    pub sessions: u32,
    pub minutes: u32,
}

/// A plan's timeline: its reviews, sessions per month and chronology events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlanTimeline {
    pub reviews: Vec<ReviewSlot>,
    /// Every month from the plan's start to today (or its horizon), oldest first.
    pub months: Vec<MonthSessions>,
    /// Oldest first.
    pub events: Vec<ChronologyEvent>,
}

str_enum! {
    /// What is printed for a meeting.
    PrintTarget {
        /// The whole plan.
        Plan = "plan", "Plan";
        /// One review.
        Review = "review", "Review";
        /// A pupil's subject access document (strategic lead only).
        SubjectAccess = "subject_access", "Subject access document";
    }
}

/// A row that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LineError {
    /// The line (spreadsheet row), from 1; the header is line 1.
    pub line: usize,
    /// Every reason the row was refused, joined by "; ".
    pub reason: String,
}
