// Helpers for the screens that move data safely (issue 6): backups, restore, subject access,
// handover packs and retention.

import type { BackupCounts, CommandError } from "./bindings";
import { describeError } from "./errors";
import { todayIso, ukDate } from "./dates";

/** 1536 → "1.5 KB"; 3_200_000 → "3.1 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`;
  const mb = kb / 1024;
  if (mb < 1024) return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
  return `${(mb / 1024).toFixed(1)} GB`;
}

/** An RFC 3339 stamp as local "22 November 2026 at 14:32" (always with the date). */
export function dateAndTime(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const hh = String(d.getHours()).padStart(2, "0");
  const mm = String(d.getMinutes()).padStart(2, "0");
  return `${ukDate(todayIso(d))} at ${hh}:${mm}`;
}

function count(n: number | null, one: string, many: string): string {
  if (n === null) return `no ${many}`;
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 pupils, 2 plans and 1 review". */
export function countsLine(c: BackupCounts): string {
  return `${count(c.pupils, "pupil", "pupils")}, ${count(c.plans, "plan", "plans")} and ${count(c.reviews, "review", "reviews")}`;
}

/** "2026-11-22" for file names, from this computer's date. */
export function fileDate(now: Date = new Date()): string {
  return todayIso(now);
}

/**
 * A sentence for an error from a backup, restore or handover command. The backend's own
 * message already names the file ("The backup file is damaged or has been altered …"), so it
 * is used for damage; the generic "The vault file is damaged" would mislead here.
 */
export function fileError(e: CommandError): string {
  switch (e.kind) {
    case "not_permitted":
    case "vault_in_use":
    case "io":
    case "internal":
      return describeError(e);
    default:
      return e.message;
  }
}
