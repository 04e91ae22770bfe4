// What the screens import: every command as a typed function, generated from the one command
// table in src-tauri/src/api.rs into commands.ts, plus the few whose JavaScript signature adds
// a default. Only invoke.ts imports @tauri-apps/api; the tests mock this module alone.
//
// Argument keys are camelCase; Tauri maps them to the snake_case parameters of the Rust
// commands (userId -> user_id). Every rejection is normalised into a CommandError.

import * as commands from "./commands";
import type { Overview, OverviewQuery, PassphraseStrength, PupilRecord, SearchHit, SupervisionNote } from "./bindings";

export * from "./commands";
export { call, isCommandError, onLocked, onWorkProgress, toCommandError } from "./invoke";
export type { FieldCommandError } from "./invoke";

/** `name` and `school` are hints for the strength estimate; either may be "". */
export function passphraseStrength(passphrase: string, name = "", school = ""): Promise<PassphraseStrength> {
  return commands.passphraseStrength(passphrase, name, school);
}

/** A pupil's whole page, with the `sessionLimit` most recent sessions. */
export function openPupil(pupilId: number, sessionLimit: number | null = 50): Promise<PupilRecord> {
  return commands.openPupil(pupilId, sessionLimit);
}

export function search(text: string, limit: number | null = 20): Promise<SearchHit[]> {
  return commands.search(text, limit);
}

/**
 * Strategic lead only: every key adult with their caseload, reviews due in the next
 * `due_weeks` weeks, reviews overdue, and pupils with no session for `session_weeks` weeks
 * (each 1 to 52; null for the defaults, 4 and 3), each figure naming its pupils.
 */
export function overview(query: OverviewQuery | null = null): Promise<Overview> {
  return commands.overview(query);
}

/**
 * The notes the session may read, newest first: a lead's every note (or one key adult's);
 * a key adult's own (asking for another's is refused).
 */
export function listSupervisionNotes(keyAdultId: string | null = null): Promise<SupervisionNote[]> {
  return commands.listSupervisionNotes(keyAdultId);
}
