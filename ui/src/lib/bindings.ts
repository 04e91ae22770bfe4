// Generated from the Rust types in src-tauri (ts-rs). Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a type.

export type Role = "strategic_lead" | "key_adult";
export type UserInfo = { id: string, name: string, role: Role, };
export type PassphraseStrength = { 
/**
 * 0 (very weak) to 4 (very strong).
 */
score: number, acceptable: boolean, warning: string | null, suggestions: Array<string>, };
export type ErrorKind = "locked" | "wrong_passphrase" | "wrong_recovery_key" | "throttled" | "weak_passphrase" | "not_permitted" | "invalid_input" | "not_found" | "key_slots_damaged" | "vault_damaged" | "vault_in_use" | "already_exists" | "must_set_passphrase" | "cancelled" | "io" | "internal";
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
must_set_passphrase: boolean, 
/**
 * Of those, unlocked with a one-time code from a lead's reset (not the recovery key).
 */
opened_with_code: boolean, auto_lock_minutes: number, 
/**
 * 0 in a school vault; a key adult's laptop's number in a laptop's replica (issue 17).
 */
device_no: number, };
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
export type WorkProgress = { op: string, phase: string, done: number, total: number, };
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
export type HitKind = "pupil" | "goal" | "session_note" | "chronology" | "review" | "review_amendment" | "about_me" | "advice" | "team_member" | "supervision_note";
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
export type PlanRequest = { 
/**
 * None: the default framework (Secure Base).
 */
framework_id: string | null, start: string, 
/**
 * 2 or 3.
 */
horizon_years: number, cadence: Cadence, };
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
export type PlanView = { id: number, pupil_id: number, framework_id: string, framework_name: string, start: string, horizon_end: string, 
/**
 * Where a renewal would start: the day after the horizon while that is still ahead,
 * otherwise today.
 */
renew_from: string, cadence: Cadence, 
/**
 * "every 6 weeks", "half-termly", …
 */
cadence_label: string, status: PlanStatus, goals: Array<Goal>, due_dates: Array<ReviewDue>, };
export type PlanSummary = { id: number, framework_name: string, start: string, horizon_end: string, status: PlanStatus, 
/**
 * The day it was closed (renewed or ended), for an earlier plan.
 */
closed_on: string | null, goals: number, signed_reviews: number, };
export type SessionQuery = { 
/**
 * Only this kind of session.
 */
kind: SessionKind | null, 
/**
 * Held on or after this day (a term's or a school year's first day).
 */
from: string | null, 
/**
 * Held on or before this day.
 */
to: string | null, 
/**
 * Continue after this session (the previous page's `next`).
 */
after: SessionCursor | null, 
/**
 * 1 to 200.
 */
limit: number, };
export type SessionCursor = { held_on: string, id: number, };
export type SessionPage = { sessions: Array<SessionEntry>, 
/**
 * Every session that matches the filter, on all pages.
 */
total: number, 
/**
 * Where the next page starts; none on the last page.
 */
next: SessionCursor | null, 
/**
 * The school years and terms the pupil's sessions fall in, newest first, each with how
 * many (not withdrawn) sessions it holds, to filter by: on the first page only (empty on
 * later pages, which continue the same filter).
 */
periods: Array<SessionPeriod>, };
export type SessionPeriod = { 
/**
 * "Spring term 2025-26" or "The school year 2025-26".
 */
label: string, 
/**
 * True for a whole school year (1 August to 31 July, holidays included).
 */
whole_year: boolean, from: string, to: string, 
/**
 * The pupil's sessions in it, of every kind.
 */
sessions: number, };
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
note: string, 
/**
 * A reference to the record in the school's safeguarding system, if the session led to
 * one (the form reminds, issue 16 item 7). The concern itself never belongs here.
 */
safeguarding_ref: string | null, };
export type SessionEntry = { id: number, held_on: string, minutes: number, kind: SessionKind, regulation: number | null, note: string, safeguarding_ref: string | null, recorded_by: string | null, 
/**
 * Corrections and withdrawal (issue 16).
 */
changes: EntryChanges, };
export type ChronologyInput = { occurred_on: string, kind: ChronologyKind, description: string, 
/**
 * A reference to the record in the school's safeguarding system. A safeguarding concern
 * itself belongs in that system, never here.
 */
safeguarding_ref: string | null, };
export type ChronologyEvent = { id: number, occurred_on: string, kind: ChronologyKind, description: string, safeguarding_ref: string | null, recorded_by: string | null, 
/**
 * Corrections and withdrawal (issue 16).
 */
changes: EntryChanges, };
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
export type InstrumentScore = { id: number, instrument: Instrument, subscale: string | null, score: number | null, stage: string | null, completed_on: string, completed_by: string, 
/**
 * Corrections and withdrawal (issue 16).
 */
changes: EntryChanges, };
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
export type TermlyIndicators = { 
/**
 * The row's id (what a correction or withdrawal names).
 */
id: number, term: string, attendance_pct: number | null, exclusion_days: number | null, physical_interventions: number | null, 
/**
 * Corrections and withdrawal (issue 16).
 */
changes: EntryChanges, };
export type EntryKind = "session" | "chronology" | "score" | "indicators";
export type ChangeMark = { 
/**
 * The user's name (none if the user has since gone from the vault).
 */
by: string | null, 
/**
 * When (RFC 3339, UTC).
 */
at: string, reason: string, };
export type VersionField = { 
/**
 * "Note", "Date", …
 */
label: string, 
/**
 * The value as it was ("" when it was empty).
 */
value: string, };
export type EarlierVersion = { 
/**
 * The correction that replaced it: who, when, why.
 */
replaced: ChangeMark, 
/**
 * The fields the correction changed, with the values they had in this version.
 */
fields: Array<VersionField>, };
export type EntryChanges = { 
/**
 * How many times it has been corrected.
 */
corrections: number, 
/**
 * The latest correction.
 */
corrected: ChangeMark | null, 
/**
 * Its withdrawal, if it was withdrawn.
 */
withdrawn: ChangeMark | null, 
/**
 * The versions it had before, newest first: for a strategic lead (and the subject access
 * document) only; empty for a key adult.
 */
earlier: Array<EarlierVersion>, };
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
export type StatusChange = { id: number, kind: ListKind, 
/**
 * `None`: none from this day.
 */
value: string | null, effective_from: string, 
/**
 * RFC 3339, UTC.
 */
recorded_at: string, 
/**
 * `None`: not known (recorded before history was kept, or by a path that names no user).
 */
recorded_by: UserRef | null, };
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
indicators: Array<TermlyIndicators>, 
/**
 * Care status and support level over time, by kind, oldest first.
 */
status_history: Array<StatusChange>, };
export type SearchHit = { kind: HitKind, 
/**
 * The pupil the hit is about; none for a supervision note.
 */
pupil_id: number | null, 
/**
 * The pupil's display name; empty for a supervision note.
 */
pupil_name: string, 
/**
 * The record: the pupil's id for a pupil or "about me" hit; the review's id for a review
 * or one of its amendments; otherwise the goal, session, chronology entry, advice, team
 * member or supervision note's id.
 */
record_id: number, 
/**
 * A review's date (held on, else due), advice's date, a supervision meeting's date:
 * 'YYYY-MM-DD'.
 */
date: string | null, 
/**
 * Who gave outside-agency advice.
 */
source: string | null, 
/**
 * The key adult a supervision note is about.
 */
key_adult: UserRef | null, 
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
export type CheckArea = "pages" | "structure" | "audit_chain" | "key_slots";
export type CheckProblem = { area: CheckArea, 
/**
 * What is wrong, in plain English.
 */
what: string, 
/**
 * What to do about it.
 */
todo: string, 
/**
 * The database pages whose seal failed (area `pages` only), lowest first.
 */
pages: Array<number>, 
/**
 * The first audit entry that does not hold (area `audit_chain`, when known).
 */
audit_entry: number | null, 
/**
 * What the check itself reported (SQLCipher's or SQLite's words, or the vault's), for
 * whoever looks after the school's computers.
 */
detail: string, };
export type VaultCheck = { 
/**
 * Pages of the database file whose seal was checked.
 */
pages_checked: number, 
/**
 * Entries of the audit trail whose link was checked.
 */
audit_entries_checked: number, problems: Array<CheckProblem>, };
export type ListItem = { label: string, 
/**
 * No longer offered for new choices; kept on the records that hold it.
 */
retired: boolean, };
export type PickLists = { 
/**
 * The care statuses offered for new choices, in the school's order.
 */
care_statuses: Array<string>, 
/**
 * The support levels offered for new choices, in the school's order.
 */
support_levels: Array<string>, 
/**
 * Every care status in the school's order, retired ones too (still on the records
 * that hold them), for the screen that manages the list.
 */
care_status_items: Array<ListItem>, 
/**
 * Every support level in the school's order, retired ones too.
 */
support_level_items: Array<ListItem>, };
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
export type FieldChange = { field: PupilField, 
/**
 * As held now ("" for none).
 */
from: string, 
/**
 * As the file has it ("" for none).
 */
to: string, };
export type PupilChanges = { 
/**
 * The line of the file.
 */
line: number, pupil_id: number, 
/**
 * The name as held now.
 */
display_name: string, changes: Array<FieldChange>, };
export type MissingPupil = { pupil_id: number, display_name: string, year_group_label: string, };
export type NewLine = { line: number, pupil: NewPupil, };
export type UpdatePreview = { 
/**
 * Pupils held whom the file changes, in line order.
 */
changed: Array<PupilChanges>, 
/**
 * How many lines match a pupil held and change nothing.
 */
unchanged: number, 
/**
 * Lines that are pupils not held.
 */
new: Array<NewLine>, 
/**
 * Active pupils no line names, by name.
 */
missing: Array<MissingPupil>, 
/**
 * Lines that cannot be used, with the reason, in line order.
 */
bad: Array<LineError>, date_order: DateOrder, header_line: number, };
export type UpdateChoices = { 
/**
 * Add the lines that are pupils not held.
 */
add_new: boolean, 
/**
 * Missing pupils to mark as having left on `left_on`.
 */
mark_left: number[], left_on: string | null, 
/**
 * With bad lines: change nothing, or apply the good lines.
 */
mode: ImportMode, };
export type UpdateOutcome = { updated: number, added: number, marked_left: number, 
/**
 * Every bad line (nothing was written when `mode` was all-or-nothing and this is not
 * empty).
 */
bad: Array<LineError>, };
export type YearMove = { pupil_id: number, display_name: string, 
/**
 * As shown: "Year 5", "P3".
 */
from: string, to: string, };
export type Leaver = { pupil_id: number, display_name: string, year_group_label: string, };
export type RolloverPreview = { 
/**
 * The school year the vault's year groups are for now ("2026-27"), if a rollover set it.
 */
from_year: string | null, 
/**
 * The school year rolled to ("2027-28").
 */
to_year: string, 
/**
 * The school's last year on each ladder in use, as shown ("P7", "Year 11").
 */
last_years: Array<string>, 
/**
 * Whether the last year was named by the lead (else the highest year group held).
 */
last_year_given: boolean, 
/**
 * Active pupils whose year group moves on, by name.
 */
moves: Array<YearMove>, 
/**
 * Active pupils in the last year, offered as leavers, by name.
 */
leavers: Array<Leaver>, };
export type RolloverChoices = { 
/**
 * The school year to roll to: "2027-28".
 */
to: string, 
/**
 * The school's last year group (a code or as written: "P7", "Year 11"); `None` for the
 * highest year group any active pupil is in.
 */
last_year: string | null, 
/**
 * Leavers offered to mark as having left on `left_on` (the others stay active).
 */
leavers_left: number[], left_on: string | null, };
export type RolloverOutcome = { to_year: string, 
/**
 * Pupils whose year group moved on.
 */
moved: number, 
/**
 * Leavers marked as having left.
 */
marked_left: number, 
/**
 * Leavers offered and kept active in their year group.
 */
stayed: number, };
export type IdentityField = "legal_forename" | "legal_surname" | "preferred_name" | "date_of_birth" | "year_group" | "upn" | "scottish_candidate_number" | "care_status" | "support_level";
export type Comparison = "same" | "different" | "only_in_pack" | "only_held" | "neither";
export type FieldComparison = { field: IdentityField, 
/**
 * "Legal forename", …
 */
label: string, 
/**
 * As shown (a date the UK way, a year group by its label).
 */
pack: string | null, held: string | null, comparison: Comparison, 
/**
 * Whether the lead may take the pack's value (it differs or only the pack has one, and it
 * is a value this vault accepts).
 */
choosable: boolean, 
/**
 * Why a differing value cannot be taken, in plain words.
 */
note: string | null, };
export type MergeCounts = { plans: number, goals: number, reviews: number, sessions: number, chronology: number, scores: number, indicators: number, agency_advice: number, team_members: number, 
/**
 * "About me" fields filled from the pack (empty in the held record).
 */
profile_fields: number, 
/**
 * Records of the pack the held record already has (an earlier merge of it).
 */
already_held: number, 
/**
 * The pack's term figures and "about me" fields not added because the held record has
 * its own.
 */
kept_as_held: number, };
export type MergePreview = { pupil_id: number, 
/**
 * The held pupil's display name.
 */
held_name: string, fields: Array<FieldComparison>, 
/**
 * The pack's date of birth is not the held one: a merge needs the lead's confirmation.
 */
date_of_birth_differs: boolean, counts: MergeCounts, 
/**
 * The held pupil has a current plan, so the pack's active plan is added as closed.
 */
pack_plan_becomes_history: boolean, 
/**
 * Every record of the pack is already held: it has been merged before.
 */
already_merged: boolean, };
export type MergeChoices = { 
/**
 * The fields whose pack value replaces the held one; every other is kept as held.
 */
take: Array<IdentityField>, 
/**
 * The lead confirms the pack is this child although the dates of birth differ.
 */
confirm_date_of_birth: boolean, };
export type MergeOutcome = { pupil: Pupil, counts: MergeCounts, 
/**
 * The identity fields taken from the pack.
 */
taken: Array<IdentityField>, };
export type GoalDecision = "continue" | "change" | "achieved" | "stop";
export type ReviewStatus = "draft" | "signed";
export type ReviewSignOff = "key_adult" | "strategic_lead";
export type ProgressSource = "baseline" | "review";
export type PrintTarget = "plan" | "review" | "subject_access";
export type AttendeeInput = { 
/**
 * Up to 100 characters.
 */
name: string, 
/**
 * Their role ("parent", "class teacher", …), up to 100 characters.
 */
role: string, 
/**
 * Their own scaling, 0 to 10.
 */
scaling: number | null, };
export type GoalReviewInput = { goal_id: number, 
/**
 * The new rating, 0 to 10 (required to sign off).
 */
rating: number | null, 
/**
 * Up to 2,000 characters.
 */
evidence: string, 
/**
 * Required to sign off.
 */
decision: GoalDecision | null, };
export type ReviewInput = { attendees: Array<AttendeeInput>, 
/**
 * One per active goal of the plan.
 */
goals: Array<GoalReviewInput>, pupil_voice: string, parent_carer_voice: string, 
/**
 * Signs of Safety: what is working well.
 */
working_well: string, 
/**
 * Signs of Safety: what we are worried about.
 */
worried_about: string, 
/**
 * Signs of Safety: what needs to happen.
 */
needs_to_happen: string, next_steps: string, 
/**
 * New goals agreed at the review, added to the plan when it is signed off.
 */
new_goals: Array<GoalInput>, 
/**
 * None: the next scheduled due date.
 */
next_review_date: string | null, };
export type ReviewGoalPrefill = { goal_id: number, domain_id: string, outcome: string, baseline: number, target: number, 
/**
 * The rating of the latest signed review before this one, if any.
 */
last_rating: number | null, };
export type ReviewPrefill = { 
/**
 * The window's first day, inclusive: the previous signed review's due date, or the plan's
 * start.
 */
window_from: string, 
/**
 * The window's end, exclusive: this review's due date.
 */
window_to: string, goals: Array<ReviewGoalPrefill>, 
/**
 * Oldest first.
 */
sessions: Array<SessionEntry>, 
/**
 * Oldest first.
 */
events: Array<ChronologyEvent>, 
/**
 * The previous signed review's next steps ("" for the first review).
 */
last_next_steps: string, };
export type ReviewAmendment = { id: number, reason: string, text: string, author: UserRef | null, 
/**
 * RFC 3339 UTC.
 */
at: string, };
export type Review = { id: number, plan_id: number, pupil_id: number, due_date: string, status: ReviewStatus, 
/**
 * As saved; `next_review_date` is filled with the scheduled one when left empty.
 */
content: ReviewInput, prefill: ReviewPrefill, signed_by: UserRef | null, 
/**
 * RFC 3339 UTC.
 */
signed_at: string | null, 
/**
 * The date it was held (signed off).
 */
held_on: string | null, 
/**
 * Held on or before its due date.
 */
on_time: boolean | null, amendments: Array<ReviewAmendment>, };
export type ReviewSlot = { due_date: string, provisional: boolean, review_id: number | null, status: ReviewStatus | null, held_on: string | null, on_time: boolean | null, 
/**
 * The due date has passed and no review for it is signed off.
 */
overdue: boolean, 
/**
 * The first date on or after today with no signed review: the next review due.
 */
next: boolean, };
export type ProgressPoint = { 
/**
 * The plan's start for the baseline; the date a review was held.
 */
date: string, rating: number, source: ProgressSource, review_id: number | null, 
/**
 * The plan the point belongs to: a goal carried forward at a renewal has points in every
 * plan it ran through.
 */
plan_id: number, 
/**
 * That plan's start (where a chart marks the change of plan).
 */
plan_start: string, };
export type MonthSessions = { 
/**
 * "2026-10".
 */
month: string, sessions: number, minutes: number, };
export type PlanTimeline = { reviews: Array<ReviewSlot>, 
/**
 * Every month from the plan's start to today (or its horizon), oldest first.
 */
months: Array<MonthSessions>, 
/**
 * Oldest first.
 */
events: Array<ChronologyEvent>, };
export type RenewPlanRequest = { plan: PlanRequest, carry_goal_ids: number[], };
export type PathKind = "folder" | "save" | "open";
export type FileFilter = { name: string, 
/**
 * Without the dot; "*" matches any file.
 */
extensions: Array<string>, };
export type ChoosePathRequest = { kind: PathKind, 
/**
 * The chooser's title, e.g. "Choose where to save the backup".
 */
title: string, 
/**
 * For `save`: the file name offered.
 */
default_name?: string | null, filters?: Array<FileFilter> | null, };
export type BackupCounts = { pupils: number | null, plans: number | null, reviews: number | null, };
export type BackupDone = { path: string, file_name: string, file_bytes: number, 
/**
 * RFC 3339, UTC.
 */
created_at: string, counts: BackupCounts, 
/**
 * Always true: a backup that does not read back correctly is removed and an error returned.
 */
verified: boolean, };
export type AutoBackup = { file_name: string, 
/**
 * `YYYY-MM-DD` (the day it was made, UTC).
 */
date: string, file_bytes: number, };
export type AutoBackups = { folder: string, keep: number, files: Array<AutoBackup>, };
export type BackupSummary = { path: string, file_name: string, school: string, 
/**
 * RFC 3339, UTC.
 */
created_at: string, counts: BackupCounts, file_bytes: number, 
/**
 * The users whose passphrase (valid when it was made) opens it.
 */
users: Array<UserInfo>, has_recovery_key: boolean, 
/**
 * Whether it is a backup of the vault in this app's folder; null when the folder holds
 * no vault (or its key-slot file cannot be read).
 */
same_vault: boolean | null, };
export type BackupOpened = { school: string, created_at: string, counts: BackupCounts, file_bytes: number, opened_as: UserInfo, users: Array<UserInfo>, audit_entries: number, last_audit_at: string | null, };
export type RestoreDone = { school: string, created_at: string, counts: BackupCounts, 
/**
 * Where the vault that was replaced was kept (`<vault>.replaced-<time>`); null when there
 * was none.
 */
replaced: string | null, moved_auto_backups: boolean, };
export type SavedFile = { path: string, file_name: string, file_bytes: number, };
export type HandoverExported = { path: string, file_name: string, file_bytes: number, 
/**
 * "ABCD-EFGH-…" (8 groups of 4).
 */
passphrase: string, };
export type HandoverSummary = { path: string, file_name: string, 
/**
 * `YYYY-MM-DD`.
 */
created_on: string, file_bytes: number, };
export type RetentionDueRow = { pupil_id: number, display_name: string, legal_name: string, year_group_label: string, status: PupilStatus, 
/**
 * `YYYY-MM-DD`.
 */
left_on: string, 
/**
 * `YYYY-MM-DD`: `left_on` plus the retention period.
 */
due_on: string, };
export type SarValue = { text: string, multiline: boolean, };
export type SarField = { label: string, value: SarValue, };
export type SarBlock = { "kind": "fields", items: Array<SarField>, } | { "kind": "table", head: Array<string>, rows: Array<Array<SarValue>>, } | { "kind": "nothing" };
export type SarSection = { 
/**
 * Heading level: 2 for a part of the record, 3 for one plan, 4 for one of its reviews.
 */
level: number, heading: string, 
/**
 * Explanatory sentences shown under the heading.
 */
notes: Array<string>, blocks: Array<SarBlock>, };
export type SarDocument = { 
/**
 * The page title ("Subject access request").
 */
title: string, 
/**
 * "Everything held about …".
 */
heading: string, 
/**
 * Who produced it, for which school, and when.
 */
intro: string, 
/**
 * In reading order; a section's `level` (2, 3 or 4) nests it under the one before.
 */
sections: Array<SarSection>, };
export type OverviewQuery = { 
/**
 * Reviews due from today to this many weeks ahead (1 to 52; default 4).
 */
due_weeks: number, 
/**
 * Pupils with no session for this many weeks (1 to 52; default 3).
 */
session_weeks: number, };
export type OverviewPupil = { pupil_id: number, 
/**
 * The preferred name, else the legal forename.
 */
preferred_name: string, surname: string, 
/**
 * Reviews due: the earliest due date in the window. Overdue: the earliest overdue date.
 * No recent session: the last session's date, or null when there has never been one.
 */
date: string | null, 
/**
 * Overdue: how many due dates have passed unheld. 1 in the other lists.
 */
count: number, };
export type OverviewRow = { 
/**
 * None for the row of active pupils with no key adult.
 */
key_adult: UserRef | null, 
/**
 * A strategic lead who holds a caseload.
 */
is_lead: boolean, 
/**
 * A user who has been removed but still has pupils assigned.
 */
removed: boolean, 
/**
 * Active pupils assigned.
 */
caseload: number, 
/**
 * Pupils with a review due in the window, soonest first.
 */
due: Array<OverviewPupil>, 
/**
 * Pupils with an overdue review, longest overdue first.
 */
overdue: Array<OverviewPupil>, 
/**
 * How many due dates are overdue across this key adult's pupils.
 */
overdue_reviews: number, 
/**
 * Pupils with no session in the last `session_weeks` weeks, never seen first, then the
 * longest since.
 */
no_recent_session: Array<OverviewPupil>, };
export type Overview = { due_weeks: number, session_weeks: number, today: string, 
/**
 * The last day of the "reviews due" window (inclusive).
 */
due_until: string, 
/**
 * The first day of the "no recent session" window (inclusive): a session on or after it
 * counts as recent.
 */
sessions_since: string, 
/**
 * Key adults by name; the unassigned row, if any, last.
 */
rows: Array<OverviewRow>, 
/**
 * Active pupils in the school.
 */
total_pupils: number, 
/**
 * Laptops whose work has not reached this vault for
 * [`crate::transfer::enrol::STALE_AFTER_DAYS`] days or more, longest first.
 */
laptops_not_synced: Array<Laptop>, };
export type SupervisionKind = "supervision" | "consultation";
export type SupervisionNoteInput = { 
/**
 * The day of the meeting: today or earlier.
 */
held_on: string, kind: SupervisionKind, 
/**
 * The key adult met.
 */
key_adult_id: string, 
/**
 * The pupils discussed: any of the key adult's current pupils, or none.
 */
pupil_ids: number[], 
/**
 * Required; up to 8,000 characters.
 */
notes: string, 
/**
 * Up to 4,000 characters.
 */
actions: string, };
export type DiscussedPupil = { pupil_id: number, 
/**
 * The preferred name, else the legal forename.
 */
preferred_name: string, surname: string, };
export type SupervisionNote = { id: number, held_on: string, kind: SupervisionKind, key_adult: UserRef, 
/**
 * By surname; a pupil since erased is no longer listed.
 */
pupils: Array<DiscussedPupil>, notes: string, actions: string, recorded_by: UserRef | null, created_at: string, 
/**
 * Its corrections and withdrawal (issue 16), for the strategic lead only: a key adult's
 * notes never carry any (and never include a withdrawn note).
 */
changes: EntryChanges, };
export type Supervisee = { key_adult: UserRef, is_lead: boolean, pupils: Array<DiscussedPupil>, };
export type Unit = "pupils" | "goals" | "reviews" | "sessions" | "hours" | "percent" | "rating" | "days" | "number";
export type CellStatus = "published" | "suppressed" | "not_available" | "bounds";
export type SuppressionReason = "primary" | "secondary" | "small_base" | "small_numerator" | "linked";
export type PreviewCell = { status: CellStatus, 
/**
 * The published figure (never the value of a withheld one).
 */
value: number | null, 
/**
 * As the report prints it: "12", "45.0%", "[c]", "12 to 18".
 */
text: string, 
/**
 * Bounds only (merge).
 */
lower: number | null, upper: number | null, 
/**
 * Why it is withheld (preview only; the files never say).
 */
reason: SuppressionReason | null, 
/**
 * The reason in words.
 */
reason_text: string | null, };
export type PreviewColumn = { key: string, label: string, measure: string, unit: Unit, 
/**
 * A cross-tabulation's total column.
 */
total: boolean, };
export type PreviewRow = { key: string, label: string, total: boolean, 
/**
 * One per column.
 */
cells: Array<PreviewCell>, };
export type PreviewTable = { id: string, title: string, note: string, dimension: string, dimension_label: string, dimension_2: string | null, dimension_2_label: string | null, columns: Array<PreviewColumn>, rows: Array<PreviewRow>, };
export type SummaryPreview = { 
/**
 * "2025-26 autumn".
 */
period: string, 
/**
 * First and last day counted, `YYYY-MM-DD` (for the lead; the files give terms only).
 */
period_start: string, period_end: string, 
/**
 * The terms covered ("Autumn 2025").
 */
terms: Array<string>, 
/**
 * Whether the term dates are England's typical year because the school entered none.
 */
default_calendar: boolean, k: number, 
/**
 * What the files will call the school.
 */
school_label: string, 
/**
 * Pupils supported in the period, when that figure is published.
 */
pupils: number | null, 
/**
 * How many cells will be withheld.
 */
suppressed_cells: number, 
/**
 * "What is withheld, and why", in plain words, never a value.
 */
withheld_why: Array<string>, tables: Array<PreviewTable>, };
export type ExportedFiles = { csv: string, json: string, html: string, };
export type MergeReport = { period: string, 
/**
 * The schools' labels, in the order given.
 */
schools: Array<string>, files: ExportedFiles, 
/**
 * How many merged figures are shown as bounds.
 */
bounded_cells: number, tables: Array<PreviewTable>, };
export type SummaryFileInfo = { label: string, period: string, k: number, tables: number, };
export type Laptop = { device_no: number, user_id: string, 
/**
 * RFC 3339.
 */
enrolled_at: string, 
/**
 * The key adult's name, and whether they have been removed (their laptop is refused).
 */
user_name: string, removed: boolean, 
/**
 * When the school last imported a sync file from it, and last wrote one for it (RFC 3339).
 */
last_in_at: string | null, last_out_at: string | null, 
/**
 * Whole days since the school last took in its work (since it was prepared, when never).
 */
days_since_sync: number, 
/**
 * Its work has not reached the school for [`STALE_AFTER_DAYS`] days or more (never for a
 * removed user's laptop: it is refused anyway).
 */
stale: boolean, };
export type SyncStatus = { 
/**
 * 0 for a school vault (it prepares laptops); otherwise this laptop's number.
 */
device_no: number, 
/**
 * Whether the person signed in exchanges sync files here: a key adult on their laptop, a
 * strategic lead at the school vault.
 */
can_sync: boolean, 
/**
 * On a laptop: when it last wrote a file for the school, and last took in one from it
 * (RFC 3339).
 */
last_out_at: string | null, last_in_at: string | null, 
/**
 * At the school, for a strategic lead: every laptop prepared (empty otherwise).
 */
laptops: Array<Laptop>, };
export type ConflictKind = "value" | "second_sign_off" | "signed_review_edit";
export type ConflictChoice = "keep_current" | "take_other";
export type SyncConflict = { id: number, pupil_id: number | null, 
/**
 * The pupil's name as the caseload shows it (preferred name, else legal forename, and
 * surname).
 */
pupil_name: string | null, 
/**
 * What the value is, in plain English ("What helps", "Review").
 */
what: string, 
/**
 * The value this vault holds now.
 */
current: string, 
/**
 * The value that lost (or the refused review, whole).
 */
other: string, 
/**
 * Where the other value was written ("Grace Hopper's laptop", "the school vault").
 */
other_from: string, 
/**
 * The day it was written there (`YYYY-MM-DD`, from its clock).
 */
other_on: string, 
/**
 * When this vault found the conflict (RFC 3339).
 */
found_at: string, kind: ConflictKind, };
export type LaptopEnrolled = { path: string, file_name: string, file_bytes: number, 
/**
 * Give it to the key adult apart from the file.
 */
passphrase: string, device_no: number, user_name: string, };
export type EnrolmentSummary = { path: string, file_name: string, 
/**
 * `YYYY-MM-DD`.
 */
created_on: string, file_bytes: number, };
export type SyncSummary = { 
/**
 * The laptop the file was for or from.
 */
device_no: number, 
/**
 * The file had been taken in before: nothing changed.
 */
already_imported: boolean, 
/**
 * One plain line each ("3 sessions added"); empty when nothing was new.
 */
lines: Array<string>, 
/**
 * Values that lost to an edit made elsewhere, kept for a person to choose.
 */
conflicts: number, 
/**
 * The laptop's records were wiped (its user was removed at the school).
 */
wiped: boolean, file_bytes: number, };
export type SyncFileWritten = { path: string, file_name: string, report: SyncSummary, };
export const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"] as const;
