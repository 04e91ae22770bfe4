// The safety commands (issue 6) for the fake backend: backups, restore, subject access,
// handover packs, retention. Used with fakeIpc in `vi.mock("../lib/ipc")`; a test overrides
// any of them with mockResolvedValueOnce / mockRejectedValueOnce.

import { vi } from "vitest";
import type { AutoBackups, BackupCounts, BackupSummary, RetentionDueRow, SarDocument, UserInfo } from "../lib/bindings";
import { backend, commandError, LEAD, passphraseFor } from "./fake-backend";
import { records } from "./fake-records";

export const USB = "/media/usb";
export const BACKUP_FILE = `${USB}/attune-backup-2026-11-22-0930.attune-backup`;
export const PACK_FILE = `${USB}/handover-2026-11-22.attune-handover`;
export const PACK_PASSPHRASE = "K7QW-M2PZ-X9RT-B4NH-Q8LV-D3JC-W6YF-P5GS";
export const COUNTS: BackupCounts = { pupils: 3, plans: 2, reviews: 1 };

export const safety = {
  autoKeep: 7,
  retentionYears: 7,
  due: [] as RetentionDueRow[],
  sameVault: true as boolean | null,
  backupUsers: [LEAD] as UserInfo[],
  /** The id `import_handover` answers with (a pupil seeded by the test). */
  importedId: 0,
};

export function resetSafety(): void {
  safety.autoKeep = 7;
  safety.retentionYears = 7;
  safety.due = [];
  safety.sameVault = true;
  safety.backupUsers = [LEAD];
  safety.importedId = 0;
}

function session() {
  const s = backend.state.session;
  if (backend.state.state !== "unlocked" || !s) throw commandError("locked", "Attune is locked.");
  return s;
}

function lead() {
  const s = session();
  if (s.user.role !== "strategic_lead") throw commandError("not_permitted", "Only a strategic lead can do that.");
  return s;
}

function autoBackupsNow(): AutoBackups {
  return {
    folder: "/home/staff/.local/share/attune/vault/backups",
    keep: safety.autoKeep,
    files: [
      { file_name: "attune-2026-11-22.attune-backup", date: "2026-11-22", file_bytes: 2_400_000 },
      { file_name: "attune-2026-11-21.attune-backup", date: "2026-11-21", file_bytes: 2_380_000 },
    ],
  };
}

function summary(path: string): BackupSummary {
  return {
    path,
    file_name: path.split("/").pop() ?? path,
    school: backend.state.school || "Oakfield Primary School",
    created_at: "2026-11-22T09:30:00Z",
    counts: COUNTS,
    file_bytes: 2_400_000,
    users: [...safety.backupUsers],
    has_recovery_key: true,
    same_vault: safety.sameVault,
  };
}

function checkSecret(userId: string, secret: string, recovery: boolean) {
  const user = safety.backupUsers.find((u) => u.id === userId);
  if (!user) throw commandError("not_found", "That user is not in this backup.");
  if (recovery) {
    if (secret.replace(/[\s-]/g, "").toUpperCase() !== "K7QWM2PZX9RTB4NHQ8LVD3JCW6YFP5GS") {
      throw commandError("wrong_recovery_key", "That recovery key does not open this vault.");
    }
  } else if (secret !== passphraseFor(user)) {
    throw commandError("wrong_passphrase", `That passphrase is not right for ${user.name}.`);
  }
  return user;
}

export function safetyCommands() {
  return {
    choosePath: vi.fn(async (req: { kind: string; default_name?: string | null }) => {
      if (req.kind === "folder") return USB;
      if (req.kind === "save") return `${USB}/${req.default_name ?? "file"}`;
      return BACKUP_FILE;
    }),
    backupNow: vi.fn(async (folder: string) => {
      session();
      return {
        path: `${folder}/attune-backup-2026-11-22-0930.attune-backup`,
        file_name: "attune-backup-2026-11-22-0930.attune-backup",
        file_bytes: 2_400_000,
        created_at: "2026-11-22T09:30:00Z",
        counts: COUNTS,
        verified: true,
      };
    }),
    autoBackups: vi.fn(async () => {
      session();
      return autoBackupsNow();
    }),
    setAutoBackupKeep: vi.fn(async (keep: number) => {
      lead();
      if (keep < 1 || keep > 365) throw commandError("invalid_input", "Keep between 1 and 365 automatic backups.");
      safety.autoKeep = keep;
      return autoBackupsNow();
    }),
    inspectBackup: vi.fn(async (path: string) => summary(path)),
    openBackup: vi.fn(async (path: string, userId: string, secret: string, recovery: boolean) => {
      const user = checkSecret(userId, secret, recovery);
      const s = summary(path);
      return {
        school: s.school,
        created_at: s.created_at,
        counts: COUNTS,
        file_bytes: s.file_bytes,
        opened_as: user,
        users: [...safety.backupUsers],
        audit_entries: 42,
        last_audit_at: "2026-11-22T09:29:00Z",
      };
    }),
    restoreBackup: vi.fn(async (path: string, userId: string, secret: string, recovery: boolean) => {
      checkSecret(userId, secret, recovery);
      backend.state.state = "locked";
      backend.state.session = null;
      backend.state.lastLockReason = "restored";
      return {
        school: summary(path).school,
        created_at: "2026-11-22T09:30:00Z",
        counts: COUNTS,
        replaced: "/home/staff/.local/share/attune/vault.replaced-2026-11-22-1000",
        moved_auto_backups: true,
      };
    }),
    subjectAccessDocument: vi.fn(async (pupilId: number) => {
      lead();
      const p = records.pupils.get(pupilId)?.pupil;
      if (!p) throw commandError("not_found", "There is no such pupil.");
      const doc: SarDocument = {
        title: "Subject access request",
        heading: `Everything held about ${p.display_name}`,
        intro: "Produced today.",
        sections: [
          {
            level: 2,
            heading: "The pupil",
            notes: [],
            blocks: [
              {
                kind: "fields",
                items: [
                  { label: "Legal forename", value: { text: p.legal_forename, multiline: false } },
                  { label: "Story", value: { text: "", multiline: true } },
                ],
              },
            ],
          },
          {
            level: 2,
            heading: "Sessions",
            notes: [],
            blocks: [{ kind: "table", head: ["Note"], rows: [[{ text: "<script>window.bad = 1</script>", multiline: true }]] }],
          },
          { level: 2, heading: "Team around the pupil", notes: [], blocks: [{ kind: "table", head: ["Name"], rows: [] }] },
          {
            level: 2,
            heading: "Audit",
            notes: [],
            blocks: [{ kind: "table", head: ["When"], rows: [[{ text: "22 November 2026", multiline: false }]] }],
          },
        ],
      };
      return doc;
    }),
    saveSubjectAccessDocument: vi.fn(async (_pupilId: number, path: string) => {
      lead();
      return { path, file_name: path.split("/").pop() ?? path, file_bytes: 18_432 };
    }),
    exportHandover: vi.fn(async (_pupilId: number, folder: string) => {
      lead();
      return {
        path: `${folder}/handover-2026-11-22.attune-handover`,
        file_name: "handover-2026-11-22.attune-handover",
        file_bytes: 9_200,
        passphrase: PACK_PASSPHRASE,
      };
    }),
    inspectHandover: vi.fn(async (path: string) => {
      lead();
      return { path, file_name: path.split("/").pop() ?? path, created_on: "2026-11-22", file_bytes: 9_200 };
    }),
    importHandover: vi.fn(async (_path: string, passphrase: string, keyAdultId: string | null) => {
      lead();
      if (passphrase.replace(/[\s-]/g, "").toUpperCase() !== PACK_PASSPHRASE.replace(/-/g, "")) {
        throw commandError("wrong_passphrase", "That handover passphrase does not open this file.");
      }
      const stored = records.pupils.get(safety.importedId);
      if (!stored) throw commandError("internal", "no pupil seeded for the import");
      const ka = records.keyAdults.find((k) => k.id === keyAdultId) ?? null;
      stored.pupil.key_adult = ka;
      return stored.pupil;
    }),
    retentionYears: vi.fn(async () => {
      session();
      return safety.retentionYears;
    }),
    setRetentionYears: vi.fn(async (years: number) => {
      lead();
      if (years < 1 || years > 100) throw commandError("invalid_input", "The retention period must be between 1 and 100 years.");
      safety.retentionYears = years;
      return years;
    }),
    retentionDue: vi.fn(async () => {
      lead();
      return [...safety.due];
    }),
    erasePupil: vi.fn(async (pupilId: number) => {
      lead();
      safety.due = safety.due.filter((r) => r.pupil_id !== pupilId);
      records.pupils.delete(pupilId);
      return null;
    }),
    erasePupilOnRequest: vi.fn(async (pupilId: number, reason: string) => {
      lead();
      if (reason.trim() === "") throw commandError("invalid_input", "Say why this pupil's record is being erased.");
      if (!records.pupils.has(pupilId)) throw commandError("not_found", "There is no such pupil.");
      safety.due = safety.due.filter((r) => r.pupil_id !== pupilId);
      records.pupils.delete(pupilId);
      return null;
    }),
  };
}
