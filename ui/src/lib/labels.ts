// How the domain's enum values are named to a person (the same words as model.rs's labels).

import type {
  AgencyKind,
  Cadence,
  ChronologyKind,
  HitKind,
  IdentifierKind,
  Instrument,
  SessionKind,
} from "./domain-types";

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
