// The one door into Rust: the only module that imports @tauri-apps/api. The generated
// command functions (commands.ts) call `call`; ipc.ts re-exports them for the screens, and the
// tests mock ipc.ts (or, in ipc.test.ts, @tauri-apps/api itself).
//
// Every rejection is normalised into a CommandError.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { CommandError, LockedEvent, WorkProgress } from "./bindings";

/** True when `e` has the shape of a CommandError sent by the Rust side. */
export function isCommandError(e: unknown): e is CommandError {
  if (typeof e !== "object" || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.kind === "string" && typeof o.message === "string";
}

/**
 * A CommandError that may name the form field it is about (the domain's `Error::field`,
 * "legal_forename", "identifiers", "minutes", …) when the shell sends one.
 */
export type FieldCommandError = CommandError & { field?: string | null };

/** Any rejection as a CommandError: unknown shapes become `{ kind: "internal" }`. */
export function toCommandError(e: unknown): FieldCommandError {
  if (isCommandError(e)) {
    const retry = (e as { retry_after_secs?: unknown }).retry_after_secs;
    const field = (e as { field?: unknown }).field;
    const out: FieldCommandError = {
      kind: e.kind,
      message: e.message,
      retry_after_secs: typeof retry === "number" ? retry : null,
    };
    if (typeof field === "string" && field !== "") out.field = field;
    return out;
  }
  let message = "Something went wrong.";
  if (typeof e === "string" && e.trim() !== "") message = e;
  else if (e instanceof Error && e.message) message = e.message;
  return { kind: "internal", message, retry_after_secs: null };
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/**
 * Calls `cb` whenever the backend locks the vault by itself (idle, sleep) or on demand.
 * Resolves to a function that stops listening.
 */
export async function onLocked(cb: (event: LockedEvent) => void): Promise<() => void> {
  return listen<LockedEvent>("locked", (event) => cb(event.payload));
}

/**
 * Calls `cb` with each step of long work (a backup, an export, an import…): the window's own
 * work, by the `op` id it gave the command, and the automatic backup (`op` "auto-backup").
 * Resolves to a function that stops listening.
 */
export async function onWorkProgress(cb: (event: WorkProgress) => void): Promise<() => void> {
  return listen<WorkProgress>("work-progress", (event) => cb(event.payload));
}
