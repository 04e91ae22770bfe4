// The record commands of the fake backend (pupils, plans, sessions, search, drafts, …): an
// in-memory stand-in following attune-domain's rules closely enough to drive the screens.
// A key adult sees only the pupils assigned to them, as the Rust side enforces.

import { vi } from "vitest";
import type { AuditEntry, CommandError, SessionInfo } from "../lib/bindings";
import { todayIso } from "../lib/dates";
import type {
  Cadence,
  CaseloadQuery,
  CaseloadRow,
  ChronologyEvent,
  Draft,
  Framework,
  Goal,
  GoalInput,
  GoalStatus,
  ImportPreview,
  InstrumentScore,
  PlanSummary,
  SessionPage,
  SessionQuery,
  PlanView,
  Profile,
  Pupil,
  PupilInput,
  PupilRecord,
  SearchHit,
  SessionEntry,
  TermlyIndicators,
  AgencyAdvice,
  TeamMember,
  SchoolCalendar,
  FieldChange,
  NewPupil,
  RolloverChoices,
  RolloverOutcome,
  RolloverPreview,
  UpdateChoices,
  UpdateOutcome,
  UpdatePreview,
  ListKind,
  EntryChanges,
  EntryKind,
  EarlierVersion,
  StatusChange,
} from "../lib/bindings";

/** An entry as first written: not corrected, not withdrawn. */
export function noChanges(): EntryChanges {
  return { corrections: 0, corrected: null, withdrawn: null, earlier: [] };
}

export type StoredPupil = {
  pupil: Pupil;
  profile: Profile;
  advice: AgencyAdvice[];
  team: TeamMember[];
  plan: PlanView | null;
  /** Plans closed by a renewal, oldest first (the backend keeps every plan). */
  earlierPlans?: PlanView[];
  sessions: SessionEntry[];
  chronology: ChronologyEvent[];
  scores: InstrumentScore[];
  indicators: TermlyIndicators[];
  nextReview: string | null;
  overdue: boolean;
  /** Care status and support level over time; made from the pupil's values when first needed. */
  history?: StatusChange[];
};

export const FRAMEWORKS: Framework[] = [
  {
    id: "secure-base",
    name: "Secure Base model",
    description: "Five dimensions of caregiving.",
    default: true,
    domains: [
      { id: "availability", name: "Availability: helping the child to trust", description: "An adult is there for them.", prompts: ["By the next review, the pupil will go to their key adult when worried."] },
      { id: "sensitivity", name: "Sensitivity: helping the child to manage feelings", description: "Adults notice and name feelings.", prompts: ["The pupil will name how they feel at check-in."] },
    ],
  },
  { id: "shanarri", name: "SHANARRI", description: "Wellbeing indicators.", default: false, domains: [{ id: "safe", name: "Safe", description: "Protected from harm.", prompts: [] }] },
];

const emptyProfile = (): Profile => ({
  strengths_interests: "",
  what_helps: "",
  what_does_not_help: "",
  stressors: "",
  calmers: "",
  story: "",
  starting_point: "",
  developmental_age_notes: "",
});

export type RecordState = {
  pupils: Map<number, StoredPupil>;
  drafts: Map<string, Draft>;
  audit: AuditEntry[];
  nextId: number;
  supportLevels: string[];
  careStatuses: string[];
  /** Items retired from the lists (still in the lists above, in their place). */
  retired: Set<string>;
  keyAdults: Array<{ id: string; name: string }>;
  /** The school's own frameworks (after the built-in FRAMEWORKS). */
  schoolFrameworks: Framework[];
  /** The words that bring up the session form's safeguarding reminder. */
  safeguardingWords: string[];
};

/** The backend's default safeguarding words (attune-domain record::safeguarding). */
export const DEFAULT_SAFEGUARDING_WORDS = ["hurt", "hit", "touched", "bruise", "bruises", "secret", "scared to go home", "self-harm"];

export const records: RecordState = {
  pupils: new Map(),
  drafts: new Map(),
  audit: [],
  nextId: 1,
  supportLevels: ["Universal", "Additional", "Intensive"],
  careStatuses: ["Looked after", "Previously looked after", "Child in need", "None"],
  retired: new Set(),
  keyAdults: [],
  schoolFrameworks: [],
  safeguardingWords: [...DEFAULT_SAFEGUARDING_WORDS],
};

/** The school year the fake vault's year groups are for (set by a rollover). */
let fakeSchoolYear: string | null = null;

export function resetRecords(): void {
  fakeSchoolYear = null;
  records.pupils = new Map();
  records.drafts = new Map();
  records.audit = [];
  records.nextId = 1;
  records.schoolFrameworks = [];
  records.supportLevels = ["Universal", "Additional", "Intensive"];
  records.careStatuses = ["Looked after", "Previously looked after", "Child in need", "None"];
  records.retired = new Set();
  records.safeguardingWords = [...DEFAULT_SAFEGUARDING_WORDS];
}

/** The fake's copy of a list, by the command's name for it. */
function listOf(list: ListKind): string[] {
  return list === "support_level" ? records.supportLevels : records.careStatuses;
}

function retiredKey(list: ListKind, label: string): string {
  return `${list}:${label}`;
}

function allFrameworks(): Framework[] {
  return [...FRAMEWORKS, ...records.schoolFrameworks];
}

/** "line 4, column 3" for a character offset in `text`, as the framework reader reports it. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/** A rough framework::Framework::from_json_str: a malformed file gives "line L, column C: reason". */
function readFramework(text: string): Framework {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec(String((e as Error).message));
    throw err("invalid_input", `${lineColumn(text, at ? Number(at[1]) : 0)}: this is not valid JSON`);
  }
  const o = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  for (const field of ["id", "name", "description", "domains"]) {
    if (!(field in o)) throw err("invalid_input", `line 1, column 1: missing field \`${field}\``);
  }
  const domains = o.domains as Array<Record<string, unknown>>;
  if (!Array.isArray(domains) || domains.length === 0) {
    throw err("invalid_input", `${lineColumn(text, text.indexOf('"domains"'))}: a framework needs at least one domain`);
  }
  return {
    id: String(o.id),
    name: String(o.name),
    description: String(o.description),
    default: o.default === true,
    domains: domains.map((d) => ({ id: String(d.id), name: String(d.name), description: String(d.description ?? ""), prompts: (d.prompts as string[]) ?? [] })),
  };
}

const CADENCE_WEEKS = { six_weekly: 6, half_termly: 7, termly: 13 } as const;

function cadenceWeeks(c: Cadence): number {
  return typeof c === "object" ? c.custom_weeks : CADENCE_WEEKS[c];
}

function cadenceLabelOf(c: Cadence): string {
  return typeof c === "object" ? `every ${c.custom_weeks} weeks` : c === "termly" ? "termly" : c === "half_termly" ? "half-termly" : "every 6 weeks";
}

/** The fake's future review dates for a cadence: three, the cadence's weeks apart, from `today`. */
/** The fake backend's horizon: the same day `years` later (the real rule, with 29 February, is
 * the backend's and tested there). */
export function fakeYearsOn(iso: string, years: number): string {
  return `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;
}

export function fakeFutureDates(c: Cadence, today: string = todayIso()): string[] {
  const step = cadenceWeeks(c) * 7;
  const base = new Date(`${today}T12:00:00Z`);
  return [1, 2, 3].map((n) => new Date(base.getTime() + n * step * 86_400_000).toISOString().slice(0, 10));
}

/** Gives a seeded pupil an active Secure Base plan with these goals (for a test's starting point). */
export function seedPlan(
  p: StoredPupil,
  options: { cadence?: Cadence; dueDates?: PlanView["due_dates"]; goals?: Array<Partial<GoalInput> & { status?: GoalStatus }> } = {},
): PlanView {
  const planId = records.nextId++;
  const fw = FRAMEWORKS[0];
  const cadence = options.cadence ?? "half_termly";
  p.plan = {
    id: planId,
    pupil_id: p.pupil.id,
    framework_id: fw.id,
    framework_name: fw.name,
    start: "2025-09-01",
    horizon_end: "2027-09-01",
    renew_from: "2027-09-02",
    cadence,
    cadence_label: cadenceLabelOf(cadence),
    status: "active",
    goals: [],
    due_dates: options.dueDates ?? fakeFutureDates(cadence).map((date) => ({ date, provisional: false, held: false, overdue: false })),
  };
  (options.goals ?? []).forEach((g, i) => {
    const domain = fw.domains.find((d) => d.id === (g.domain_id ?? "availability"))!;
    p.plan!.goals.push({
      id: records.nextId++,
      plan_id: planId,
      domain_id: domain.id,
      domain_name: domain.name,
      outcome: g.outcome ?? `Goal ${i + 1}`,
      baseline: g.baseline ?? 2,
      target: g.target ?? 7,
      strategies: g.strategies ?? "",
      who: g.who ?? "",
      how_often: g.how_often ?? "",
      pp_plus_cost_pence: g.pp_plus_cost_pence ?? null,
      status: g.status ?? "active",
      position: i,
    });
  });
  return structuredClone(p.plan);
}

function planOwner(ctx: Ctx, planId: number): StoredPupil & { plan: PlanView } {
  const p = [...records.pupils.values()].find((x) => x.plan?.id === planId);
  if (!p?.plan) throw err("not_found", "There is no such plan.");
  visible(ctx, p.pupil.id);
  return p as StoredPupil & { plan: PlanView };
}

function goalOwner(ctx: Ctx, goalId: number): { p: StoredPupil & { plan: PlanView }; goal: Goal } {
  for (const p of records.pupils.values()) {
    const goal = p.plan?.goals.find((g) => g.id === goalId);
    if (goal) {
      visible(ctx, p.pupil.id);
      return { p: p as StoredPupil & { plan: PlanView }, goal };
    }
  }
  throw err("not_found", "There is no such goal.");
}

function err(kind: CommandError["kind"], message: string, field?: string): CommandError & { field?: string } {
  const e: CommandError & { field?: string } = { kind, message, retry_after_secs: null };
  if (field) e.field = field;
  return e;
}

const YEAR_LABELS: Record<string, string> = { R: "Reception" };
function yearGroup(text: string): { code: string; label: string } {
  const t = text.trim().toUpperCase().replace(/^YEAR\s*/, "").replace(/^Y/, "");
  if (t === "R" || t === "RECEPTION") return { code: "R", label: "Reception" };
  if (/^\d{1,2}$/.test(t) && Number(t) >= 1 && Number(t) <= 14) return { code: `Y${Number(t)}`, label: `Year ${Number(t)}` };
  if (/^[PS]\d$/.test(t)) return { code: t, label: YEAR_LABELS[t] ?? t };
  throw err("invalid_input", `Year group "${text}" is out of range: use R (Reception), N1 or N2 (nursery), 1 to 14, P1 to P7 or S1 to S6.`, "year_group");
}

/** The DfE check letter rule, as identifiers.rs has it. */
export function upnCheck(upn: string): string | null {
  const letters = "ABCDEFGHJKLMNPQRTUVWXYZ";
  const v = upn.toUpperCase();
  if (v.length !== 13) return `UPN: 13 characters expected, found ${v.length}.`;
  if (!/^\d{11}[0-9A-Z]$/.test(v.slice(1, 13))) return "UPN: characters 2 to 12 of a UPN are digits.";
  let sum = 0;
  for (let i = 1; i < 13; i++) {
    const c = v[i];
    const n = /\d/.test(c) ? Number(c) : letters.indexOf(c);
    sum += n * (i + 1);
  }
  const expected = letters[sum % 23];
  return v[0] === expected ? null : `UPN: check letter should be ${expected}, not ${v[0]}.`;
}

function check(input: PupilInput): void {
  if (input.legal_forename.trim() === "") throw err("invalid_input", "Enter the legal forename.", "legal_forename");
  for (const id of input.identifiers) {
    if (id.kind === "upn") {
      const problem = upnCheck(id.value);
      if (problem) throw err("invalid_input", problem, "identifiers");
    }
  }
}

export type Ctx = { session: () => SessionInfo; lead: () => SessionInfo };

function visible(ctx: Ctx, id: number): StoredPupil {
  const s = ctx.session();
  const p = records.pupils.get(id);
  if (!p) throw err("not_found", "There is no such pupil.");
  if (s.user.role === "key_adult" && p.pupil.key_adult?.id !== s.user.id) {
    throw err("not_permitted", "Not permitted: this pupil is not on your caseload.");
  }
  return p;
}

function audit(ctx: Ctx, action: string, target: string | null = null) {
  const s = ctx.session();
  records.audit.unshift({
    seq: records.audit.length + 1,
    at: "2026-11-22T14:32:00Z",
    actor_id: s.user.id,
    actor_name: s.user.name,
    action,
    target,
    outcome: "ok",
  });
}

function build(input: PupilInput, id: number, existing?: Pupil): Pupil {
  const yg = yearGroup(input.year_group);
  const preferred = input.preferred_name?.trim() || null;
  return {
    id,
    legal_forename: input.legal_forename,
    legal_surname: input.legal_surname,
    preferred_name: preferred,
    display_name: `${preferred ?? input.legal_forename} ${input.legal_surname}`,
    date_of_birth: input.date_of_birth,
    year_group: yg.code,
    year_group_label: yg.label,
    identifiers: input.identifiers.map((i) => ({ kind: i.kind, value: i.value.toUpperCase(), temporary: false })),
    care_status: input.care_status,
    support_level: input.support_level,
    key_adult: existing?.key_adult ?? null,
    status: existing?.status ?? "active",
    left_on: existing?.left_on ?? null,
    relationship_start: input.relationship_start,
    relationship_planned_end: input.relationship_planned_end,
    created_at: "2026-11-22T09:00:00Z",
    updated_at: "2026-11-22T09:00:00Z",
  };
}

/** Adds a pupil straight into the fake vault (for a test's starting point). */
export function seedPupil(
  input: Partial<PupilInput> & { legal_forename: string; legal_surname: string },
  extra: { keyAdult?: { id: string; name: string } | null; nextReview?: string | null; overdue?: boolean; lastSession?: string | null } = {},
): StoredPupil {
  const id = records.nextId++;
  const pupil = build(
    {
      preferred_name: null,
      date_of_birth: "2016-03-27",
      year_group: "Year 5",
      identifiers: [],
      care_status: null,
      support_level: null,
      relationship_start: null,
      relationship_planned_end: null,
      ...input,
    },
    id,
  );
  pupil.key_adult = extra.keyAdult ?? null;
  const stored: StoredPupil = {
    pupil,
    profile: emptyProfile(),
    advice: [],
    team: [],
    plan: null,
    sessions: [],
    chronology: [],
    scores: [],
    indicators: [],
    nextReview: extra.nextReview ?? null,
    overdue: extra.overdue ?? false,
  };
  if (extra.lastSession) {
    stored.sessions.push({ id: records.nextId++, held_on: extra.lastSession, minutes: 20, kind: "check_in", regulation: null, note: "", safeguarding_ref: null, recorded_by: "Alex Jones", changes: noChanges() });
  }
  records.pupils.set(id, stored);
  return stored;
}

function row(p: StoredPupil): CaseloadRow {
  return {
    pupil_id: p.pupil.id,
    preferred_name: p.pupil.preferred_name ?? p.pupil.legal_forename,
    surname: p.pupil.legal_surname,
    year_group: p.pupil.year_group,
    year_group_label: p.pupil.year_group_label,
    support_level: p.pupil.support_level,
    next_review: p.plan?.due_dates.find((d) => !d.held)?.date ?? p.nextReview,
    overdue: p.overdue,
    last_session: p.sessions.map((s) => s.held_on).sort().reverse()[0] ?? null,
    key_adult_name: p.pupil.key_adult?.name ?? null,
    status: p.pupil.status,
  };
}

/**
 * As the Rust side sends an entry: a key adult is not sent withdrawn entries, nor the values of
 * earlier versions (issue 16).
 */
function shown<T extends { changes?: EntryChanges }>(list: T[], lead: boolean): T[] {
  return list
    .map((x) => ({ ...x, changes: x.changes ? { ...x.changes, earlier: lead ? [...x.changes.earlier] : [] } : noChanges() }))
    .filter((x) => lead || !x.changes.withdrawn);
}

/** The pupil's status history, begun (as the backend begins it) with one row per kind from the
 * relationship's start, or today. */
function historyOf(p: StoredPupil): StatusChange[] {
  if (!p.history) {
    const from = p.pupil.relationship_start && p.pupil.relationship_start <= todayIso() ? p.pupil.relationship_start : todayIso();
    p.history = (["care_status", "support_level"] as ListKind[]).map((kind) => ({
      id: records.nextId++,
      kind,
      value: kind === "care_status" ? p.pupil.care_status : p.pupil.support_level,
      effective_from: from,
      recorded_at: "2026-11-22T09:00:00Z",
      recorded_by: null,
    }));
  }
  return p.history;
}

function sortedHistory(p: StoredPupil): StatusChange[] {
  return [...historyOf(p)].sort((a, b) => a.kind.localeCompare(b.kind) || a.effective_from.localeCompare(b.effective_from) || a.id - b.id);
}

/** The values in force today, back onto the pupil (the backend's cache). */
function refreshFromHistory(p: StoredPupil): void {
  const today = todayIso();
  for (const kind of ["care_status", "support_level"] as ListKind[]) {
    const rows = sortedHistory(p).filter((c) => c.kind === kind);
    const inForce = [...rows].reverse().find((c) => c.effective_from <= today) ?? rows[0];
    const value = inForce ? inForce.value : null;
    if (kind === "care_status") p.pupil.care_status = value;
    else p.pupil.support_level = value;
  }
}

function recordOf(p: StoredPupil, lead = true): PupilRecord {
  const sessions = shown(p.sessions, lead);
  return {
    pupil: { ...p.pupil },
    assignments: p.pupil.key_adult ? [{ key_adult: p.pupil.key_adult, from: "2026-09-01", to: null }] : [],
    profile: { ...p.profile },
    agency_advice: [...p.advice],
    team: [...p.team],
    plan: p.plan ? structuredClone(p.plan) : null,
    sessions: sessions.sort((a, b) => b.held_on.localeCompare(a.held_on)),
    session_count: sessions.length,
    chronology: shown(p.chronology, lead),
    scores: shown(p.scores, lead),
    indicators: shown(p.indicators, lead),
    status_history: sortedHistory(p),
  };
}

/** The fake update from the MIS: the preview, and the changes to the held pupils. */
function fakeUpdate(text: string, mapping: Record<string, number | null>): { preview: UpdatePreview; apply: () => void } {
  const lines = text.split(/\r?\n/);
  const preview: UpdatePreview = { changed: [], unchanged: 0, new: [], missing: [], bad: [], date_order: "day_first", header_line: 1 };
  const cell = (cells: string[], f: string) => (mapping[f] === null || mapping[f] === undefined ? "" : (cells[mapping[f] as number] ?? "").trim());
  const named = new Set<number>();
  const edits: Array<() => void> = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === "") return;
    const n = i + 2;
    const cells = line.split(",");
    const dob = cell(cells, "date_of_birth");
    const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(dob);
    if (!m) {
      preview.bad.push({ line: n, reason: `date of birth "${dob}" cannot be read` });
      return;
    }
    const upn = cell(cells, "upn").toUpperCase();
    let yg: { code: string; label: string };
    try {
      yg = yearGroup(cell(cells, "year_group"));
    } catch (e) {
      preview.bad.push({ line: n, reason: (e as CommandError).message });
      return;
    }
    const held = [...records.pupils.values()].find((p) => upn !== "" && p.pupil.identifiers.some((x) => x.kind === "upn" && x.value === upn));
    const surname = cell(cells, "legal_surname");
    if (!held) {
      preview.new.push({
        line: n,
        pupil: {
          legal_forename: cell(cells, "legal_forename"),
          legal_surname: surname,
          preferred_name: null,
          date_of_birth: `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`,
          year_group: yg.label,
          identifiers: upn ? [{ kind: "upn", value: upn }] : [],
          care_status: null,
          support_level: null,
        } as unknown as NewPupil,
      });
      return;
    }
    named.add(held.pupil.id);
    const changes: FieldChange[] = [];
    if (held.pupil.legal_surname !== surname) changes.push({ field: "legal_surname", from: held.pupil.legal_surname, to: surname });
    if (held.pupil.year_group !== yg.code) changes.push({ field: "year_group", from: held.pupil.year_group_label, to: yg.label });
    if (changes.length === 0) {
      preview.unchanged++;
      return;
    }
    preview.changed.push({ line: n, pupil_id: held.pupil.id, display_name: held.pupil.display_name, changes });
    edits.push(() => {
      held.pupil.legal_surname = surname;
      held.pupil.year_group = yg.code;
      held.pupil.year_group_label = yg.label;
      held.pupil.display_name = `${held.pupil.preferred_name ?? held.pupil.legal_forename} ${surname}`;
    });
  });
  preview.missing = [...records.pupils.values()]
    .filter((p) => p.pupil.status === "active" && !named.has(p.pupil.id))
    .map((p) => ({ pupil_id: p.pupil.id, display_name: p.pupil.display_name, year_group_label: p.pupil.year_group_label }));
  return { preview, apply: () => edits.forEach((e) => e()) };
}

/** The fake rollover (rollover.rs, England's ladder only): moves, leavers and the year checks. */
function fakeRollover(to: string, lastYear: string | null): { preview: RolloverPreview; moves: Array<[number, { code: string; label: string }]> } {
  const m = /^(\d{4})-(\d{2})$/.exec(to.trim());
  if (!m) throw err("invalid_input", `Give the school year to roll over to, such as 2027-28 (not "${to}").`, "to");
  const start = Number(m[1]);
  const label = (y: number) => `${y}-${String((y + 1) % 100).padStart(2, "0")}`;
  if (fakeSchoolYear === label(start)) throw err("already_exists", `The vault has already been rolled over to ${label(start)}: year groups moved on once for that year, and will not move twice.`);
  if (fakeSchoolYear && Number(fakeSchoolYear.slice(0, 4)) + 1 !== start) throw err("invalid_input", `The vault is in ${fakeSchoolYear}; a rollover moves on one year at a time, to ${label(Number(fakeSchoolYear.slice(0, 4)) + 1)} (not ${label(start)}).`, "to");
  const rank = (code: string) => (code === "R" ? 0 : Number(code.slice(1)));
  const active = [...records.pupils.values()].filter((p) => p.pupil.status === "active");
  const last = lastYear ? yearGroup(lastYear) : active.map((p) => ({ code: p.pupil.year_group, label: p.pupil.year_group_label })).sort((a, b) => rank(b.code) - rank(a.code))[0];
  const preview: RolloverPreview = { from_year: fakeSchoolYear, to_year: label(start), last_years: last ? [last.label] : [], last_year_given: !!lastYear, moves: [], leavers: [] };
  const moves: Array<[number, { code: string; label: string }]> = [];
  for (const p of active) {
    const r = rank(p.pupil.year_group);
    if (last && r >= rank(last.code)) {
      preview.leavers.push({ pupil_id: p.pupil.id, display_name: p.pupil.display_name, year_group_label: p.pupil.year_group_label });
    } else {
      const next = yearGroup(String(r + 1));
      moves.push([p.pupil.id, next]);
      preview.moves.push({ pupil_id: p.pupil.id, display_name: p.pupil.display_name, from: p.pupil.year_group_label, to: next.label });
    }
  }
  return { preview, moves };
}

type AnyEntry = (SessionEntry | ChronologyEvent | InstrumentScore | TermlyIndicators) & Record<string, unknown>;

const LISTS: Record<EntryKind, keyof StoredPupil> = { session: "sessions", chronology: "chronology", score: "scores", indicators: "indicators" };

function findEntry(ctx: Ctx, kind: EntryKind, id: number): { entry: AnyEntry; pupilId: number } {
  for (const p of records.pupils.values()) {
    const list = p[LISTS[kind]] as AnyEntry[];
    const entry = list.find((x) => x.id === id);
    if (entry) {
      visible(ctx, p.pupil.id);
      if (!entry.changes) entry.changes = noChanges();
      return { entry, pupilId: p.pupil.id };
    }
  }
  throw err("not_found", "There is no such entry.");
}

function correct(ctx: Ctx, kind: EntryKind, id: number, input: Record<string, unknown>, reason: string) {
  const { entry, pupilId } = findEntry(ctx, kind, id);
  if (reason.trim() === "") throw err("invalid_input", "Enter the reason.", "reason");
  if (entry.changes.withdrawn) throw err("invalid_input", "This entry was withdrawn, so it cannot be changed any more.", "reason");
  const fields = Object.keys(input)
    .filter((k) => input[k] !== entry[k])
    .map((k) => ({ label: k, value: entry[k] === null || entry[k] === undefined ? "" : String(entry[k]) }));
  if (fields.length === 0) throw err("invalid_input", "Nothing was changed: change a value to correct it, or close the form.", "reason");
  const mark = { by: ctx.session().user.name, at: "2026-11-22T09:00:00Z", reason: reason.trim() };
  const earlier: EarlierVersion = { replaced: mark, fields };
  Object.assign(entry, input);
  entry.changes = { corrections: entry.changes.corrections + 1, corrected: mark, withdrawn: null, earlier: [earlier, ...entry.changes.earlier] };
  audit(ctx, `${kind}.correct`, `pupil:${pupilId}/${kind}:${id}`);
  return { ...entry, changes: { ...entry.changes, earlier: ctx.session().user.role === "strategic_lead" ? entry.changes.earlier : [] } };
}

export function recordCommands(ctx: Ctx) {
  return {
    caseload: vi.fn(async (q: CaseloadQuery | null) => {
      // null: the backend's default query (as `CaseloadQuery::default()`).
      const query: CaseloadQuery = q ?? { key_adult_id: null, support_level: null, overdue_only: false, include_left: false, sort: "name" };
      const s = ctx.session();
      let list = [...records.pupils.values()].filter((p) => p.pupil.status !== "archived");
      if (s.user.role === "key_adult") list = list.filter((p) => p.pupil.key_adult?.id === s.user.id);
      else if (query.key_adult_id) list = list.filter((p) => p.pupil.key_adult?.id === query.key_adult_id);
      if (!query.include_left) list = list.filter((p) => p.pupil.status === "active");
      if (query.support_level) list = list.filter((p) => p.pupil.support_level === query.support_level);
      if (query.overdue_only) list = list.filter((p) => p.overdue);
      return list.map(row);
    }),
    addPupil: vi.fn(async (input: PupilInput) => {
      ctx.lead();
      check(input);
      const id = records.nextId++;
      const pupil = build(input, id);
      records.pupils.set(id, { pupil, profile: emptyProfile(), advice: [], team: [], plan: null, sessions: [], chronology: [], scores: [], indicators: [], nextReview: null, overdue: false });
      audit(ctx, "pupil.create", `pupil:${id}`);
      return { ...pupil };
    }),
    updatePupil: vi.fn(async (pupilId: number, input: PupilInput, takesEffectFrom: string | null = null) => {
      ctx.lead();
      const p = visible(ctx, pupilId);
      check(input);
      const from = takesEffectFrom ?? todayIso();
      const history = historyOf(p);
      const changed = (["care_status", "support_level"] as ListKind[]).filter((k) => (input[k] ?? null) !== (p.pupil[k] ?? null));
      if (changed.length > 0) {
        if (from > todayIso()) throw err("invalid_input", "A change cannot take effect after today. Record it on the day it happens.", "takes_effect_from");
        if (from < input.date_of_birth) throw err("invalid_input", "A change cannot take effect before the pupil's date of birth.", "takes_effect_from");
        for (const k of changed) {
          const latest = history.filter((c) => c.kind === k).map((c) => c.effective_from).sort().reverse()[0];
          if (latest && from < latest) throw err("invalid_input", `The pupil's ${k.replace("_", " ")} already has a change recorded from ${latest}. A new value can take effect from that day or later; to change an earlier day, correct the history.`, "takes_effect_from");
        }
      }
      const by = { id: ctx.session().user.id, name: ctx.session().user.name };
      for (const k of changed) {
        const same = history.find((c) => c.kind === k && c.effective_from === from);
        if (same) Object.assign(same, { value: input[k], recorded_by: by });
        else history.push({ id: records.nextId++, kind: k, value: input[k], effective_from: from, recorded_at: "2026-11-22T14:32:00Z", recorded_by: by });
      }
      p.pupil = build(input, pupilId, p.pupil);
      refreshFromHistory(p);
      return { ...p.pupil };
    }),
    correctStatusChange: vi.fn(async (changeId: number, effectiveFrom: string) => {
      ctx.lead();
      const p = [...records.pupils.values()].find((q) => historyOf(q).some((c) => c.id === changeId));
      if (!p) throw err("not_found", "There is no such change of status.");
      const c = historyOf(p).find((x) => x.id === changeId)!;
      if (effectiveFrom > todayIso()) throw err("invalid_input", "A change cannot take effect after today. Record it on the day it happens.", "effective_from");
      if (effectiveFrom < p.pupil.date_of_birth) throw err("invalid_input", "A change cannot take effect before the pupil's date of birth.", "effective_from");
      if (historyOf(p).some((x) => x.id !== changeId && x.kind === c.kind && x.effective_from === effectiveFrom)) {
        throw err("invalid_input", `Another change of ${c.kind.replace("_", " ")} is recorded from that day. Remove the wrong one instead.`, "effective_from");
      }
      c.effective_from = effectiveFrom;
      refreshFromHistory(p);
      audit(ctx, "pupil.status.correct", `pupil:${p.pupil.id}/status:${changeId}`);
      return sortedHistory(p);
    }),
    removeStatusChange: vi.fn(async (changeId: number) => {
      ctx.lead();
      const p = [...records.pupils.values()].find((q) => historyOf(q).some((c) => c.id === changeId));
      if (!p) throw err("not_found", "There is no such change of status.");
      p.history = historyOf(p).filter((c) => c.id !== changeId);
      refreshFromHistory(p);
      audit(ctx, "pupil.status.remove", `pupil:${p.pupil.id}/status:${changeId}`);
      return sortedHistory(p);
    }),
    assignKeyAdult: vi.fn(async (pupilId: number, keyAdultId: string | null) => {
      ctx.lead();
      const p = visible(ctx, pupilId);
      const who = records.keyAdults.find((k) => k.id === keyAdultId) ?? null;
      p.pupil.key_adult = who;
      return null;
    }),
    markLeft: vi.fn(async (pupilId: number, leftOn: string) => {
      ctx.lead();
      const p = visible(ctx, pupilId);
      p.pupil.status = "left";
      p.pupil.left_on = leftOn;
      return null;
    }),
    archivePupil: vi.fn(async (pupilId: number) => {
      ctx.lead();
      visible(ctx, pupilId).pupil.status = "archived";
      return null;
    }),
    getPupil: vi.fn(async (pupilId: number) => ({ ...visible(ctx, pupilId).pupil })),
    openPupil: vi.fn(async (pupilId: number) => recordOf(visible(ctx, pupilId), ctx.session().user.role === "strategic_lead")),
    pickLists: vi.fn(async () => {
      ctx.session();
      const items = (list: ListKind) => listOf(list).map((label) => ({ label, retired: records.retired.has(retiredKey(list, label)) }));
      const offered = (list: ListKind) => items(list).filter((i) => !i.retired).map((i) => i.label);
      return {
        care_statuses: offered("care_status"),
        support_levels: offered("support_level"),
        care_status_items: items("care_status"),
        support_level_items: items("support_level"),
      };
    }),
    addListItem: vi.fn(async (list: ListKind, label: string) => {
      ctx.lead();
      const l = listOf(list);
      if (l.some((x) => x.toLowerCase() === label.trim().toLowerCase())) {
        throw err("already_exists", `The list already has an item called ${label.trim()}.`);
      }
      l.push(label.trim());
      return null;
    }),
    renameListItem: vi.fn(async (list: ListKind, old: string, next: string) => {
      ctx.lead();
      const l = listOf(list);
      const i = l.indexOf(old);
      if (i < 0) throw err("not_found", "The list has no such item.");
      l[i] = next.trim();
      if (records.retired.delete(retiredKey(list, old))) records.retired.add(retiredKey(list, next.trim()));
      for (const p of records.pupils.values()) {
        if (list === "support_level" && p.pupil.support_level === old) p.pupil.support_level = next.trim();
        if (list === "care_status" && p.pupil.care_status === old) p.pupil.care_status = next.trim();
      }
      return null;
    }),
    reorderList: vi.fn(async (list: ListKind, labels: string[]) => {
      ctx.lead();
      const l = listOf(list);
      if ([...labels].sort().join("\n") !== [...l].sort().join("\n")) {
        throw err("invalid_input", "The new order must name every item of the list once.");
      }
      l.splice(0, l.length, ...labels);
      return null;
    }),
    retireListItem: vi.fn(async (list: ListKind, label: string, retired: boolean) => {
      ctx.lead();
      if (!listOf(list).includes(label)) throw err("not_found", "The list has no such item.");
      if (retired) records.retired.add(retiredKey(list, label));
      else records.retired.delete(retiredKey(list, label));
      return null;
    }),
    readHeader: vi.fn(async (text: string) => {
      ctx.lead();
      const first = text.split(/\r?\n/)[0] ?? "";
      return { line: 1, headers: first.split(",").map((h) => h.trim()) };
    }),
    suggestMapping: vi.fn(async (headers: string[]) => {
      const find = (...names: string[]) => {
        const i = headers.findIndex((h) => names.includes(h.toLowerCase().replace(/[^a-z0-9]/g, "")));
        return i < 0 ? null : i;
      };
      return {
        legal_forename: find("forename", "legalforename", "firstname"),
        legal_surname: find("surname", "legalsurname", "lastname"),
        preferred_name: find("preferredforename", "preferredname"),
        date_of_birth: find("dob", "dateofbirth"),
        year_group: find("year", "yeargroup"),
        upn: find("upn"),
        scn: find("scn"),
        local_id: find("adno", "localid"),
        care_status: find("carestatus"),
        support_level: find("supportlevel"),
      };
    }),
    parse: vi.fn(async (text: string, mapping: Record<string, number | null>): Promise<ImportPreview> => {
      ctx.lead();
      const lines = text.split(/\r?\n/);
      const preview: ImportPreview = { good: [], bad: [], date_order: "day_first", header_line: 1 };
      const cell = (cells: string[], f: string) => (mapping[f] === null || mapping[f] === undefined ? "" : (cells[mapping[f] as number] ?? "").trim());
      lines.slice(1).forEach((line, i) => {
        if (line.trim() === "") return;
        const n = i + 2;
        const cells = line.split(",");
        const reasons: string[] = [];
        const dob = cell(cells, "date_of_birth");
        const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(dob);
        if (!m || Number(m[2]) > 12 || Number(m[1]) > 31) reasons.push(`date of birth "${dob}" cannot be read`);
        const upn = cell(cells, "upn");
        if (upn) {
          const problem = upnCheck(upn);
          if (problem) reasons.push(problem.replace(/\.$/, ""));
        }
        if (reasons.length > 0) preview.bad.push({ line: n, reason: reasons.join("; ") });
        else
          preview.good.push([
            n,
            {
              legal_forename: cell(cells, "legal_forename"),
              legal_surname: cell(cells, "legal_surname"),
              preferred_name: cell(cells, "preferred_name") || null,
              date_of_birth: `${m![3]}-${m![2].padStart(2, "0")}-${m![1].padStart(2, "0")}`,
              year_group: cell(cells, "year_group"),
              identifiers: upn ? [{ kind: "upn", value: upn }] : [],
              care_status: null,
              support_level: null,
            },
          ]);
      });
      return preview;
    }),
    importPupils: vi.fn(async (preview: ImportPreview, mode: "all_or_nothing" | "good_only") => {
      ctx.lead();
      if (mode === "all_or_nothing" && preview.bad.length > 0) return { imported: 0, bad: preview.bad };
      for (const [, p] of preview.good) {
        seedPupil({ legal_forename: p.legal_forename, legal_surname: p.legal_surname, date_of_birth: p.date_of_birth, year_group: p.year_group });
      }
      return { imported: preview.good.length, bad: preview.bad };
    }),
    // The update from the MIS (mis_update.rs), matching by UPN only and comparing the year
    // group and the legal surname: enough to drive the screen.
    previewMisUpdate: vi.fn(async (text: string, mapping: Record<string, number | null>): Promise<UpdatePreview> => {
      ctx.lead();
      return fakeUpdate(text, mapping).preview;
    }),
    applyMisUpdate: vi.fn(async (text: string, mapping: Record<string, number | null>, choices: UpdateChoices): Promise<UpdateOutcome> => {
      ctx.lead();
      const { preview, apply } = fakeUpdate(text, mapping);
      if (choices.mark_left.length > 0 && !choices.left_on) throw err("invalid_input", "Give the date the pupils missing from the file left.", "left_on");
      if (choices.mode === "all_or_nothing" && preview.bad.length > 0) return { updated: 0, added: 0, marked_left: 0, bad: preview.bad };
      apply();
      let added = 0;
      if (choices.add_new) {
        for (const n of preview.new) {
          seedPupil({ legal_forename: n.pupil.legal_forename, legal_surname: n.pupil.legal_surname, date_of_birth: n.pupil.date_of_birth, year_group: n.pupil.year_group, identifiers: n.pupil.identifiers.map((i) => ({ kind: i.kind, value: i.value })) });
          added++;
        }
      }
      for (const id of choices.mark_left) {
        const p = records.pupils.get(id)!;
        p.pupil.status = "left";
        p.pupil.left_on = choices.left_on;
      }
      return { updated: preview.changed.length, added, marked_left: choices.mark_left.length, bad: preview.bad };
    }),
    schoolYear: vi.fn(async () => {
      ctx.session();
      return fakeSchoolYear;
    }),
    previewRollover: vi.fn(async (to: string, lastYear: string | null): Promise<RolloverPreview> => {
      ctx.lead();
      return fakeRollover(to, lastYear).preview;
    }),
    applyRollover: vi.fn(async (choices: RolloverChoices): Promise<RolloverOutcome> => {
      ctx.lead();
      const { preview, moves } = fakeRollover(choices.to, choices.last_year);
      if (choices.leavers_left.length > 0 && !choices.left_on) throw err("invalid_input", "Give the date the leavers left.", "left_on");
      for (const [id, next] of moves) {
        const p = records.pupils.get(id)!;
        p.pupil.year_group = next.code;
        p.pupil.year_group_label = next.label;
      }
      for (const id of choices.leavers_left) {
        const p = records.pupils.get(id)!;
        p.pupil.status = "left";
        p.pupil.left_on = choices.left_on;
      }
      fakeSchoolYear = preview.to_year;
      return { to_year: preview.to_year, moved: moves.length, marked_left: choices.leavers_left.length, stayed: preview.leavers.length - choices.leavers_left.length };
    }),
    checkImport: vi.fn(async (preview: ImportPreview, mode: "all_or_nothing" | "good_only") => {
      ctx.lead();
      if (mode === "all_or_nothing" && preview.bad.length > 0) return { imported: 0, bad: preview.bad };
      return { imported: preview.good.length, bad: preview.bad };
    }),
    saveProfile: vi.fn(async (pupilId: number, profile: Profile) => {
      visible(ctx, pupilId).profile = { ...profile };
      return null;
    }),
    addAgencyAdvice: vi.fn(async (pupilId: number, input) => {
      const p = visible(ctx, pupilId);
      const id = records.nextId++;
      p.advice.push({ id, ...input, recorded_by: ctx.session().user.name });
      return id;
    }),
    deleteAgencyAdvice: vi.fn(async (adviceId: number) => {
      for (const p of records.pupils.values()) p.advice = p.advice.filter((a) => a.id !== adviceId);
      return null;
    }),
    setTeam: vi.fn(async (pupilId: number, members) => {
      const p = visible(ctx, pupilId);
      p.team = members.map((m: { name: string; role: string }) => ({ id: records.nextId++, ...m }));
      return [...p.team];
    }),
    listFrameworks: vi.fn(async () => {
      ctx.session();
      return structuredClone(allFrameworks());
    }),
    addFramework: vi.fn(async (text: string) => {
      ctx.lead();
      const fw = readFramework(text);
      if (FRAMEWORKS.some((f) => f.id === fw.id)) {
        throw err("already_exists", `The framework id "${fw.id}" belongs to a framework built into Attune: give yours another id.`);
      }
      if (records.schoolFrameworks.some((f) => f.id === fw.id)) {
        throw err("already_exists", `The school already has a framework with the id "${fw.id}": give this one another id.`);
      }
      records.schoolFrameworks.push(fw);
      audit(ctx, "framework.add", `framework:${fw.id}`);
      return structuredClone(fw);
    }),
    startPlan: vi.fn(async (pupilId: number, input) => {
      const p = visible(ctx, pupilId);
      const fw = allFrameworks().find((f) => f.id === (input.framework_id ?? "secure-base"))!;
      p.plan = {
        id: records.nextId++,
        pupil_id: pupilId,
        framework_id: fw.id,
        framework_name: fw.name,
        start: input.start,
        horizon_end: fakeYearsOn(input.start, input.horizon_years),
        renew_from: fakeYearsOn(input.start, input.horizon_years),
        cadence: input.cadence,
        cadence_label: cadenceLabelOf(input.cadence),
        status: "active",
        goals: [],
        due_dates: [
          { date: "2026-12-16", provisional: false, held: false, overdue: false },
          { date: "2027-02-12", provisional: true, held: false, overdue: false },
        ],
      };
      return structuredClone(p.plan);
    }),
    getPlan: vi.fn(async (planId: number) => {
      const p = [...records.pupils.values()].find((x) => x.plan?.id === planId);
      if (p?.plan) return structuredClone(p.plan);
      const earlier = [...records.pupils.values()].flatMap((x) => x.earlierPlans ?? []).find((x) => x.id === planId);
      if (!earlier) throw err("not_found", "There is no such plan.");
      return structuredClone(earlier);
    }),
    listPlans: vi.fn(async (pupilId: number): Promise<PlanSummary[]> => {
      const p = records.pupils.get(pupilId);
      if (!p) throw err("not_found", "There is no such pupil.");
      visible(ctx, pupilId);
      const summary = (v: PlanView, closed_on: string | null): PlanSummary => ({
        id: v.id,
        framework_name: v.framework_name,
        start: v.start,
        horizon_end: v.horizon_end,
        status: v.status,
        closed_on,
        goals: v.goals.length,
        signed_reviews: 0,
      });
      const earlier = [...(p.earlierPlans ?? [])].reverse().map((v) => summary(v, todayIso()));
      return p.plan ? [summary(p.plan, null), ...earlier] : earlier;
    }),
    changeCadence: vi.fn(async (planId: number, cadence: Cadence) => {
      const p = planOwner(ctx, planId);
      if (typeof cadence === "object" && (cadence.custom_weeks < 1 || cadence.custom_weeks > 52)) {
        throw err("invalid_input", `A custom cadence of ${cadence.custom_weeks} weeks is out of range: use 1 to 52 weeks.`, "cadence");
      }
      // Dates before today are kept; later ones worked out again.
      const today = todayIso();
      const past = p.plan.due_dates.filter((d) => d.date < today);
      const future = fakeFutureDates(cadence, today).map((date) => ({ date, provisional: false, held: false, overdue: false }));
      p.plan.cadence = cadence;
      p.plan.cadence_label = cadenceLabelOf(cadence);
      p.plan.due_dates = [...past, ...future];
      return structuredClone(p.plan);
    }),
    closePlan: vi.fn(async () => null),
    addGoal: vi.fn(async (planId: number, input) => {
      const p = [...records.pupils.values()].find((x) => x.plan?.id === planId);
      if (!p?.plan) throw err("not_found", "There is no such plan.");
      visible(ctx, p.pupil.id);
      const fw = allFrameworks().find((f) => f.id === p.plan!.framework_id)!;
      const domain = fw.domains.find((d) => d.id === input.domain_id);
      if (!domain) throw err("invalid_input", "Choose a domain of the plan's framework.", "domain_id");
      const goal: Goal = { id: records.nextId++, plan_id: planId, domain_name: domain.name, status: "active", position: p.plan.goals.length, ...input };
      p.plan.goals.push(goal);
      return { ...goal };
    }),
    updateGoal: vi.fn(async (goalId: number, input: GoalInput) => {
      const { p, goal } = goalOwner(ctx, goalId);
      const fw = allFrameworks().find((f) => f.id === p.plan.framework_id)!;
      const domain = fw.domains.find((d) => d.id === input.domain_id);
      if (!domain) throw err("invalid_input", "Choose a domain of the plan's framework.", "domain_id");
      Object.assign(goal, input, { domain_name: domain.name });
      return { ...goal };
    }),
    setGoalStatus: vi.fn(async (goalId: number, status: GoalStatus) => {
      goalOwner(ctx, goalId).goal.status = status;
      return null;
    }),
    logSession: vi.fn(async (pupilId: number, input) => {
      const p = visible(ctx, pupilId);
      if (input.minutes < 1 || input.minutes > 480) throw err("invalid_input", "A session lasts 1 to 480 minutes.", "minutes");
      const entry: SessionEntry = { id: records.nextId++, ...input, safeguarding_ref: input.safeguarding_ref?.trim() || null, recorded_by: ctx.session().user.name, changes: noChanges() };
      p.sessions.push(entry);
      audit(ctx, "session.create", `pupil:${pupilId}/session:${entry.id}`);
      return { ...entry };
    }),
    listSessions: vi.fn(async (pupilId: number) => [...visible(ctx, pupilId).sessions]),
    safeguardingWords: vi.fn(async () => {
      ctx.session();
      return [...records.safeguardingWords];
    }),
    setSafeguardingWords: vi.fn(async (words: string[]) => {
      ctx.lead();
      const kept: string[] = [];
      for (const raw of words) {
        const w = raw.trim().split(/\s+/).join(" ");
        if (w === "") continue;
        if ([...w].length > 50) throw err("invalid_input", `Each word or phrase must be 50 characters or fewer (one is ${[...w].length}).`, "words");
        if (!kept.some((k) => k.toLowerCase() === w.toLowerCase())) kept.push(w);
      }
      if (kept.length > 100) throw err("invalid_input", `The list can hold up to 100 words or phrases (it has ${kept.length}).`, "words");
      records.safeguardingWords = kept;
      audit(ctx, "settings.safeguarding_words", null);
      return [...kept];
    }),
    // As the backend pages: newest first (by day, then id), withdrawn ones left out.
    pageSessions: vi.fn(async (pupilId: number, query: SessionQuery): Promise<SessionPage> => {
      const lead = ctx.session().user.role === "strategic_lead";
      const all = shown(visible(ctx, pupilId).sessions, lead)
        .filter((x) => !x.changes.withdrawn)
        .filter((x) => (query.kind == null || x.kind === query.kind) && (query.from == null || x.held_on >= query.from) && (query.to == null || x.held_on <= query.to))
        .sort((a, b) => b.held_on.localeCompare(a.held_on) || b.id - a.id);
      const after = query.after;
      const rest = after ? all.filter((x) => x.held_on < after.held_on || (x.held_on === after.held_on && x.id < after.id)) : all;
      const sessions = rest.slice(0, query.limit);
      const last = sessions[sessions.length - 1];
      // The periods as school years only (1 August to 31 July): the terms are the backend's.
      const everyKind = shown(visible(ctx, pupilId).sessions, lead).filter((x) => !x.changes.withdrawn);
      const years = [...new Set(everyKind.map((x) => { const [y, m] = x.held_on.split("-").map(Number); return m >= 8 ? y : y - 1; }))].sort((a, b) => b - a);
      const periods = after
        ? []
        : years.map((y) => {
            const from = `${y}-08-01`;
            const to = `${y + 1}-07-31`;
            const label = `${y}-${String((y + 1) % 100).padStart(2, "0")}`;
            return { label: `The school year ${label}`, whole_year: true, from, to, sessions: everyKind.filter((x) => x.held_on >= from && x.held_on <= to).length };
          });
      return { sessions, total: all.length, next: rest.length > query.limit && last ? { held_on: last.held_on, id: last.id } : null, periods };
    }),
    addChronologyEvent: vi.fn(async (pupilId: number, input) => {
      const p = visible(ctx, pupilId);
      const ev: ChronologyEvent = { id: records.nextId++, ...input, recorded_by: ctx.session().user.name, changes: noChanges() };
      p.chronology.push(ev);
      return { ...ev };
    }),
    addScore: vi.fn(async (pupilId: number, input) => {
      const p = visible(ctx, pupilId);
      const s: InstrumentScore = { id: records.nextId++, ...input, changes: noChanges() };
      p.scores.unshift(s);
      return { ...s };
    }),
    setIndicators: vi.fn(async (pupilId: number, input) => {
      const p = visible(ctx, pupilId);
      const old = p.indicators.find((t) => t.term === input.term);
      const row: TermlyIndicators = { id: old?.id ?? records.nextId++, ...input, changes: old?.changes ?? noChanges() };
      p.indicators = [...p.indicators.filter((t) => t.term !== input.term), row];
      return null;
    }),
    // Correcting or withdrawing an entry (issue 16), as attune_domain::record::corrections
    // does: the caller must see the pupil; the values replaced are kept with who, when, why.
    correctSession: vi.fn(async (id: number, input, reason: string) => correct(ctx, "session", id, input, reason) as SessionEntry),
    correctChronologyEvent: vi.fn(async (id: number, input, reason: string) => correct(ctx, "chronology", id, input, reason) as ChronologyEvent),
    correctScore: vi.fn(async (id: number, input, reason: string) => correct(ctx, "score", id, input, reason) as InstrumentScore),
    correctIndicators: vi.fn(async (id: number, input, reason: string) => correct(ctx, "indicators", id, input, reason) as TermlyIndicators),
    withdrawEntry: vi.fn(async (kind: EntryKind, id: number, reason: string) => {
      if (reason.trim() === "") throw err("invalid_input", "Enter the reason.", "reason");
      const { entry, pupilId } = findEntry(ctx, kind, id);
      if (entry.changes.withdrawn) throw err("invalid_input", "This entry was withdrawn, so it cannot be changed any more.", "reason");
      entry.changes = { ...entry.changes, withdrawn: { by: ctx.session().user.name, at: "2026-11-22T09:00:00Z", reason: reason.trim() } };
      audit(ctx, `${kind}.withdraw`, `pupil:${pupilId}/${kind}:${id}`);
      return null;
    }),
    importIndicatorsCsv: vi.fn(async () => {
      ctx.lead();
      return { imported: 0, bad: [] };
    }),
    search: vi.fn(async (text: string) => {
      const s = ctx.session();
      const words = text.toLowerCase().split(/\s+/).filter(Boolean);
      const hits: SearchHit[] = [];
      const mark = (t: string) => words.reduce((acc, w) => acc.replace(new RegExp(`(${w})`, "ig"), "[$1]"), t);
      const has = (t: string) => words.every((w) => t.toLowerCase().includes(w));
      const none = { date: null, source: null, key_adult: null };
      for (const p of records.pupils.values()) {
        if (s.user.role === "key_adult" && p.pupil.key_adult?.id !== s.user.id) continue;
        const name = p.pupil.display_name;
        const at = { ...none, pupil_id: p.pupil.id, pupil_name: name };
        if (has(`${p.pupil.legal_forename} ${p.pupil.legal_surname} ${p.pupil.preferred_name ?? ""}`)) hits.push({ ...at, kind: "pupil", record_id: p.pupil.id, snippet: mark(name) });
        for (const g of p.plan?.goals ?? []) if (has(g.outcome)) hits.push({ ...at, kind: "goal", record_id: g.id, snippet: mark(g.outcome) });
        for (const x of p.sessions) if (has(x.note)) hits.push({ ...at, kind: "session_note", record_id: x.id, snippet: mark(x.note) });
        for (const c of p.chronology) if (has(c.description)) hits.push({ ...at, kind: "chronology", record_id: c.id, snippet: mark(c.description) });
        const about = Object.values(p.profile).join(" ");
        if (has(about)) hits.push({ ...at, kind: "about_me", record_id: p.pupil.id, snippet: mark(about) });
        for (const a of p.advice)
          if (has(`${a.source} ${a.advice}`))
            hits.push({ ...at, kind: "advice", record_id: a.id, date: a.advised_on, source: a.source, snippet: mark(`${a.source} ${a.advice}`) });
        for (const t of p.team) if (has(`${t.name} ${t.role}`)) hits.push({ ...at, kind: "team_member", record_id: t.id, snippet: mark(`${t.name} ${t.role}`) });
      }
      return hits;
    }),
    schoolCalendars: vi.fn(async () => {
      ctx.session();
      return { calendars: [defaultCalendar()], defaults: true };
    }),
    saveSchoolCalendar: vi.fn(async (calendar: SchoolCalendar) => {
      ctx.lead();
      return { calendars: [JSON.parse(JSON.stringify(calendar)) as SchoolCalendar], defaults: false };
    }),
    deleteSchoolCalendar: vi.fn(async () => ({ calendars: [defaultCalendar()], defaults: true })),
    saveDraft: vi.fn(async (formKey: string, content: string) => {
      ctx.session();
      const d: Draft = { form_key: formKey, content, updated_at: new Date().toISOString() };
      records.drafts.set(formKey, d);
      return { ...d };
    }),
    loadDraft: vi.fn(async (formKey: string) => {
      ctx.session();
      const d = records.drafts.get(formKey);
      return d ? { ...d } : null;
    }),
    listDrafts: vi.fn(async () => [...records.drafts.values()]),
    deleteDraft: vi.fn(async (formKey: string) => {
      records.drafts.delete(formKey);
      return null;
    }),
    auditEntries: vi.fn(async (query: { action_prefix: string | null; user_id: string | null } | null) => {
      ctx.lead();
      return records.audit.filter(
        (a) => (!query?.action_prefix || a.action.startsWith(query.action_prefix)) && (!query?.user_id || a.actor_id === query.user_id),
      );
    }),
    verifyAudit: vi.fn(async () => {
      ctx.lead();
      return { intact: true, first_broken_seq: null };
    }),
    // The full check of the vault: any signed-in adult; a healthy vault by default.
    checkVault: vi.fn(async (_op: string) => {
      ctx.session();
      return { pages_checked: 412, audit_entries_checked: records.audit.length + 37, problems: [] };
    }),
  };
}

export function defaultCalendar(): SchoolCalendar {
  return {
    year_label: "2026-27",
    terms: [
      { name: "Autumn", start: "2026-09-02", end: "2026-12-18", half_term: { start: "2026-10-26", end: "2026-10-30" } },
      { name: "Spring", start: "2027-01-05", end: "2027-03-26", half_term: { start: "2027-02-15", end: "2027-02-19" } },
      { name: "Summer", start: "2027-04-12", end: "2027-07-21", half_term: { start: "2027-05-31", end: "2027-06-04" } },
    ],
    closures: [],
  };
}
