// Turning a refused command into error-summary entries that link to the right field.

import type { FieldCommandError } from "./ipc";
import { asCommandError, describeError, isLockedError } from "./errors";
import type { FieldError } from "./validation";

/**
 * The error-summary entry for a command that failed. `fields` maps the backend's field names
 * (the domain's `Error::field`: "legal_forename", "identifiers", …) to the form's element ids.
 * When the shell does not send a field, `guess` may pick one from the message. Returns null
 * for "locked" (the caller hands over to the unlock screen).
 */
export function commandFieldError(
  e: unknown,
  fields: Record<string, string>,
  guess?: (message: string) => string | undefined,
): FieldError | null {
  if (isLockedError(e)) return null;
  const err = asCommandError(e) as FieldCommandError;
  if (err.kind === "invalid_input" || err.kind === "already_exists") {
    const id = (err.field && fields[err.field]) || guess?.(err.message);
    if (id) return { field: id, message: err.message };
    return { field: "", message: err.message };
  }
  return { field: "", message: describeError(err) };
}

/** Numbers typed into a form: "" is null; anything else must be a whole number in range. */
export function wholeNumber(text: string, min: number, max: number): number | null | "bad" {
  const t = text.trim();
  if (t === "") return null;
  if (!/^\d+$/.test(t)) return "bad";
  const n = Number(t);
  return n < min || n > max ? "bad" : n;
}

/** A decimal typed into a form ("95.5", "95.5%"): "" is null. */
export function decimal(text: string, min: number, max: number): number | null | "bad" {
  const t = text.trim().replace(/%$/, "").trim();
  if (t === "") return null;
  if (!/^\d+(\.\d+)?$/.test(t)) return "bad";
  const n = Number(t);
  return n < min || n > max ? "bad" : n;
}
