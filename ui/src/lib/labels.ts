// How the domain's enum values are named to a person (the same words as model.rs's labels).

import type {
  AgencyKind,
  Cadence,
  ChronologyKind,
  Framework,
  GoalStatus,
  HitKind,
  IdentifierKind,
  Instrument,
  SessionKind,
} from "./bindings";

export const SESSION_KINDS: Array<{ value: SessionKind; label: string }> = [
  { value: "check_in", label: "Check-in" },
  { value: "planned", label: "Planned session" },
  { value: "crisis", label: "Crisis support" },
  { value: "meet_and_greet", label: "Meet and greet" },
];

export const CHRONOLOGY_KINDS: Array<{ value: ChronologyKind; label: string }> = [
  { value: "placement_move", label: "Placement move" },
  { value: "bereavement", label: "Bereavement" },
  { value: "exclusion", label: "Exclusion" },
  { value: "transition", label: "Transition" },
  { value: "new_sibling", label: "New sibling" },
  { value: "other", label: "Other" },
];

export const AGENCY_KINDS: Array<{ value: AgencyKind; label: string }> = [
  { value: "educational_psychologist", label: "Educational psychologist" },
  { value: "camhs", label: "CAMHS" },
  { value: "social_worker", label: "Social worker" },
  { value: "other", label: "Other" },
];

export const INSTRUMENTS: Array<{ value: Instrument; label: string }> = [
  { value: "sdq", label: "SDQ" },
  { value: "boxall", label: "Boxall Profile" },
  { value: "thrive", label: "Thrive" },
];

export const IDENTIFIER_KINDS: Array<{ value: IdentifierKind; label: string }> = [
  { value: "upn", label: "UPN (England)" },
  { value: "scottish_candidate_number", label: "Scottish Candidate Number" },
  { value: "local", label: "The school's own id" },
];

const HIT_KINDS: Record<HitKind, string> = {
  pupil: "Pupil",
  goal: "Goal",
  session_note: "Session note",
  chronology: "Chronology",
  review: "Review",
  review_amendment: "Review amendment",
  about_me: "About me",
  advice: "Advice",
  team_member: "Team",
  supervision_note: "Supervision note",
};

function find<T extends string>(list: Array<{ value: T; label: string }>, v: T): string {
  return list.find((x) => x.value === v)?.label ?? v;
}

export const sessionKindLabel = (k: SessionKind) => find(SESSION_KINDS, k);
export const chronologyKindLabel = (k: ChronologyKind) => find(CHRONOLOGY_KINDS, k);
export const agencyLabel = (k: AgencyKind) => find(AGENCY_KINDS, k);
export const instrumentLabel = (k: Instrument) => find(INSTRUMENTS, k);
export const identifierKindLabel = (k: IdentifierKind) => find(IDENTIFIER_KINDS, k);
export const hitKindLabel = (k: HitKind) => HIT_KINDS[k] ?? k;

/** "every 6 weeks", "half-termly", … (the backend's `cadence_label` when it has one). */
export function cadenceLabel(c: Cadence): string {
  if (typeof c === "object") return c.custom_weeks === 1 ? "every week" : `every ${c.custom_weeks} weeks`;
  return c === "six_weekly" ? "every 6 weeks" : c === "half_termly" ? "half-termly" : "termly";
}

/** Pence as pounds: 12345 → "£123.45". */
export function pounds(pence: number): string {
  return `£${(pence / 100).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** The review cadences a plan can have, as the plan forms offer them. */
export type CadenceChoice = "six_weekly" | "half_termly" | "termly" | "custom";

export const CADENCE_CHOICES: ReadonlyArray<{ value: CadenceChoice; label: string; hint?: string }> = [
  { value: "six_weekly", label: "Every 6 weeks" },
  { value: "half_termly", label: "Half-termly", hint: "In the last school week before each half term and end of term" },
  { value: "termly", label: "Termly", hint: "In the last school week of each term" },
  { value: "custom", label: "Every so many weeks" },
];

/** The radio a cadence selects, and the weeks for "every so many weeks" ("" otherwise). */
export function cadenceChoice(c: Cadence): { kind: CadenceChoice; weeks: string } {
  return typeof c === "object" ? { kind: "custom", weeks: String(c.custom_weeks) } : { kind: c, weeks: "" };
}

const GOAL_STATUSES: Record<GoalStatus, string> = { active: "Active", achieved: "Achieved", stopped: "Stopped" };
export const goalStatusLabel = (s: GoalStatus) => GOAL_STATUSES[s] ?? s;

/**
 * The frameworks built into Attune (attune-domain's `framework::BUILTIN`, from
 * `assets/frameworks/`). A school's own framework can never take one of these ids (the backend
 * refuses it), so an id here always means a built-in framework. `Framework` carries no flag
 * for this yet.
 */
export const BUILT_IN_FRAMEWORK_IDS: readonly string[] = ["secure-base", "shanarri"];

export function isBuiltInFramework(f: Framework): boolean {
  return BUILT_IN_FRAMEWORK_IDS.includes(f.id);
}
