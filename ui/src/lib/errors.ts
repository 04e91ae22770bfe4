// Turning a CommandError into a sentence for a person, and spotting the ones that mean
// the vault has locked under us.

import type { CommandError } from "./bindings";
import { isCommandError, toCommandError } from "./ipc";

export function asCommandError(e: unknown): CommandError {
  return isCommandError(e) ? e : toCommandError(e);
}

/** True when the error means the vault is locked: the app goes back to the unlock screen. */
export function isLockedError(e: unknown): boolean {
  return isCommandError(e) && e.kind === "locked";
}

/** A plain sentence for errors that no form field owns. */
export function describeError(e: CommandError): string {
  switch (e.kind) {
    case "not_permitted":
      return "You do not have permission to do that. Ask your strategic lead if you need to.";
    case "vault_in_use":
      return "Attune is already open on this computer. Use the window that is already open, or close it and try again.";
    case "key_slots_damaged":
      return "Attune cannot read the file that holds the vault's keys. Do not delete anything: ask whoever looks after the school's computers to restore the vault from a backup.";
    case "vault_damaged":
      return "The vault file is damaged. Do not delete anything: ask whoever looks after the school's computers to restore it from a backup.";
    case "io":
      return `Attune could not read or write its files. ${e.message}`;
    case "internal":
      return `Something went wrong. ${e.message}`;
    default:
      return e.message;
  }
}
