// When the session form reminds that a safeguarding concern belongs in the school's
// safeguarding system (issue 16, item 7). The one place the school's words are matched: a word
// or phrase matches when the note holds it as whole words, ignoring case and accents, so "hit"
// matches "Hit." and "hít" but not "hitherto", and "scared to go home" matches "Scared  to go
// HOME". A hyphen, apostrophe or other mark counts as a gap between words, so "self-harm" also
// matches "self harm". Attune never judges whether a note is a disclosure: this only decides
// when the reminder shows.

import type { SessionKind } from "./bindings";

/** Lower case, accents taken off ("Élodie" → "elodie"). */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The words of a text, folded: runs of letters and digits. */
function tokens(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The school's words and phrases that `note` holds as whole words, in the list's order. While
 * the note is being typed (`typing`), a last word not yet followed by a space or a mark is not
 * finished, so it does not count: "hit" is not found on the way to typing "hitherto".
 */
export function matchedWords(note: string, words: readonly string[], { typing = false } = {}): string[] {
  const said = tokens(note);
  if (typing && /[\p{L}\p{N}]$/u.test(note.normalize("NFD").replace(/\p{M}/gu, ""))) said.pop();
  if (said.length === 0) return [];
  return words.filter((w) => {
    const want = tokens(w);
    if (want.length === 0 || want.length > said.length) return false;
    for (let i = 0; i + want.length <= said.length; i++) {
      if (want.every((t, j) => said[i + j] === t)) return true;
    }
    return false;
  });
}

/** Whether the session form should show the reminder for this kind and note. */
export function needsReminder(kind: SessionKind, note: string, words: readonly string[], { typing = false } = {}): boolean {
  return kind === "crisis" || matchedWords(note, words, { typing }).length > 0;
}
