// Generated from the Rust types in src-tauri (ts-rs). Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a type.

export type Role = "strategic_lead" | "key_adult";
export type UserInfo = { id: string, name: string, role: Role, };
export type PassphraseStrength = { 
/**
 * 0 (very weak) to 4 (very strong).
 */
score: number, acceptable: boolean, warning: string | null, suggestions: Array<string>, };
export type ErrorKind = "locked" | "wrong_passphrase" | "wrong_recovery_key" | "throttled" | "weak_passphrase" | "not_permitted" | "invalid_input" | "not_found" | "key_slots_damaged" | "vault_damaged" | "vault_in_use" | "already_exists" | "must_set_passphrase" | "io" | "internal";
export type CommandError = { kind: ErrorKind, message: string, 
/**
 * Seconds to wait before the next unlock attempt, for `kind == "throttled"`.
 */
retry_after_secs: number | null, };
export type SessionInfo = { user: UserInfo, 
/**
 * True when unlocked with the recovery key: the UI must ask for a new passphrase
 * (`reset_passphrase`) before anything else; every other command refuses until then.
 */
must_set_passphrase: boolean, auto_lock_minutes: number, };
export type AppStatus = { "state": "first_run", vault_dir: string, } | { "state": "locked", vault_dir: string, school: string, users: Array<UserInfo>, 
/**
 * Seconds until another attempt is allowed (0 = now).
 */
retry_after_secs: number, 
/**
 * Why the app last locked itself, if it did ("idle", "suspend", "manual").
 */
last_lock_reason: string | null, } | { "state": "unlocked", vault_dir: string, school: string, session: SessionInfo, };
export type SetupPending = { 
/**
 * The recovery key in groups of four characters, e.g. ["K7QW", "M2PZ", ...].
 */
recovery_groups: Array<string>, 
/**
 * 1-based positions of the groups the user must re-type to confirm they kept it.
 */
confirm_positions: Array<number>, };
export type SetupRequest = { school: string, name: string, passphrase: string, };
export type NewUserRequest = { name: string, role: Role, passphrase: string, };
export type LockedEvent = { reason: string, };
export type AuditEntry = { seq: number, 
/**
 * RFC 3339, UTC.
 */
at: string, actor_id: string | null, actor_name: string, action: string, target: string | null, outcome: string, };
