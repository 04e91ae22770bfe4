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

/**
 * The pupils whose name, or any word of it (hyphenated parts too), starts with what was typed,
 * best first: the whole name starting with it, then a later word; alphabetical within each.
 * Nothing typed: everyone, alphabetical.
 */
export function matchPupils<T extends PickablePupil>(pupils: readonly T[], typed: string): T[] {
  const q = fold(typed);
  const byName = (a: T, b: T) =>
    pupilName(a).localeCompare(pupilName(b), "en-GB", { sensitivity: "base", numeric: true });
  if (q === "") return [...pupils].sort(byName);
  const ranked: Array<{ p: T; rank: number }> = [];
  for (const p of pupils) {
    const name = fold(pupilName(p));
    if (name.startsWith(q)) {
      ranked.push({ p, rank: 0 });
      continue;
    }
    const words = name.split(/[\s-]+/);
    const hit = words.some((_, i) => words.slice(i).join(" ").startsWith(q));
    if (hit) ranked.push({ p, rank: 1 });
  }
  return ranked.sort((a, b) => a.rank - b.rank || byName(a.p, b.p)).map((r) => r.p);
}

/**
 * The fewest keys that choose `target` in the picker: some letters of one of its name's words,
 * then Down until it is the highlighted one (Enter not counted). For tests and the help text.
 */
export function keysToPick<T extends PickablePupil>(pupils: readonly T[], target: T): number {
  const name = fold(pupilName(target));
  const words = name.split(/[\s-]+/);
  let best = Infinity;
  for (let i = 0; i < words.length; i++) {
    const rest = words.slice(i).join(" ");
    for (let n = 1; n <= rest.length && n < best; n++) {
      const list = matchPupils(pupils, rest.slice(0, n));
      const at = list.findIndex((p) => p.pupil_id === target.pupil_id);
      if (at >= 0) best = Math.min(best, n + at);
    }
  }
  return best;
}
