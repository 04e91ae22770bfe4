// Checks shared by every form that chooses a new passphrase. The backend checks again;
// these only give a person the error summary before anything is sent.

import { passphraseStrength } from "./ipc";
import { isLockedError } from "./errors";
import type { PassphraseStrength } from "./bindings";

export type FieldError = { field: string; message: string };

export type NewPassphraseIds = { passphrase: string; confirm: string };

/** The error shown when a passphrase is too easy to guess, using zxcvbn's warning if any. */
export function weakMessage(strength: PassphraseStrength | null): string {
  const why = strength?.warning ? ` ${strength.warning.replace(/\.?$/, ".")}` : "";
  return `Choose a stronger passphrase.${why} Three or four unrelated words are easy to remember and hard to guess.`;
}

/**
 * Errors for a new passphrase and its confirmation. Asks the backend for the strength
 * (the meter may not have caught up with the last keystroke). A "locked" error is
 * rethrown; any other failure to check is left to the backend's own check on submit.
 */
export async function checkNewPassphrase(
  passphrase: string,
  confirm: string,
  ids: NewPassphraseIds,
  hints: { name?: string; school?: string } = {},
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (passphrase === "") {
    errors.push({ field: ids.passphrase, message: "Enter a passphrase" });
  } else {
    let strength: PassphraseStrength | null = null;
    try {
      strength = await passphraseStrength(passphrase, hints.name ?? "", hints.school ?? "");
    } catch (e) {
      if (isLockedError(e)) throw e;
    }
    if (strength && !strength.acceptable) {
      errors.push({ field: ids.passphrase, message: weakMessage(strength) });
    }
  }
  if (confirm === "") {
    errors.push({ field: ids.confirm, message: "Enter the passphrase again to confirm it" });
  } else if (passphrase !== confirm) {
    errors.push({ field: ids.confirm, message: "The passphrases do not match" });
  }
  return errors;
}

export function errorFor(errors: FieldError[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.message;
}
