// The one door into Rust. This is the only file that imports @tauri-apps/api: every
// screen calls the typed functions below, and the tests mock this module alone.
//
// Argument keys are camelCase here; Tauri maps them to the snake_case parameters of the
// Rust commands (userId -> user_id). Every rejection is normalised into a CommandError.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  AppStatus,
  CommandError,
  LockedEvent,
  NewUserRequest,
  PassphraseStrength,
  SessionInfo,
  SetupPending,
  SetupRequest,
  UserInfo,
} from "./bindings";

/** True when `e` has the shape of a CommandError sent by the Rust side. */
export function isCommandError(e: unknown): e is CommandError {
  if (typeof e !== "object" || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.kind === "string" && typeof o.message === "string";
}

/** Any rejection as a CommandError: unknown shapes become `{ kind: "internal" }`. */
export function toCommandError(e: unknown): CommandError {
  if (isCommandError(e)) {
    const retry = (e as { retry_after_secs?: unknown }).retry_after_secs;
    return {
      kind: e.kind,
      message: e.message,
      retry_after_secs: typeof retry === "number" ? retry : null,
    };
  }
  let message = "Something went wrong.";
  if (typeof e === "string" && e.trim() !== "") message = e;
  else if (e instanceof Error && e.message) message = e.message;
  return { kind: "internal", message, retry_after_secs: null };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

export function appStatus(): Promise<AppStatus> {
  return call("app_status");
}

/** `name` and `school` are hints for the strength estimate; either may be "". */
export function passphraseStrength(
  passphrase: string,
  name = "",
  school = "",
): Promise<PassphraseStrength> {
  return call("passphrase_strength", { passphrase, name, school });
}

export function beginSetup(req: SetupRequest): Promise<SetupPending> {
  return call("begin_setup", { req });
}

/** `typed` is in the order of `SetupPending.confirm_positions`. */
export function finishSetup(typed: string[]): Promise<AppStatus> {
  return call("finish_setup", { typed });
}

export function cancelSetup(): Promise<null> {
  return call("cancel_setup");
}

export function unlock(userId: string, passphrase: string): Promise<AppStatus> {
  return call("unlock", { userId, passphrase });
}

export function unlockWithRecovery(userId: string, recoveryKey: string): Promise<AppStatus> {
  return call("unlock_with_recovery", { userId, recoveryKey });
}

export function resetPassphrase(passphrase: string): Promise<AppStatus> {
  return call("reset_passphrase", { passphrase });
}

export function lock(): Promise<AppStatus> {
  return call("lock");
}

/** Tells the backend someone is using the app, so it does not lock for idleness. */
export function touch(): Promise<null> {
  return call("touch");
}

export function changePassphrase(current: string, newPassphrase: string): Promise<null> {
  return call("change_passphrase", { current, new: newPassphrase });
}

export function listUsers(): Promise<UserInfo[]> {
  return call("list_users");
}

export function addUser(req: NewUserRequest): Promise<UserInfo> {
  return call("add_user", { req });
}

export function removeUser(userId: string): Promise<UserInfo[]> {
  return call("remove_user", { userId });
}

export function setAutoLockMinutes(minutes: number): Promise<SessionInfo> {
  return call("set_auto_lock_minutes", { minutes });
}

/**
 * Calls `cb` whenever the backend locks the vault by itself (idle, sleep) or on demand.
 * Resolves to a function that stops listening.
 */
export async function onLocked(cb: (event: LockedEvent) => void): Promise<() => void> {
  return listen<LockedEvent>("locked", (event) => cb(event.payload));
}
