// Words for progress charts and the plan's timeline (issue 4): the trend a chart shows, said in
// a sentence for screen readers, and the short dates and month names its axes use.

import type { ProgressPoint, ReviewSlot } from "./bindings";
import { MONTHS, todayIso, ukDate } from "./dates";

/** "2026-11-22" → "22 Nov 2026" (the UK order, for a chart's axis). */
export function shortDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  const name = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !name) return iso;
  return `${Number(m[3])} ${name.slice(0, 3)} ${m[1]}`;
}

/** "2026-10" → "October 2026"; `short` → "Oct 2026". */
export function monthName(key: string, short = false): string {
  const m = /^(\d{4})-(\d{2})/.exec(key);
  const name = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !name) return key;
  return `${short ? name.slice(0, 3) : name} ${m[1]}`;
}

/** The month ("2026-10") a date ("2026-10-14") falls in. */
export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

/** The last point of a goal's series: its latest rating (the baseline when no review has rated it). */
export function latest(points: ProgressPoint[]): ProgressPoint | null {
  return points.length > 0 ? points[points.length - 1] : null;
}

/**
 * The trend of a goal's ratings in one sentence:
 * "Baseline 2 on 7 September 2026, latest 7 on 22 November 2026, target 8".
 */
export function trendSentence(points: ProgressPoint[], target: number): string {
  const first = points[0];
  if (!first) return `No ratings yet, target ${target}`;
  const last = latest(points)!;
  const start = `Baseline ${first.rating} on ${ukDate(first.date)}`;
  if (points.length === 1) return `${start}, not rated at a review yet, target ${target}`;
  return `${start}, latest ${last.rating} on ${ukDate(last.date)}, target ${target}`;
}

/**
 * Where a goal's ratings ran through more than one plan, the plans it was carried into:
 * "; carried forward into the plan from 2 November 2026" (empty for a goal of one plan).
 */
export function carriedSentence(points: ProgressPoint[]): string {
  const starts = points.filter((p, i) => i > 0 && p.plan_id !== points[i - 1].plan_id).map((p) => ukDate(p.plan_start));
  if (starts.length === 0) return "";
  const last = starts.pop()!;
  const list = starts.length === 0 ? last : `${starts.join(", ")} and ${last}`;
  return `; carried forward into the plan${starts.length === 0 ? "" : "s"} from ${list}`;
}

/** How a review slot stands, in words (overdue is shown separately, as a word and an icon). */
export function reviewStanding(slot: ReviewSlot): string {
  if (slot.status === "signed") {
    const when = slot.held_on ? ` on ${ukDate(slot.held_on)}` : "";
    return slot.on_time === false ? `Held late${when}` : `Held on time${when}`;
  }
  if (slot.status === "draft") return "Draft started, not signed off";
  if (slot.overdue) return "Not held";
  if (slot.next) return "Next review due";
  return "Scheduled";
}

/** An RFC 3339 timestamp as "22 November 2026 at 14:32" (local time), always with its date. */
export function longDateTime(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return `${ukDate(todayIso(d))} at ${hm}`;
}
