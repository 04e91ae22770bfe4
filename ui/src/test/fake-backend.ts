// A small in-memory stand-in for the Rust side, used through `vi.mock("../lib/ipc")`.
// Every command of ipc.ts becomes a vi.fn whose default behaviour follows the real
// contract closely enough for the screens to be driven end to end; a test can still
// override any of them with mockResolvedValueOnce / mockRejectedValueOnce.

import { vi } from "vitest";
import type {
  AppStatus,
  CommandError,
  ErrorKind,
  LockedEvent,
  PassphraseStrength,
  WorkProgress,
  SessionInfo,
  UserInfo,
} from "../lib/bindings";
import type * as Ipc from "../lib/ipc";
import { recordCommands, records, resetRecords } from "./fake-records";
import { resetReviews, reviewCommands } from "./fake-reviews";

type IpcModule = typeof Ipc;

export const RECOVERY_GROUPS = ["K7QW", "M2PZ", "X9RT", "B4NH", "Q8LV", "D3JC", "W6YF", "P5GS"];
export const CONFIRM_POSITIONS = [3, 6];
export const RECOVERY_KEY = RECOVERY_GROUPS.join("");
/** The key `replace_recovery_key` makes, and the code `reset_user_passphrase` gives. */
export const NEW_RECOVERY_GROUPS = ["H4TR", "9KWM", "ZP2Q", "V7BX", "C3NF", "J8DS", "R5YG", "T6MA"];
export const RESET_CODE = "Q7M2K-9XRTB-4NHW8-LD3JC";

export const LEAD: UserInfo = { id: "u-lead", name: "Sam Patel", role: "strategic_lead" };
export const ADULT: UserInfo = { id: "u-adult", name: "Alex Jones", role: "key_adult" };

export function commandError(kind: ErrorKind, message: string = kind, retry: number | null = null): CommandError {
  return { kind, message, retry_after_secs: retry };
}

/** A rough strength: acceptable from 16 characters (the real one is zxcvbn). */
export function fakeStrength(passphrase: string): PassphraseStrength {
  const score = Math.min(4, Math.floor(passphrase.length / 5));
  const acceptable = score >= 3;
  return {
    score,
    acceptable,
    warning: acceptable ? null : "This is similar to a commonly used password.",
    suggestions: acceptable ? [] : ["Add another word or two. Uncommon words are better."],
  };
}

type State = {
  state: "first_run" | "locked" | "unlocked";
  school: string;
  users: UserInfo[];
  passphrases: Map<string, string>;
  session: SessionInfo | null;
  autoLock: number;
  lastLockReason: string | null;
  setupPending: boolean;
  /** 0: a school vault; n: key adult's laptop n (issue 17). */
  deviceNo: number;
  recoveryKey: string;
  /** Users whose passphrase a lead reset: their next unlock (with the code) must set one. */
  resetPending: Set<string>;
};

const state: State = {
  state: "first_run",
  school: "",
  users: [],
  passphrases: new Map(),
  session: null,
  autoLock: 5,
  lastLockReason: null,
  setupPending: false,
  deviceNo: 0,
  recoveryKey: RECOVERY_KEY,
  resetPending: new Set(),
};

let lockedListeners: Array<(e: LockedEvent) => void> = [];
let progressListeners: Array<(e: WorkProgress) => void> = [];
/** The ops the window asked to stop (`cancel_work`). */
const cancelledOps = new Set<string>();

export const backend = {
  state,
  /** A vault that has not been set up yet. */
  firstRun(): void {
    Object.assign(state, {
      state: "first_run",
      school: "",
      users: [],
      passphrases: new Map(),
      session: null,
      autoLock: 5,
      lastLockReason: null,
      setupPending: false,
      deviceNo: 0,
      recoveryKey: RECOVERY_KEY,
      resetPending: new Set(),
    });
  },
  /** A locked vault with these users; every passphrase is `${first name} passphrase words`. */
  lockedWith(users: UserInfo[], school = "Oakfield Primary School"): void {
    backend.firstRun();
    resetRecords();
    resetReviews();
    records.keyAdults = users.filter((u) => u.role === "key_adult").map((u) => ({ id: u.id, name: u.name }));
    state.state = "locked";
    state.school = school;
    state.users = [...users];
    for (const u of users) state.passphrases.set(u.id, passphraseFor(u));
  },
  status(): AppStatus {
    const vault_dir = "/home/staff/.local/share/attune";
    if (state.state === "first_run") return { state: "first_run", vault_dir };
    if (state.state === "locked") {
      return {
        state: "locked",
        vault_dir,
        school: state.school,
        users: [...state.users],
        retry_after_secs: 0,
        last_lock_reason: state.lastLockReason,
      };
    }
    return { state: "unlocked", vault_dir, school: state.school, session: { ...state.session! } };
  },
  /** What the Rust side does when it locks by itself: drop the session, emit `locked`. */
  lockItself(reason: string): void {
    state.state = "locked";
    state.session = null;
    state.lastLockReason = reason;
    for (const cb of lockedListeners) cb({ reason });
  },
  listenerCount(): number {
    return lockedListeners.length;
  },
  /** What the Rust side does while long work runs: a `work-progress` event. */
  progress(e: WorkProgress): void {
    for (const cb of progressListeners) cb(e);
  },
  progressListenerCount(): number {
    return progressListeners.length;
  },
  /** Whether the window has asked to stop `op`. */
  isCancelled(op: string): boolean {
    return cancelledOps.has(op);
  },
};

/** Log in as `user` (a stand-in for a join, which opens the laptop's new vault). */
export function unlockedAs(user: UserInfo): AppStatus {
  return unlockAs(user, false);
}

export function passphraseFor(user: UserInfo): string {
  return `${user.name.split(" ")[0].toLowerCase()} correct horse battery staple`;
}

function requireUnlocked(): SessionInfo {
  if (state.state !== "unlocked" || !state.session) throw commandError("locked", "Attune is locked.");
  return state.session;
}

function requireLead(): SessionInfo {
  const s = requireUnlocked();
  if (s.user.role !== "strategic_lead") throw commandError("not_permitted", "Only a strategic lead can do that.");
  return s;
}

function unlockAs(user: UserInfo, mustSet: boolean, byCode = false): AppStatus {
  state.state = "unlocked";
  state.session = {
    user,
    must_set_passphrase: mustSet,
    opened_with_code: byCode,
    auto_lock_minutes: state.autoLock,
    device_no: state.deviceNo,
  };
  state.lastLockReason = null;
  return backend.status();
}

/** The module that replaces ../lib/ipc: real pure helpers, fake commands. */
export function fakeIpc(real: IpcModule): IpcModule {
  let nextId = 1;
  return {
    ...real,
    appStatus: vi.fn(async () => backend.status()),
    passphraseStrength: vi.fn(async (p: string) => fakeStrength(p)),
    beginSetup: vi.fn(async (req) => {
      if (!fakeStrength(req.passphrase).acceptable) throw commandError("weak_passphrase", "Too weak.");
      state.school = req.school;
      state.setupPending = true;
      const lead: UserInfo = { ...LEAD, name: req.name };
      state.users = [lead];
      state.passphrases.set(lead.id, req.passphrase);
      return { recovery_groups: [...RECOVERY_GROUPS], confirm_positions: [...CONFIRM_POSITIONS] };
    }),
    finishSetup: vi.fn(async (typed: string[]) => {
      const want = CONFIRM_POSITIONS.map((p) => RECOVERY_GROUPS[p - 1]);
      if (typed.length !== want.length || typed.some((t, i) => t !== want[i])) {
        throw commandError("invalid_input", "Those groups do not match the recovery key. Check them against your copy.");
      }
      state.setupPending = false;
      return unlockAs(state.users[0], false);
    }),
    cancelSetup: vi.fn(async () => {
      state.setupPending = false;
      state.users = [];
      return null;
    }),
    unlock: vi.fn(async (userId: string, passphrase: string) => {
      const user = state.users.find((u) => u.id === userId);
      if (!user) throw commandError("not_found", "No such user.");
      if (state.passphrases.get(userId) !== passphrase) {
        throw commandError("wrong_passphrase", "Wrong passphrase.");
      }
      // A one-time code from a lead's reset opens a session that must set a passphrase.
      const byCode = state.resetPending.has(userId);
      return unlockAs(user, byCode, byCode);
    }),
    unlockWithRecovery: vi.fn(async (userId: string, key: string) => {
      const user = state.users.find((u) => u.id === userId);
      if (!user) throw commandError("not_found", "No such user.");
      if (key !== state.recoveryKey) throw commandError("wrong_recovery_key", "Wrong recovery key.");
      return unlockAs(user, true);
    }),
    resetPassphrase: vi.fn(async (passphrase: string) => {
      const s = requireUnlocked();
      state.passphrases.set(s.user.id, passphrase);
      state.resetPending.delete(s.user.id);
      s.must_set_passphrase = false;
      s.opened_with_code = false;
      return backend.status();
    }),
    lock: vi.fn(async () => {
      state.state = "locked";
      state.session = null;
      state.lastLockReason = "manual";
      return backend.status();
    }),
    touch: vi.fn(async () => {
      requireUnlocked();
      return null;
    }),
    changePassphrase: vi.fn(async (current: string, next: string) => {
      const s = requireUnlocked();
      if (state.passphrases.get(s.user.id) !== current) throw commandError("wrong_passphrase", "Wrong passphrase.");
      state.passphrases.set(s.user.id, next);
      return null;
    }),
    listUsers: vi.fn(async () => {
      requireUnlocked();
      return [...state.users];
    }),
    addUser: vi.fn(async (req) => {
      requireLead();
      const user: UserInfo = { id: `u-new-${nextId++}`, name: req.name, role: req.role };
      state.users.push(user);
      state.passphrases.set(user.id, req.passphrase);
      return user;
    }),
    removeUser: vi.fn(async (userId: string) => {
      requireLead();
      state.users = state.users.filter((u) => u.id !== userId);
      state.passphrases.delete(userId);
      return [...state.users];
    }),
    resetUserPassphrase: vi.fn(async (userId: string) => {
      const s = requireLead();
      if (userId === s.user.id) throw commandError("invalid_input", "You cannot reset your own passphrase this way.");
      if (!state.users.some((u) => u.id === userId)) throw commandError("not_found", "That user is not in this vault.");
      state.passphrases.set(userId, RESET_CODE);
      state.resetPending.add(userId);
      return RESET_CODE;
    }),
    replaceRecoveryKey: vi.fn(async () => {
      requireLead();
      state.recoveryKey = NEW_RECOVERY_GROUPS.join("");
      return [...NEW_RECOVERY_GROUPS];
    }),
    setAutoLockMinutes: vi.fn(async (minutes: number) => {
      const s = requireLead();
      if (minutes < 1 || minutes > 120) throw commandError("invalid_input", "Between 1 and 120.");
      state.autoLock = minutes;
      s.auto_lock_minutes = minutes;
      return { ...s };
    }),
    // The Users page asks which laptops a school vault has (issue 17); none by default.
    syncStatus: vi.fn(async () => {
      const s = requireUnlocked();
      const lead = s.user.role === "strategic_lead";
      return {
        device_no: s.device_no,
        can_sync: (s.device_no === 0) === lead,
        last_out_at: null,
        last_in_at: null,
        laptops: [],
      };
    }),
    ...recordCommands({ session: requireUnlocked, lead: requireLead }),
    ...reviewCommands({ session: requireUnlocked, lead: requireLead }),
    onWorkProgress: vi.fn(async (cb: (e: WorkProgress) => void) => {
      progressListeners.push(cb);
      return () => {
        progressListeners = progressListeners.filter((l) => l !== cb);
      };
    }),
    cancelWork: vi.fn(async (op: string) => {
      cancelledOps.add(op);
      return null;
    }),
    onLocked: vi.fn(async (cb: (e: LockedEvent) => void) => {
      lockedListeners.push(cb);
      return () => {
        lockedListeners = lockedListeners.filter((l) => l !== cb);
      };
    }),
  };
}
