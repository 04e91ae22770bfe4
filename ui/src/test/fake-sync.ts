// Several laptops, one school (issue 17): a stand-in for the sync commands, following the Rust
// contract closely enough to drive the screens (the real thing is tested in Rust and by the
// two-window WebDriver journey, tests/e2e/sync.test.mjs).

import { vi } from "vitest";
import type { AppStatus, ConflictChoice, Laptop, SyncConflict, SyncStatus, SyncSummary, UserInfo } from "../lib/bindings";
import { backend, commandError, fakeStrength, unlockedAs } from "./fake-backend";

export const USB = "/media/usb";
export const ENROL_PASSPHRASE = "K7QW-M2PZ-X9RT-B4NH-Q8LV-D3JC-W6YF-P5GS";
export const ENROL_FILE = `${USB}/attune-laptop-1-2026-12-07.attune-enrol`;

export const sync = {
  laptops: [] as Laptop[],
  /** What the next import reports. */
  nextImport: { lines: ["3 sessions added", "1 review changed"], conflicts: 0, wiped: false } as Pick<
    SyncSummary,
    "lines" | "conflicts" | "wiped"
  >,
  joinedAs: null as UserInfo | null,
  conflicts: [] as SyncConflict[],
  /** What each resolve chose, in order. */
  chosen: [] as Array<[number, ConflictChoice]>,
};

export function resetSync(): void {
  sync.laptops = [];
  sync.nextImport = { lines: ["3 sessions added", "1 review changed"], conflicts: 0, wiped: false };
  sync.joinedAs = null;
  sync.conflicts = [];
  sync.chosen = [];
}

function session() {
  const s = backend.state.session;
  if (backend.state.state !== "unlocked" || !s) throw commandError("locked", "Attune is locked.");
  return s;
}

function summary(device_no: number, already_imported = false): SyncSummary {
  return { device_no, already_imported, file_bytes: 4_100, ...sync.nextImport };
}

export function syncCommands() {
  return {
    choosePath: vi.fn(async (req: { kind: string; filters?: { extensions: string[] }[] | null }) => {
      if (req.kind === "folder") return USB;
      const ext = req.filters?.[0]?.extensions[0];
      return ext === "attune-enrol" ? ENROL_FILE : `${USB}/attune-sync-for-laptop-1-2026-12-07.attune-sync`;
    }),
    syncStatus: vi.fn(async (): Promise<SyncStatus> => {
      const s = session();
      const lead = s.user.role === "strategic_lead";
      const school = s.device_no === 0;
      return {
        device_no: s.device_no,
        can_sync: school === lead,
        last_out_at: school ? null : "2026-12-03T10:00:00Z",
        last_in_at: null,
        laptops: school && lead ? [...sync.laptops] : [],
      };
    }),
    enrolLaptop: vi.fn(async (userId: string, folder: string) => {
      const s = session();
      if (s.user.role !== "strategic_lead") throw commandError("not_permitted", "Only a strategic lead can prepare a laptop.");
      const user = backend.state.users.find((u) => u.id === userId);
      if (!user) throw commandError("not_found", "There is no such user.");
      const device_no = sync.laptops.length + 1;
      sync.laptops.push({
        device_no,
        user_id: user.id,
        user_name: user.name,
        enrolled_at: "2026-12-07T09:00:00Z",
        removed: false,
        last_in_at: null,
        last_out_at: null,
        days_since_sync: 0,
        stale: false,
      });
      const file_name = `attune-laptop-${device_no}-2026-12-07.attune-enrol`;
      return { path: `${folder}/${file_name}`, file_name, file_bytes: 88_000, passphrase: ENROL_PASSPHRASE, device_no, user_name: user.name };
    }),
    inspectEnrolment: vi.fn(async (path: string) => ({
      path,
      file_name: path.split("/").pop() ?? path,
      created_on: "2026-12-07",
      file_bytes: 88_000,
    })),
    joinSchool: vi.fn(async (_path: string, oneTime: string, passphrase: string): Promise<AppStatus> => {
      if (oneTime.replace(/[\s-]/g, "").toUpperCase() !== ENROL_PASSPHRASE.replace(/-/g, "")) {
        throw commandError("wrong_passphrase", "That one-time passphrase does not open this enrolment file.");
      }
      if (!fakeStrength(passphrase).acceptable) throw commandError("weak_passphrase", "Too weak.");
      const user = sync.joinedAs;
      if (!user) throw commandError("internal", "no user set for the join");
      backend.state.school = "Oakfield Primary School";
      backend.state.users = [user];
      backend.state.passphrases.set(user.id, passphrase);
      backend.state.deviceNo = 1;
      return unlockedAs(user);
    }),
    syncExport: vi.fn(async (forLaptop: number | null, folder: string) => {
      const s = session();
      const device = s.device_no === 0 ? (forLaptop ?? 0) : s.device_no;
      if (s.device_no === 0 && forLaptop === null) {
        throw commandError("invalid_input", "This is the school vault: name the laptop the sync file is for.");
      }
      const file_name =
        s.device_no === 0
          ? `attune-sync-for-laptop-${device}-2026-12-07.attune-sync`
          : `attune-sync-from-laptop-${device}-2026-12-07.attune-sync`;
      return { path: `${folder}/${file_name}`, file_name, report: summary(device) };
    }),
    syncImport: vi.fn(async (_path: string) => summary(session().device_no || 1)),
    syncConflicts: vi.fn(async () => {
      session();
      return [...sync.conflicts];
    }),
    resolveSyncConflict: vi.fn(async (id: number, choice: ConflictChoice) => {
      session();
      const c = sync.conflicts.find((x) => x.id === id);
      if (!c) throw commandError("not_found", "There is no such conflict still open on this vault.");
      if (c.kind !== "value" && choice === "take_other") {
        throw commandError("invalid_input", "A signed review cannot be changed.");
      }
      sync.chosen.push([id, choice]);
      sync.conflicts = sync.conflicts.filter((x) => x.id !== id);
      return [...sync.conflicts];
    }),
  };
}
