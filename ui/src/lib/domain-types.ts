// TEMPORARY: the record types of attune-domain (src-tauri/crates/attune-domain/src/model.rs and
// friends), mirrored by hand in ts-rs style until bindings.ts is regenerated with them.
// `time::Date` is "YYYY-MM-DD", i64 is number, Option<T> is T | null, enums are snake_case.
// Delete this file and import from ./bindings once bindings.ts has every type below.

export type PupilStatus = "active" | "left" | "archived";
export type SessionKind = "check_in" | "planned" | "crisis" | "meet_and_greet";
export type ChronologyKind =
  | "placement_move"
  | "bereavement"
  | "exclusion"
  | "transition"
  | "new_sibling"
  | "other";
export type AgencyKind = "educational_psychologist" | "camhs" | "social_worker" | "other";
export type GoalStatus = "active" | "achieved" | "stopped";
export type PlanStatus = "active" | "closed";
export type Instrument = "sdq" | "boxall" | "thrive";
export type ListKind = "care_status" | "support_level";
export type HitKind = "pupil" | "goal" | "session_note" | "chronology";
export type IdentifierKind = "upn" | "scottish_candidate_number" | "local";

export type UserRef = { id: string; name: string };

export type IdentifierInput = { kind: IdentifierKind; value: string };
export type IdentifierView = { kind: IdentifierKind; value: string; temporary: boolean };

export type PupilInput = {
  legal_forename: string;
  legal_surname: string;
  preferred_name: string | null;
  date_of_birth: string;
  year_group: string;
  identifiers: Array<IdentifierInput>;
  care_status: string | null;
  support_level: string | null;
  relationship_start: string | null;
  relationship_planned_end: string | null;
};

export type Pupil = {
  id: number;
  legal_forename: string;
  legal_surname: string;
  preferred_name: string | null;
  display_name: string;
  date_of_birth: string;
  year_group: string;
  year_group_label: string;
  identifiers: Array<IdentifierView>;
  care_status: string | null;
  support_level: string | null;
  key_adult: UserRef | null;
  status: PupilStatus;
  left_on: string | null;
  relationship_start: string | null;
  relationship_planned_end: string | null;
  created_at: string;
  updated_at: string;
};

export type Assignment = { key_adult: UserRef; from: string; to: string | null };

export type CaseloadSort = "name" | "next_review" | "last_session";

export type CaseloadQuery = {
  key_adult_id: string | null;
  support_level: string | null;
  overdue_only: boolean;
  include_left: boolean;
  sort: CaseloadSort;
};

export type CaseloadRow = {
  pupil_id: number;
  preferred_name: string;
  surname: string;
  year_group: string;
  year_group_label: string;
  support_level: string | null;
  next_review: string | null;
  overdue: boolean;
  last_session: string | null;
  key_adult_name: string | null;
  status: PupilStatus;
};

export type Profile = {
  strengths_interests: string;
  what_helps: string;
  what_does_not_help: string;
  stressors: string;
  calmers: string;
  story: string;
  starting_point: string;
  developmental_age_notes: string;
};

export type AgencyAdviceInput = { agency: AgencyKind; source: string; advised_on: string; advice: string };
export type AgencyAdvice = {
  id: number;
  agency: AgencyKind;
  source: string;
  advised_on: string;
  advice: string;
  recorded_by: string | null;
};

export type TeamMemberInput = { name: string; role: string };
export type TeamMember = { id: number; name: string; role: string };

export type Cadence = "six_weekly" | "half_termly" | "termly" | { custom_weeks: number };

export type PlanInput = {
  framework_id: string | null;
  start: string;
  horizon_end: string;
  cadence: Cadence;
};

export type GoalInput = {
  domain_id: string;
  outcome: string;
  baseline: number;
  target: number;
  strategies: string;
  who: string;
  how_often: string;
  pp_plus_cost_pence: number | null;
};

export type Goal = {
  id: number;
  plan_id: number;
  domain_id: string;
  domain_name: string;
  outcome: string;
  baseline: number;
  target: number;
  strategies: string;
  who: string;
  how_often: string;
  pp_plus_cost_pence: number | null;
  status: GoalStatus;
  position: number;
};

export type ReviewDue = { date: string; provisional: boolean; held: boolean; overdue: boolean };

export type PlanView = {
  id: number;
  pupil_id: number;
  framework_id: string;
  framework_name: string;
  start: string;
  horizon_end: string;
  cadence: Cadence;
  cadence_label: string;
  status: PlanStatus;
  goals: Array<Goal>;
  due_dates: Array<ReviewDue>;
};

export type DateRange = { start: string; end: string };
export type Term = { name: string; start: string; end: string; half_term: DateRange | null };
export type Closure = { label: string; start: string; end: string };
export type SchoolCalendar = { year_label: string; terms: Array<Term>; closures: Array<Closure> };
export type CalendarsView = { calendars: Array<SchoolCalendar>; defaults: boolean };

export type SessionInput = {
  held_on: string;
  minutes: number;
  kind: SessionKind;
  regulation: number | null;
  note: string;
};

export type SessionEntry = {
  id: number;
  held_on: string;
  minutes: number;
  kind: SessionKind;
  regulation: number | null;
  note: string;
  recorded_by: string | null;
};

export type ChronologyInput = {
  occurred_on: string;
  kind: ChronologyKind;
  description: string;
  safeguarding_ref: string | null;
};

export type ChronologyEvent = {
  id: number;
  occurred_on: string;
  kind: ChronologyKind;
  description: string;
  safeguarding_ref: string | null;
  recorded_by: string | null;
};

export type ScoreInput = {
  instrument: Instrument;
  subscale: string | null;
  score: number | null;
  stage: string | null;
  completed_on: string;
  completed_by: string;
};

export type InstrumentScore = {
  id: number;
  instrument: Instrument;
  subscale: string | null;
  score: number | null;
  stage: string | null;
  completed_on: string;
  completed_by: string;
};

export type IndicatorsInput = {
  term: string;
  attendance_pct: number | null;
  exclusion_days: number | null;
  physical_interventions: number | null;
};

export type TermlyIndicators = {
  term: string;
  attendance_pct: number | null;
  exclusion_days: number | null;
  physical_interventions: number | null;
};

export type LineError = { line: number; reason: string };

export type IndicatorImportOutcome = { imported: number; bad: Array<LineError> };

export type PupilRecord = {
  pupil: Pupil;
  assignments: Array<Assignment>;
  profile: Profile;
  agency_advice: Array<AgencyAdvice>;
  team: Array<TeamMember>;
  plan: PlanView | null;
  sessions: Array<SessionEntry>;
  session_count: number;
  chronology: Array<ChronologyEvent>;
  scores: Array<InstrumentScore>;
  indicators: Array<TermlyIndicators>;
};

export type SearchHit = {
  kind: HitKind;
  pupil_id: number;
  pupil_name: string;
  record_id: number;
  snippet: string;
};

export type Draft = { form_key: string; content: string; updated_at: string };

export type AuditQuery = {
  action_prefix: string | null;
  user_id: string | null;
  from: string | null;
  to: string | null;
  limit: number | null;
};

export type AuditVerification = { intact: boolean; first_broken_seq: number | null };

export type PickLists = { care_statuses: Array<string>; support_levels: Array<string> };

export type ImportMode = "all_or_nothing" | "good_only";
export type ImportOutcome = { imported: number; bad: Array<LineError> };

export type Domain = { id: string; name: string; description: string; prompts: Array<string> };
export type Framework = {
  id: string;
  name: string;
  description: string;
  default: boolean;
  domains: Array<Domain>;
};

// import.rs (no ts-rs derive there yet): the CSV pupil import's steps.
export type PupilField =
  | "legal_forename"
  | "legal_surname"
  | "preferred_name"
  | "date_of_birth"
  | "year_group"
  | "upn"
  | "scn"
  | "local_id"
  | "care_status"
  | "support_level";
export type ColumnMapping = Record<PupilField, number | null>;
export type CsvHeader = { line: number; headers: Array<string> };
export type DateOrder = "day_first" | "month_first";
export type NewPupil = {
  legal_forename: string;
  legal_surname: string;
  preferred_name: string | null;
  date_of_birth: string;
  year_group: string;
  identifiers: Array<IdentifierInput>;
  care_status: string | null;
  support_level: string | null;
};
export type ImportPreview = {
  good: Array<[number, NewPupil]>;
  bad: Array<LineError>;
  date_order: DateOrder;
  header_line: number;
};
