// Small pure helpers for words shown to people. British English throughout.

import type { Role } from "./bindings";

export function roleLabel(role: Role): string {
  return role === "strategic_lead" ? "Strategic lead" : "Key adult";
}

/** "a key adult" / "a strategic lead", for sentences. */
export function roleInSentence(role: Role): string {
  return role === "strategic_lead" ? "a strategic lead" : "a key adult";
}

const STRENGTH_WORDS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"] as const;

/** zxcvbn's 0–4 score as a word. */
export function strengthWord(score: number): string {
  const i = Math.min(4, Math.max(0, Math.round(score)));
  return STRENGTH_WORDS[i];
}

/** A recovery-key group as typed: case-insensitive, spaces and dashes ignored. */
export function normaliseGroup(typed: string): string {
  return typed.replace(/[\s-]+/g, "").toUpperCase();
}

/** A whole recovery key as typed, with or without spaces and dashes. */
export function normaliseRecoveryKey(typed: string): string {
  return typed.replace(/[\s\-–—]+/g, "").toUpperCase();
}

/** The sentence shown on the unlock screen about why Attune locked, if there is one. */
export function lockReasonMessage(
  reason: string | null | undefined,
  autoLockMinutes: number | null,
): string | null {
  switch (reason) {
    case "idle":
      if (autoLockMinutes && autoLockMinutes > 0) {
        return `Attune locked itself after ${plural(autoLockMinutes, "minute")} without use.`;
      }
      return "Attune locked itself because nobody had used it for a while.";
    case "suspend":
      return "Attune locked itself because the computer went to sleep.";
    case "screen_lock":
      return "Attune locked itself because the screen was locked.";
    case "restored":
      return "The backup was restored. Unlock it with a passphrase that was valid when the backup was made.";
    default:
      return null;
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A date the UK way: 22 November 2026. */
export function ukDate(d: Date): string {
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
}
