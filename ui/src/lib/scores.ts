// Scores over time (issue 16, item 4): a pupil's instrument scores grouped into series (SDQ's
// total and each subscale, each Boxall strand, the Thrive stage), each point at its date, for a
// chart whose x-axis is proportional to time and a table with the same figures.

import type { Instrument, InstrumentScore } from "./bindings";
import { ukDate } from "./dates";

/** SDQ's parts: the total (no subscale) and its subscales, in the questionnaire's order. */
export const SDQ_PARTS: ReadonlyArray<{ value: string; label: string }> = [
  { value: "", label: "Total difficulties (0 to 40)" },
  { value: "emotional", label: "Emotional symptoms" },
  { value: "conduct", label: "Conduct problems" },
  { value: "hyperactivity", label: "Hyperactivity" },
  { value: "peer", label: "Peer problems" },
  { value: "prosocial", label: "Prosocial" },
  { value: "impact", label: "Impact" },
];

/** Thrive's stages in developmental order (a later stage is further on). */
export const THRIVE_STAGES: readonly string[] = ["Being", "Doing", "Thinking", "Power and identity", "Skills and structure", "Interdependence"];

export type ScorePoint = { date: string; value: number };
export type ScoreSeries = { key: string; label: string; points: ScorePoint[] };
export type InstrumentTrend = {
  instrument: Instrument;
  /** One chart per group: SDQ's total apart from its subscales (0–40 against 0–10). */
  charts: Array<{ id: string; title: string; series: ScoreSeries[] }>;
  /** Every date with a score, oldest first, and each series' value on it (null: none that day). */
  table: { columns: ScoreSeries[]; rows: Array<{ date: string; values: Array<number | null> }> };
};

/** The label of a score's part: "Total difficulties (0 to 40)", "Strand A", "Stage". */
export function partLabel(instrument: Instrument, subscale: string | null): string {
  if (instrument === "sdq") return SDQ_PARTS.find((p) => p.value === (subscale ?? ""))?.label ?? subscale ?? "";
  if (instrument === "boxall") return subscale ? `Strand ${subscale.toUpperCase()}` : "";
  return "Stage";
}

/** Thrive's stage as a number from 1 (Being) to 6; 0 for a stage this list does not know. */
export function thriveRank(stage: string | null): number {
  return THRIVE_STAGES.indexOf(stage ?? "") + 1;
}

function value(s: InstrumentScore): number | null {
  if (s.instrument === "thrive") {
    const r = thriveRank(s.stage);
    return r === 0 ? null : r;
  }
  return s.score;
}

function seriesKey(s: InstrumentScore): string {
  if (s.instrument === "boxall") return (s.subscale ?? "").toUpperCase();
  if (s.instrument === "sdq") return s.subscale ?? "";
  return "stage";
}

function order(instrument: Instrument, key: string): number {
  if (instrument === "sdq") {
    const i = SDQ_PARTS.findIndex((p) => p.value === key);
    return i === -1 ? SDQ_PARTS.length : i;
  }
  return 0;
}

/**
 * The trends of a pupil's scores, one per instrument that has any, in the order SDQ, Boxall,
 * Thrive. Two scores of one series on one day keep the later-entered (higher id).
 */
export function scoreTrends(scores: InstrumentScore[]): InstrumentTrend[] {
  const out: InstrumentTrend[] = [];
  for (const instrument of ["sdq", "boxall", "thrive"] as Instrument[]) {
    const mine = scores.filter((s) => s.instrument === instrument && value(s) !== null).sort((a, b) => (a.completed_on === b.completed_on ? a.id - b.id : a.completed_on < b.completed_on ? -1 : 1));
    if (mine.length === 0) continue;
    const byKey = new Map<string, ScoreSeries>();
    for (const s of mine) {
      const key = seriesKey(s);
      let series = byKey.get(key);
      if (!series) {
        series = { key, label: partLabel(instrument, s.subscale), points: [] };
        byKey.set(key, series);
      }
      const v = value(s)!;
      const last = series.points[series.points.length - 1];
      if (last && last.date === s.completed_on) last.value = v;
      else series.points.push({ date: s.completed_on, value: v });
    }
    const all = [...byKey.values()].sort((a, b) => order(instrument, a.key) - order(instrument, b.key) || a.key.localeCompare(b.key));
    const charts =
      instrument === "sdq"
        ? [
            { id: "sdq-total", title: "SDQ total difficulties", series: all.filter((s) => s.key === "") },
            { id: "sdq-subscales", title: "SDQ subscales", series: all.filter((s) => s.key !== "") },
          ].filter((c) => c.series.length > 0)
        : [{ id: instrument, title: instrument === "boxall" ? "Boxall Profile strands" : "Thrive stage", series: all }];
    const dates = [...new Set(mine.map((s) => s.completed_on))].sort();
    const rows = dates.map((date) => ({ date, values: all.map((s) => s.points.find((p) => p.date === date)?.value ?? null) }));
    out.push({ instrument, charts, table: { columns: all, rows } });
  }
  return out;
}

/** A value as a person reads it: a Thrive stage by name, a score as a number. */
export function shownValue(instrument: Instrument, v: number | null): string {
  if (v === null) return "–";
  return instrument === "thrive" ? (THRIVE_STAGES[v - 1] ?? String(v)) : String(v);
}

/**
 * A chart's trend in words, for its aria-label:
 * "SDQ total difficulties: 24 on 3 March 2025, then 15 on 1 December 2026 (3 scores)".
 */
export function trendWords(instrument: Instrument, title: string, series: ScoreSeries[]): string {
  const parts = series.map((s) => {
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    const name = series.length === 1 ? title : `${s.label}`;
    if (!first || !last) return `${name}: no scores`;
    if (s.points.length === 1) return `${name}: ${shownValue(instrument, first.value)} on ${ukDate(first.date)}`;
    return `${name}: ${shownValue(instrument, first.value)} on ${ukDate(first.date)}, then ${shownValue(instrument, last.value)} on ${ukDate(last.date)} (${s.points.length} scores)`;
  });
  return series.length === 1 ? parts[0] : `${title}. ${parts.join("; ")}`;
}

/** Days since 1970-01-01 for an ISO date: the chart's x, so distance on the axis is time. */
export function dayNumber(iso: string): number {
  const [y, m, d] = iso.split("-").map(Number);
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

/** The ISO date of a day number (the inverse of `dayNumber`). */
export function dayIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Where an axis running from day `first` to day `last` puts its ticks: the first of a month,
 * every 1, 2, 3, 6 or 12 months, so there are at most `most` of them.
 */
export function monthTicks(first: number, last: number, most = 8): number[] {
  const start = dayIso(first);
  let y = Number(start.slice(0, 4));
  let m = Number(start.slice(5, 7)) - 1;
  const months: number[] = [];
  for (;;) {
    const day = Math.round(Date.UTC(y, m, 1) / 86_400_000);
    if (day > last) break;
    if (day >= first) months.push(day);
    m += 1;
    if (m === 12) {
      m = 0;
      y += 1;
    }
  }
  for (const step of [1, 2, 3, 6, 12, 24]) {
    // Keep January (or the first month) in step, so labels fall on the same months each year.
    const picked = months.filter((d) => (Number(dayIso(d).slice(5, 7)) - 1) % step === 0);
    if (picked.length <= most) return picked;
  }
  return months.filter((_, i) => i % Math.ceil(months.length / most) === 0);
}
