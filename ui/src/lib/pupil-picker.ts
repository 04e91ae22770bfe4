// Choosing a pupil by typing the first letters of a name (the "Log a session" shortcut).
// Pure functions, so the rule can be tested on a whole caseload.

/** What the picker needs of a caseload row. */
export type PickablePupil = { pupil_id: number; preferred_name: string; surname: string };

/** Lower case, accents and apostrophes gone: "Zoë O’Neill" → "zoe oneill". */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/['’‘`]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** The name as the list shows it. */
export function pupilName(p: PickablePupil): string {
  return `${p.preferred_name} ${p.surname}`.trim();
}

/** The words of a folded name: "ellie-may o'brien" → ["ellie", "may", "obrien"]. */
function wordsOf(folded: string): string[] {
  return folded.split(/[\s-]+/).filter((w) => w !== "");
}

/**
 * Whether `q` (no spaces) is the starts of consecutive words from word `i` on, each part at least
 * one letter: "lw" and "lwal" match Lily Walker, "emo" Ellie-May O'Brien.
 */
function startsOfWords(words: string[], i: number, q: string): boolean {
  if (q === "") return true;
  if (i >= words.length) return false;
  for (let n = Math.min(q.length, words[i].length); n >= 1; n--) {
    if (words[i].startsWith(q.slice(0, n)) && startsOfWords(words, i + 1, q.slice(n))) return true;
  }
  return false;
}

/**
 * The pupils whose name, or any word of it (hyphenated parts too), starts with what was typed —
 * or whose words start with its letters in turn (initials: "lw" for Lily Walker) — best first:
 * the whole name starting with it, then a later word, then initials; alphabetical within each.
 * Nothing typed: everyone, alphabetical.
 */
export function matchPupils<T extends PickablePupil>(pupils: readonly T[], typed: string): T[] {
  const q = fold(typed);
  const byName = (a: T, b: T) =>
    pupilName(a).localeCompare(pupilName(b), "en-GB", { sensitivity: "base", numeric: true });
  if (q === "") return [...pupils].sort(byName);
  const compact = q.replace(/[\s-]+/g, "");
  const ranked: Array<{ p: T; rank: number }> = [];
  for (const p of pupils) {
    const name = fold(pupilName(p));
    const words = wordsOf(name);
    if (name.startsWith(q)) ranked.push({ p, rank: 0 });
    else if (words.some((_, i) => words.slice(i).join(" ").startsWith(q))) ranked.push({ p, rank: 1 });
    else if (compact.length >= 2 && words.some((_, i) => startsOfWords(words, i, compact))) ranked.push({ p, rank: 2 });
  }
  return ranked.sort((a, b) => a.rank - b.rank || byName(a.p, b.p)).map((r) => r.p);
}

/** Every way to type up to `max` letters that picks out consecutive words' starts from word i. */
function typings(words: string[], i: number, max: number, prefix = ""): string[] {
  if (i >= words.length || max <= 0) return [];
  const out: string[] = [];
  for (let n = 1; n <= Math.min(max, words[i].length); n++) {
    const q = prefix + words[i].slice(0, n);
    out.push(q);
    out.push(...typings(words, i + 1, max - n, q));
  }
  return out;
}

/**
 * The fewest keys that choose `target` in the picker: letters (the start of a word, or the
 * starts of words in turn), then Down until it is the highlighted one (Enter not counted).
 * Tries every typing of up to 6 letters; for tests and measuring.
 */
export function keysToPick<T extends PickablePupil>(pupils: readonly T[], target: T): number {
  const words = wordsOf(fold(pupilName(target)));
  let best = Infinity;
  const tried = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    for (const q of typings(words, i, 6)) {
      if (q.length >= best || tried.has(q)) continue;
      tried.add(q);
      const at = matchPupils(pupils, q).findIndex((p) => p.pupil_id === target.pupil_id);
      if (at >= 0) best = Math.min(best, q.length + at);
    }
  }
  return best;
}
