// The strategic lead's commands (issue 5) for the fake backend: the overview, supervision notes,
// and the anonymised summary's preview, export and merge. Spread over `fakeIpc(...)` in a
// test's `vi.mock("../lib/ipc", …)`; the figures come from the fake records (fake-records.ts).

import { vi } from "vitest";
import type {
  ExportedFiles,
  MergeReport,
  Overview,
  OverviewPupil,
  OverviewQuery,
  OverviewRow,
  SessionInfo,
  Supervisee,
  SupervisionNote,
  SupervisionNoteInput,
  SummaryFileInfo,
  SummaryPreview,
  PreviewTable,
} from "../lib/bindings";
import { backend, commandError } from "./fake-backend";
import { records, type StoredPupil } from "./fake-records";
import { todayIso } from "../lib/dates";

export const TODAY = "2026-11-22";

export const lead = {
  notes: [] as SupervisionNote[],
  nextId: 500,
};

export function resetLead(): void {
  lead.notes = [];
  lead.nextId = 500;
}

function session(): SessionInfo {
  const s = backend.state.session;
  if (!s) throw commandError("locked", "Attune is locked.");
  return s;
}

function requireLead(): SessionInfo {
  const s = session();
  if (s.user.role !== "strategic_lead") throw commandError("not_permitted", "Not permitted: only a strategic lead can do that.");
  return s;
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function named(p: StoredPupil, date: string | null, count = 1): OverviewPupil {
  return {
    pupil_id: p.pupil.id,
    preferred_name: p.pupil.preferred_name ?? p.pupil.legal_forename,
    surname: p.pupil.legal_surname,
    date,
    count,
  };
}

/** The overview from the fake records: `nextReview` and `overdue` as seeded, sessions as logged. */
export function fakeOverview(query: OverviewQuery | null): Overview {
  const q = query ?? { due_weeks: 4, session_weeks: 3 };
  if (q.due_weeks < 1 || q.due_weeks > 52) {
    throw { kind: "invalid_input", message: "The number of weeks ahead for reviews due must be between 1 and 52.", retry_after_secs: null, field: "due_weeks" };
  }
  const dueUntil = addDays(TODAY, q.due_weeks * 7);
  const since = addDays(TODAY, -q.session_weeks * 7);
  const rows = new Map<string, OverviewRow>();
  for (const u of backend.state.users.filter((u) => u.role === "key_adult")) {
    rows.set(u.id, { key_adult: { id: u.id, name: u.name }, is_lead: false, removed: false, caseload: 0, due: [], overdue: [], overdue_reviews: 0, no_recent_session: [] });
  }
  let total = 0;
  for (const p of records.pupils.values()) {
    if (p.pupil.status !== "active") continue;
    total += 1;
    const key = p.pupil.key_adult?.id ?? "";
    let row = rows.get(key);
    if (!row) {
      row = { key_adult: p.pupil.key_adult, is_lead: false, removed: false, caseload: 0, due: [], overdue: [], overdue_reviews: 0, no_recent_session: [] };
      rows.set(key, row);
    }
    row.caseload += 1;
    if (p.overdue && p.nextReview) {
      row.overdue.push(named(p, p.nextReview));
      row.overdue_reviews += 1;
    } else if (p.nextReview && p.nextReview >= TODAY && p.nextReview <= dueUntil) {
      row.due.push(named(p, p.nextReview));
    }
    const last = p.sessions.map((s) => s.held_on).sort().reverse()[0] ?? null;
    if (last === null || last < since) row.no_recent_session.push(named(p, last));
  }
  const list = [...rows.values()].sort((a, b) =>
    a.key_adult === null ? 1 : b.key_adult === null ? -1 : a.key_adult.name.localeCompare(b.key_adult.name),
  );
  return {
    due_weeks: q.due_weeks,
    session_weeks: q.session_weeks,
    today: TODAY,
    due_until: dueUntil,
    sessions_since: since,
    rows: list,
    total_pupils: total,
    laptops_not_synced: [],
  };
}

function supervisees(me: string): Supervisee[] {
  return backend.state.users
    .filter((u) => u.id !== me && u.role === "key_adult")
    .map((u) => ({
      key_adult: { id: u.id, name: u.name },
      is_lead: false,
      pupils: [...records.pupils.values()]
        .filter((p) => p.pupil.key_adult?.id === u.id && p.pupil.status === "active")
        .map((p) => ({ pupil_id: p.pupil.id, preferred_name: p.pupil.preferred_name ?? p.pupil.legal_forename, surname: p.pupil.legal_surname })),
    }));
}

function invalid(field: string, message: string) {
  return { kind: "invalid_input", message, retry_after_secs: null, field };
}

/** One table: pupils by care status, "Looked after" withheld (3 pupils), its row total too. */
export function careTable(): PreviewTable {
  const pub = (v: number) => ({ status: "published" as const, value: v, text: String(v), lower: null, upper: null, reason: null, reason_text: null });
  return {
    id: "pupils_by_care_status",
    title: "Pupils supported, by care status",
    note: "A pupil is counted once.",
    dimension: "care_status",
    dimension_label: "Care status",
    dimension_2: null,
    dimension_2_label: null,
    columns: [{ key: "pupils", label: "Pupils", measure: "pupils", unit: "pupils", total: false }],
    rows: [
      { key: "looked_after", label: "Looked after", total: false, cells: [{ status: "suppressed", value: null, text: "[c]", lower: null, upper: null, reason: "primary", reason_text: "Stands for fewer than 5 pupils." }] },
      { key: "none", label: "None", total: false, cells: [{ status: "suppressed", value: null, text: "[c]", lower: null, upper: null, reason: "secondary", reason_text: "Withheld as well, so that another withheld figure cannot be worked out from the totals." }] },
      { key: "child_in_need", label: "Child in need", total: false, cells: [pub(12)] },
      { key: "total", label: "All pupils", total: true, cells: [pub(24)] },
    ],
  };
}

export function fakePreview(period: string, k: number): SummaryPreview {
  return {
    period,
    period_start: "2026-09-01",
    period_end: "2027-08-31",
    terms: ["Autumn 2026", "Spring 2027", "Summer 2027"],
    default_calendar: true,
    k,
    school_label: "An Attune school",
    pupils: 24,
    suppressed_cells: 2,
    withheld_why: [
      "1 figure stands for fewer than 5 pupils, so it is withheld.",
      "1 figure is withheld as well, so that no withheld figure can be worked out, or narrowed down, from the totals and the other figures.",
    ],
    tables: [careTable()],
  };
}

export function fakeMerge(paths: string[], folder: string): MergeReport {
  const t = careTable();
  t.rows[0].cells[0] = { status: "bounds", value: null, text: "12 to 18", lower: 12, upper: 18, reason: null, reason_text: null };
  const files: ExportedFiles = {
    csv: `${folder}/attune-merged-2026-27.csv`,
    json: `${folder}/attune-merged-2026-27.json`,
    html: `${folder}/attune-merged-2026-27.html`,
  };
  return { period: "2026-27", schools: paths.map((_, i) => `School ${i + 1}`), files, bounded_cells: 1, tables: [t] };
}

export function leadCommands() {
  return {
    choosePath: vi.fn(async (): Promise<string | null> => null),
    summaryPreview: vi.fn(async (period: string, k: number) => {
      requireLead();
      if (k < 3) throw invalid("k", "k must be a whole number from 3 to 100.");
      return fakePreview(period, k);
    }),
    exportSummary: vi.fn(async (period: string, _k: number, folder: string): Promise<ExportedFiles> => {
      requireLead();
      const stem = `${folder}/attune-summary-${period.replace(/\s+/g, "-")}`;
      return { csv: `${stem}.csv`, json: `${stem}.json`, html: `${stem}.html` };
    }),
    inspectSummary: vi.fn(async (path: string): Promise<SummaryFileInfo> => {
      session();
      if (path.includes("tampered")) {
        throw invalid("files", `${path.split("/").pop()} was refused: its checksum does not match its content (it has been changed)`);
      }
      return { label: `School ${path.slice(-6, -5)}`, period: "2026-27", k: 5, tables: 9 };
    }),
    mergeSummaries: vi.fn(async (paths: string[], folder: string) => {
      requireLead();
      return fakeMerge(paths, folder);
    }),
    overview: vi.fn(async (query: OverviewQuery | null = null) => {
      requireLead();
      return fakeOverview(query);
    }),
    supervisionOptions: vi.fn(async () => supervisees(requireLead().user.id)),
    recordSupervisionNote: vi.fn(async (input: SupervisionNoteInput) => {
      const s = requireLead();
      if (input.held_on > todayIso()) throw invalid("held_on", "The date of the meeting must be today or in the past.");
      const who = supervisees(s.user.id).find((x) => x.key_adult.id === input.key_adult_id);
      if (!who) throw invalid("key_adult_id", "There is no such key adult. Choose one from the list.");
      if (input.pupil_ids.some((id) => !who.pupils.some((p) => p.pupil_id === id))) {
        throw invalid("pupil_ids", "Only pupils on this key adult's caseload can be listed as discussed.");
      }
      if (input.notes.trim() === "") throw invalid("notes", "Enter the notes.");
      const note: SupervisionNote = {
        id: lead.nextId++,
        held_on: input.held_on,
        kind: input.kind,
        key_adult: who.key_adult,
        pupils: who.pupils.filter((p) => input.pupil_ids.includes(p.pupil_id)),
        notes: input.notes,
        actions: input.actions,
        recorded_by: { id: s.user.id, name: s.user.name },
        created_at: `${TODAY}T09:00:00Z`,
        changes: { corrections: 0, corrected: null, withdrawn: null, earlier: [] },
      };
      lead.notes.push(note);
      return note;
    }),
    // As the backend: the lead only; a reason; the key adult kept; a withdrawn note is final.
    correctSupervisionNote: vi.fn(async (noteId: number, input: SupervisionNoteInput, reason: string) => {
      const s = requireLead();
      const n = lead.notes.find((x) => x.id === noteId);
      if (!n) throw commandError("not_found", "There is no such supervision note.");
      if (n.changes.withdrawn) throw invalid("reason", "This supervision note was withdrawn, so it cannot be changed any more.");
      if (reason.trim() === "") throw invalid("reason", "Enter the reason.");
      if (input.key_adult_id !== n.key_adult.id) throw invalid("key_adult_id", "The key adult of a note cannot be changed.");
      if (input.held_on > todayIso()) throw invalid("held_on", "The date of the meeting must be today or in the past.");
      if (input.notes.trim() === "") throw invalid("notes", "Enter the notes.");
      const who = supervisees(s.user.id).find((x) => x.key_adult.id === n.key_adult.id);
      const pool = [...n.pupils, ...(who?.pupils ?? []).filter((p) => !n.pupils.some((q) => q.pupil_id === p.pupil_id))];
      const fields: Array<{ label: string; value: string }> = [];
      const pupils = pool.filter((p) => input.pupil_ids.includes(p.pupil_id));
      const names = (ps: typeof pupils) => ps.map((p) => `${p.preferred_name} ${p.surname}`).join(", ") || "None";
      if (input.held_on !== n.held_on) fields.push({ label: "Date", value: n.held_on });
      if (input.kind !== n.kind) fields.push({ label: "Kind", value: n.kind });
      if (names(pupils) !== names(n.pupils)) fields.push({ label: "Pupils discussed", value: names(n.pupils) });
      if (input.notes !== n.notes) fields.push({ label: "Notes", value: n.notes });
      if (input.actions !== n.actions) fields.push({ label: "Agreed actions", value: n.actions });
      if (fields.length === 0) throw invalid("reason", "Nothing was changed: change a value to correct it, or close the form.");
      const mark = { by: s.user.name, at: `${TODAY}T10:00:00Z`, reason: reason.trim() };
      Object.assign(n, { held_on: input.held_on, kind: input.kind, pupils, notes: input.notes, actions: input.actions });
      n.changes = { ...n.changes, corrections: n.changes.corrections + 1, corrected: mark, earlier: [{ replaced: mark, fields }, ...n.changes.earlier] };
      return n;
    }),
    withdrawSupervisionNote: vi.fn(async (noteId: number, reason: string) => {
      const s = requireLead();
      const n = lead.notes.find((x) => x.id === noteId);
      if (!n) throw commandError("not_found", "There is no such supervision note.");
      if (n.changes.withdrawn) throw invalid("reason", "This supervision note was withdrawn, so it cannot be changed any more.");
      if (reason.trim() === "") throw invalid("reason", "Enter the reason.");
      n.changes = { ...n.changes, withdrawn: { by: s.user.name, at: `${TODAY}T10:00:00Z`, reason: reason.trim() } };
      return n;
    }),
    listSupervisionNotes: vi.fn(async (keyAdultId: string | null = null) => {
      const s = session();
      if (s.user.role === "key_adult" && keyAdultId !== null && keyAdultId !== s.user.id) {
        throw commandError("not_permitted", "Not permitted: you can read only your own supervision notes.");
      }
      const who = s.user.role === "key_adult" ? s.user.id : keyAdultId;
      const isLead = s.user.role === "strategic_lead";
      // A key adult never gets a withdrawn note, nor anything of a note's corrections.
      return lead.notes
        .filter((n) => who === null || n.key_adult.id === who)
        .filter((n) => isLead || !n.changes.withdrawn)
        .map((n) => (isLead ? n : { ...n, changes: { corrections: 0, corrected: null, withdrawn: null, earlier: [] } }))
        .sort((a, b) => b.held_on.localeCompare(a.held_on) || b.id - a.id);
    }),
    getSupervisionNote: vi.fn(async (noteId: number) => {
      const s = session();
      const n = lead.notes.find((x) => x.id === noteId);
      if (!n || (s.user.role === "key_adult" && (n.key_adult.id !== s.user.id || n.changes.withdrawn))) {
        throw commandError("not_permitted", "Not permitted: you can read only your own supervision notes.");
      }
      return s.user.role === "strategic_lead" ? n : { ...n, changes: { corrections: 0, corrected: null, withdrawn: null, earlier: [] } };
    }),
  };
}
