// Dates as the backend sends them ("YYYY-MM-DD") and as people read and type them: shown the
// UK way ("22 November 2026"), typed as day / month / year fields.

import { MONTH_NAMES } from "./bindings";

/** The month names, January first (generated from the backend's one table). */
export const MONTHS: readonly string[] = MONTH_NAMES;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Today on this computer, as "YYYY-MM-DD". */
export function todayIso(now: Date = new Date()): string {
  return `${pad(now.getFullYear(), 4)}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "2026-11-22" → "22 November 2026"; anything unreadable is returned as it is. */
export function ukDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  const month = MONTHS[Number(m[2]) - 1];
  if (!month) return iso;
  return `${Number(m[3])} ${month} ${Number(m[1])}`;
}

/** An RFC 3339 timestamp as local "14:32" (today) or "22 November 2026 at 14:32". */
export function ukDateTime(stamp: string, now: Date = new Date()): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (todayIso(d) === todayIso(now)) return time;
  return `${ukDate(todayIso(d))} at ${time}`;
}

export type DateParts = { day: string; month: string; year: string };

export function emptyParts(): DateParts {
  return { day: "", month: "", year: "" };
}

/** "2026-11-22" → { day: "22", month: "11", year: "2026" }; empty parts for null. */
export function isoToParts(iso: string | null | undefined): DateParts {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  if (!m) return emptyParts();
  return { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1] };
}

export function partsEmpty(p: DateParts): boolean {
  return p.day.trim() === "" && p.month.trim() === "" && p.year.trim() === "";
}

/**
 * Reads day / month / year fields. Returns the ISO date, or a message naming what is missing
 * or wrong ("Date of birth must include a month"), GOV.UK style. `what` starts with a capital.
 */
export function partsToIso(p: DateParts, what: string): { iso: string } | { error: string } {
  const day = p.day.trim();
  const month = p.month.trim();
  const year = p.year.trim();
  if (day === "" && month === "" && year === "") return { error: `Enter the ${what.toLowerCase()}` };
  const missing = [day === "" ? "a day" : "", month === "" ? "a month" : "", year === "" ? "a year" : ""].filter(Boolean);
  if (missing.length > 0) return { error: `${what} must include ${missing.join(" and ")}` };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return { error: `${what} must be a real date, such as 22 11 2026` };
  }
  const d = Number(day);
  const m = Number(month);
  const y = Number(year);
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || d < 1 || probe.getUTCDate() !== d || probe.getUTCMonth() !== m - 1) {
    return { error: `${what} must be a real date` };
  }
  return { iso: `${pad(y, 4)}-${pad(m)}-${pad(d)}` };
}
