// Generated from the Rust types in src-tauri (ts-rs). Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a type.

export type Role = "strategic_lead" | "key_adult";
export type UserInfo = { id: string, name: string, role: Role, };
export type PassphraseStrength = { 
/**
 * 0 (very weak) to 4 (very strong).
 */
score: number, acceptable: boolean, warning: string | null, suggestions: Array<string>, };
export type ErrorKind = "locked" | "wrong_passphrase" | "wrong_recovery_key" | "throttled" | "weak_passphrase" | "not_permitted" | "invalid_input" | "not_found" | "key_slots_damaged" | "vault_damaged" | "vault_in_use" | "already_exists" | "must_set_passphrase" | "io" | "internal";
export type CommandError = { kind: ErrorKind, message: string, 
/**
 * Seconds to wait before the next unlock attempt, for `kind == "throttled"`.
 */
retry_after_secs: number | null, 
/**
 * The form field an invalid input is about ("legal_forename", "minutes", …), so the
 * error summary can link to it; null for every other error.
 */
field?: string | null, };
export type SessionInfo = { user: UserInfo, 
/**
 * True when unlocked with the recovery key: the UI must ask for a new passphrase
 * (`reset_passphrase`) before anything else; every other command refuses until then.
 */
must_set_passphrase: boolean, auto_lock_minutes: number, };
export type AppStatus = { "state": "first_run", vault_dir: string, } | { "state": "locked", vault_dir: string, school: string, users: Array<UserInfo>, 
/**
 * Seconds until another attempt is allowed (0 = now).
 */
retry_after_secs: number, 
/**
 * Why the app last locked itself, if it did ("idle", "suspend", "screen_lock", "manual").
 */
last_lock_reason: string | null, } | { "state": "unlocked", vault_dir: string, school: string, session: SessionInfo, };
export type SetupPending = { 
/**
 * The recovery key in groups of four characters, e.g. ["K7QW", "M2PZ", ...].
 */
recovery_groups: Array<string>, 
/**
 * 1-based positions of the groups the user must re-type to confirm they kept it.
 */
confirm_positions: Array<number>, };
export type SetupRequest = { school: string, name: string, passphrase: string, };
export type NewUserRequest = { name: string, role: Role, passphrase: string, };
export type LockedEvent = { reason: string, };
export type AuditEntry = { seq: number, 
/**
 * RFC 3339, UTC.
 */
at: string, actor_id: string | null, actor_name: string, action: string, target: string | null, outcome: string, };
export type IdentifierKind = "upn" | "scottish_candidate_number" | "local";
export type DateRange = { 
/**
 * First day.
 */
start: string, 
/**
 * Last day (inclusive).
 */
end: string, };
export type Term = { 
/**
 * "Autumn", "Spring", "Summer" (or a school's own names).
 */
name: string, 
/**
 * First day of the term.
 */
start: string, 
/**
 * Last day of the term (inclusive).
 */
end: string, 
/**
 * The half-term break inside the term, if there is one.
 */
half_term: DateRange | null, };
export type Closure = { 
/**
 * What it is, for the person reading the calendar ("INSET day", "May Day bank holiday").
 */
label: string, 
/**
 * First day closed.
 */
start: string, 
/**
 * Last day closed (inclusive).
 */
end: string, };
export type SchoolCalendar = { 
/**
 * "2026-27".
 */
year_label: string, 
/**
 * The terms, in any order (validation checks they do not overlap).
 */
terms: Array<Term>, 
/**
 * INSET days, bank holidays and other closures.
 */
closures: Array<Closure>, };
export type Cadence = "six_weekly" | "half_termly" | "termly" | { "custom_weeks": number };
export type Domain = { 
/**
 * Stable id within the framework, `[a-z0-9-]+` ("availability").
 */
id: string, 
/**
 * Name shown to people.
 */
name: string, 
/**
 * One sentence about the domain.
 */
description: string, 
/**
 * Example SMART outcomes to start a goal from.
 */
prompts: Array<string>, };
export type Framework = { 
/**
 * Stable id, `[a-z0-9-]+` ("secure-base").
 */
id: string, 
/**
 * Name shown to people ("Secure Base model").
 */
name: string, 
/**
 * One or two sentences about the framework.
 */
description: string, 
/**
 * Whether a new plan starts from this framework.
 */
default: boolean, 
/**
 * The domains, in the order the file gives them.
 */
domains: Array<Domain>, };
export type PupilStatus = "active" | "left" | "archived";
export type SessionKind = "check_in" | "planned" | "crisis" | "meet_and_greet";
export type ChronologyKind = "placement_move" | "bereavement" | "exclusion" | "transition" | "new_sibling" | "other";
export type AgencyKind = "educational_psychologist" | "camhs" | "social_worker" | "other";
export type GoalStatus = "active" | "achieved" | "stopped";
export type PlanStatus = "active" | "closed";
export type Instrument = "sdq" | "boxall" | "thrive";
export type ListKind = "care_status" | "support_level";
export type HitKind = "pupil" | "goal" | "session_note" | "chronology";
export type UserRef = { id: string, name: string, };
export type IdentifierInput = { kind: IdentifierKind, value: string, };
export type IdentifierView = { kind: IdentifierKind, 
/**
 * Normalised (a UPN upper case).
 */
value: string, 
/**
 * A temporary UPN, to be replaced when the permanent one arrives.
 */
temporary: boolean, };
export type PupilInput = { legal_forename: string, legal_surname: string, 
/**
 * Blank or absent: none.
 */
preferred_name: string | null, date_of_birth: string, 
/**
 * As written ("Year 5", "Y5", "R", "P3"); stored as its code.
 */
year_group: string, 
/**
 * Any of a UPN, an SCN and a local id (at most one of each kind).
 */
identifiers: Array<IdentifierInput>, 
/**
 * One of the school's care statuses ([`ListKind::CareStatus`]).
 */
care_status: string | null, 
/**
 * One of the school's support levels ([`ListKind::SupportLevel`]).
 */
support_level: string | null, relationship_start: string | null, relationship_planned_end: string | null, };
export type Pupil = { id: number, legal_forename: string, legal_surname: string, preferred_name: string | null, 
/**
 * The preferred name (else the legal forename) and the legal surname.
 */
display_name: string, date_of_birth: string, 
/**
 * The year group's code ("Y5", "R", "P3").
 */
year_group: string, 
/**
 * How it is shown ("Year 5").
 */
year_group_label: string, identifiers: Array<IdentifierView>, care_status: string | null, support_level: string | null, key_adult: UserRef | null, status: PupilStatus, left_on: string | null, relationship_start: string | null, relationship_planned_end: string | null, created_at: string, updated_at: string, };
export type Assignment = { key_adult: UserRef, from: string, 
/**
 * None while current.
 */
to: string | null, };
export type CaseloadSort = "name" | "next_review" | "last_session";
export type CaseloadQuery = { 
/**
 * Strategic lead only: one key adult's caseload. Ignored for a key adult (always theirs).
 */
key_adult_id: string | null, 
/**
 * Only this support level.
 */
support_level: string | null, 
/**
 * Only pupils with an overdue review.
 */
overdue_only: boolean, 
/**
 * Include pupils who have left (archived pupils are never on a caseload).
 */
include_left: boolean, sort: CaseloadSort, };
export type CaseloadRow = { pupil_id: number, 
/**
 * The preferred name, else the legal forename.
 */
preferred_name: string, surname: string, year_group: string, year_group_label: string, support_level: string | null, 
/**
 * The earliest review date of the current plan not yet held.
 */
next_review: string | null, 
/**
 * The next review's date is before today.
 */
overdue: boolean, last_session: string | null, key_adult_name: string | null, status: PupilStatus, };
export type Profile = { strengths_interests: string, what_helps: string, what_does_not_help: string, 
/**
 * Shared with the family.
 */
stressors: string, 
/**
 * Shared with the family.
 */
calmers: string, 
/**
 * The pupil's story.
 */
story: string, starting_point: string, 
/**
 * Developmental age against chronological age.
 */
developmental_age_notes: string, };
export type AgencyAdviceInput = { agency: AgencyKind, 
/**
 * Who gave it ("Dr A. Patel, EP service").
 */
source: string, advised_on: string, advice: string, };
export type AgencyAdvice = { id: number, agency: AgencyKind, source: string, advised_on: string, advice: string, recorded_by: string | null, };
export type TeamMemberInput = { name: string, 
/**
 * Their role for the pupil ("class teacher", "SENCO", "carer").
 */
role: string, };
export type TeamMember = { id: number, name: string, role: string, };
export type PlanInput = { 
/**
 * None: the default framework (Secure Base).
 */
framework_id: string | null, start: string, 
/**
 * 2 to 3 years after the start.
 */
horizon_end: string, cadence: Cadence, };
export type GoalInput = { 
/**
 * A domain of the plan's framework.
 */
domain_id: string, 
/**
 * The SMART outcome.
 */
outcome: string, 
/**
 * 0 to 10.
 */
baseline: number, 
/**
 * 0 to 10.
 */
target: number, strategies: string, who: string, how_often: string, 
/**
 * Pupil Premium Plus cost in pence.
 */
pp_plus_cost_pence: number | null, };
export type Goal = { id: number, plan_id: number, domain_id: string, 
/**
 * The domain's name in the plan's framework (the id when the framework is not loaded).
 */
domain_name: string, outcome: string, baseline: number, target: number, strategies: string, who: string, how_often: string, pp_plus_cost_pence: number | null, status: GoalStatus, position: number, };
export type ReviewDue = { date: string, 
/**
 * Depends on term dates not entered yet.
 */
provisional: boolean, 
/**
 * The review for this date has been recorded.
 */
held: boolean, 
/**
 * Not held and before today.
 */
overdue: boolean, };
export type PlanView = { id: number, pupil_id: number, framework_id: string, framework_name: string, start: string, horizon_end: string, cadence: Cadence, 
/**
 * "every 6 weeks", "half-termly", …
 */
cadence_label: string, status: PlanStatus, goals: Array<Goal>, due_dates: Array<ReviewDue>, };
export type CalendarsView = { calendars: Array<SchoolCalendar>, 
/**
 * True when none has been entered and these are the UK defaults for the current and
 * following school years (a starting point for the strategic lead to edit).
 */
defaults: boolean, };
export type SessionInput = { 
/**
 * The caller defaults it to today.
 */
held_on: string, 
/**
 * 1 to 480.
 */
minutes: number, kind: SessionKind, 
/**
 * The pupil's regulation or mood, 0 to 10.
 */
regulation: number | null, 
/**
 * Up to 2,000 characters.
 */
note: string, };
export type SessionEntry = { id: number, held_on: string, minutes: number, kind: SessionKind, regulation: number | null, note: string, recorded_by: string | null, };
export type ChronologyInput = { occurred_on: string, kind: ChronologyKind, description: string, 
/**
 * A reference to the record in the school's safeguarding system. A safeguarding concern
 * itself belongs in that system, never here.
 */
safeguarding_ref: string | null, };
export type ChronologyEvent = { id: number, occurred_on: string, kind: ChronologyKind, description: string, safeguarding_ref: string | null, recorded_by: string | null, };
export type ScoreInput = { instrument: Instrument, 
/**
 * SDQ: none for the total difficulties score, else a subscale; Boxall: the strand;
 * Thrive: none.
 */
subscale: string | null, 
/**
 * SDQ and Boxall.
 */
score: number | null, 
/**
 * Thrive: the stage's name.
 */
stage: string | null, completed_on: string, 
/**
 * Who completed it ("class teacher", "parent", "key adult").
 */
completed_by: string, };
export type InstrumentScore = { id: number, instrument: Instrument, subscale: string | null, score: number | null, stage: string | null, completed_on: string, completed_by: string, };
export type IndicatorsInput = { 
/**
 * "Autumn 2026": a term's name and the calendar year it starts in.
 */
term: string, 
/**
 * 0 to 100.
 */
attendance_pct: number | null, 
/**
 * Days (halves allowed), 0 or more.
 */
exclusion_days: number | null, physical_interventions: number | null, };
export type TermlyIndicators = { term: string, attendance_pct: number | null, exclusion_days: number | null, physical_interventions: number | null, };
export type LineError = { 
/**
 * The line (spreadsheet row), from 1; the header is line 1.
 */
line: number, 
/**
 * Every reason the row was refused, joined by "; ".
 */
reason: string, };
export type IndicatorImportOutcome = { 
/**
 * Rows written (new or replacing a pupil's figures for that term).
 */
imported: number, 
/**
 * Every bad line, with its number and reason.
 */
bad: Array<LineError>, };
export type PupilRecord = { pupil: Pupil, assignments: Array<Assignment>, profile: Profile, agency_advice: Array<AgencyAdvice>, team: Array<TeamMember>, 
/**
 * The active plan, if any.
 */
plan: PlanView | null, 
/**
 * The most recent sessions, newest first.
 */
sessions: Array<SessionEntry>, 
/**
 * How many sessions there are in all.
 */
session_count: number, 
/**
 * Oldest first.
 */
chronology: Array<ChronologyEvent>, 
/**
 * Newest first.
 */
scores: Array<InstrumentScore>, 
/**
 * In term order as entered (oldest first).
 */
indicators: Array<TermlyIndicators>, };
export type SearchHit = { kind: HitKind, pupil_id: number, 
/**
 * The pupil's display name.
 */
pupil_name: string, 
/**
 * The goal, session or chronology event's id; the pupil's id for a pupil hit.
 */
record_id: number, 
/**
 * A few words around the match, the matched words between `[` and `]`.
 */
snippet: string, };
export type Draft = { form_key: string, 
/**
 * What the UI saved (JSON as text).
 */
content: string, updated_at: string, };
export type AuditQuery = { 
/**
 * Actions starting with this ("pupil.", "session.create").
 */
action_prefix: string | null, 
/**
 * One user's actions.
 */
user_id: string | null, 
/**
 * From this day (UTC), inclusive.
 */
from: string | null, 
/**
 * To this day (UTC), inclusive.
 */
to: string | null, 
/**
 * At most this many, newest first (default 200, at most 5,000).
 */
limit: number | null, };
export type AuditVerification = { intact: boolean, 
/**
 * The first entry whose hash or link does not hold.
 */
first_broken_seq: number | null, };
export type PickLists = { care_statuses: Array<string>, support_levels: Array<string>, };
export type ImportMode = "all_or_nothing" | "good_only";
export type ImportOutcome = { 
/**
 * Pupils added.
 */
imported: number, 
/**
 * Every bad line: those of the preview and any the vault refused (an identifier added
 * since the preview, a care status or support level not in the school's list).
 */
bad: Array<LineError>, };
export type PupilField = "legal_forename" | "legal_surname" | "preferred_name" | "date_of_birth" | "year_group" | "upn" | "scn" | "local_id" | "care_status" | "support_level";
export type CsvHeader = { 
/**
 * The line (spreadsheet row) it is on, from 1; 0 when the file has no header row and data
 * starts on line 1.
 */
line: number, 
/**
 * The column names, trimmed ("Column 1", "Column 2", … when the file has no header row).
 */
headers: Array<string>, };
export type ColumnMapping = { 
/**
 * Legal forename.
 */
legal_forename: number | null, 
/**
 * Legal surname.
 */
legal_surname: number | null, 
/**
 * Preferred name.
 */
preferred_name: number | null, 
/**
 * Date of birth.
 */
date_of_birth: number | null, 
/**
 * Year group.
 */
year_group: number | null, 
/**
 * UPN.
 */
upn: number | null, 
/**
 * Scottish Candidate Number.
 */
scn: number | null, 
/**
 * Local id.
 */
local_id: number | null, 
/**
 * Care status.
 */
care_status: number | null, 
/**
 * Support level.
 */
support_level: number | null, };
export type DateOrder = "day_first" | "month_first";
export type NewPupil = { 
/**
 * Legal forename, exactly as written (surrounding spaces removed).
 */
legal_forename: string, 
/**
 * Legal surname, exactly as written.
 */
legal_surname: string, 
/**
 * Preferred forename, when given.
 */
preferred_name: string | null, 
/**
 * Date of birth.
 */
date_of_birth: string, 
/**
 * Year group, as its code ("Y5", "R", "P3").
 */
year_group: string, 
/**
 * UPN, SCN and local id, in that order, for those given.
 */
identifiers: Array<IdentifierInput>, 
/**
 * Care status as written; the vault matches it against the school's list.
 */
care_status: string | null, 
/**
 * Support level as written; the vault matches it against the school's list.
 */
support_level: string | null, };
export type ImportPreview = { 
/**
 * Rows that can be imported, with their line numbers.
 */
good: Array<[number, NewPupil]>, 
/**
 * Rows that cannot, with their line numbers and reasons, in line order.
 */
bad: Array<LineError>, 
/**
 * How numeric dates of birth were read.
 */
date_order: DateOrder, 
/**
 * The header row's line.
 */
header_line: number, };
