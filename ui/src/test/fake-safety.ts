// The safety commands (issue 6) for the fake backend: backups, restore, subject access,
// handover packs, retention. Used with fakeIpc in `vi.mock("../lib/ipc")`; a test overrides
// any of them with mockResolvedValueOnce / mockRejectedValueOnce.

import { vi } from "vitest";
import type {
  AutoBackups,
  BackupCounts,
  BackupSummary,
  FieldComparison,
  IdentityField,
  MergeChoices,
  MergeCounts,
  MergePreview,
  RetentionDueRow,
  SarDocument,
  UserInfo,
} from "../lib/bindings";
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
  /** The pupil already held under the pack's UPN (0: none; the import then makes a new pupil). */
  heldId: 0,
  /** The pack's identity, as the merge preview shows it. */
  packForename: "Zoë",
  packDateOfBirth: "2016-03-27",
  /** The pack was merged already (a second merge is refused). */
  merged: false,
};

export const MERGE_COUNTS: MergeCounts = {
  plans: 1,
  goals: 2,
  reviews: 1,
  sessions: 12,
  chronology: 3,
  scores: 1,
  indicators: 2,
  agency_advice: 0,
  team_members: 1,
  profile_fields: 2,
  already_held: 0,
  kept_as_held: 1,
};

function mergePreview(pupilId: number | null): MergePreview {
  const id = pupilId ?? safety.heldId;
  const stored = records.pupils.get(id);
  if (!stored) throw commandError("not_found", `There is no pupil ${id} in this vault. Nothing was changed.`);
  const p = stored.pupil;
  const field = (f: IdentityField, label: string, pack: string | null, held: string | null): FieldComparison => {
    const comparison = pack === null ? (held === null ? "neither" : "only_held") : held === null ? "only_in_pack" : pack === held ? "same" : "different";
    return { field: f, label, pack, held, comparison, choosable: comparison === "different" || comparison === "only_in_pack", note: null };
  };
  const dob = (d: string) => new Date(`${d}T12:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  const fields = [
    field("legal_forename", "Legal forename", safety.packForename, p.legal_forename),
    field("legal_surname", "Legal surname", "Quennell", p.legal_surname),
    field("date_of_birth", "Date of birth", dob(safety.packDateOfBirth), dob(p.date_of_birth)),
    field("year_group", "Year group", "Year 5", p.year_group_label),
    field("care_status", "Care status", "Looked after", p.care_status),
  ];
  return {
    pupil_id: id,
    held_name: p.display_name,
    fields,
    date_of_birth_differs: safety.packDateOfBirth !== p.date_of_birth,
    counts: safety.merged ? { ...MERGE_COUNTS, plans: 0, goals: 0, reviews: 0, sessions: 0, chronology: 0, scores: 0, indicators: 0, team_members: 0, profile_fields: 0, already_held: 20 } : MERGE_COUNTS,
    pack_plan_becomes_history: stored.plan !== null,
    already_merged: safety.merged,
  };
}

export function resetSafety(): void {
  safety.autoKeep = 7;
  safety.retentionYears = 7;
  safety.due = [];
  safety.sameVault = true;
  safety.backupUsers = [LEAD];
  safety.importedId = 0;
  safety.heldId = 0;
  safety.packForename = "Zoë";
  safety.packDateOfBirth = "2016-03-27";
  safety.merged = false;
}

function checkPackPassphrase(passphrase: string) {
  if (passphrase.replace(/[\s-]/g, "").toUpperCase() !== PACK_PASSPHRASE.replace(/-/g, "")) {
    throw commandError("wrong_passphrase", "That handover passphrase does not open this file.");
  }
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
      if (safety.heldId) {
        throw commandError("already_exists", `This pupil is already in Attune: record ${safety.heldId} has the pack's UPN. Nothing was imported.`);
      }
      const stored = records.pupils.get(safety.importedId);
      if (!stored) throw commandError("internal", "no pupil seeded for the import");
      const ka = records.keyAdults.find((k) => k.id === keyAdultId) ?? null;
      stored.pupil.key_adult = ka;
      return stored.pupil;
    }),
    previewHandoverMerge: vi.fn(async (_path: string, passphrase: string, pupilId: number | null) => {
      lead();
      checkPackPassphrase(passphrase);
      return mergePreview(pupilId);
    }),
    mergeHandover: vi.fn(async (_path: string, passphrase: string, pupilId: number, choices: MergeChoices) => {
      lead();
      checkPackPassphrase(passphrase);
      const preview = mergePreview(pupilId);
      if (safety.merged) throw commandError("already_exists", "This handover pack has already been added to this pupil. Nothing was changed.");
      if (preview.date_of_birth_differs && !choices.confirm_date_of_birth) {
        throw commandError("invalid_input", "The pack's date of birth is not the one held. Nothing was changed.");
      }
      const stored = records.pupils.get(pupilId)!;
      if (choices.take.includes("legal_forename")) {
        stored.pupil.legal_forename = safety.packForename;
        stored.pupil.display_name = `${stored.pupil.preferred_name ?? safety.packForename} ${stored.pupil.legal_surname}`;
      }
      if (choices.take.includes("care_status")) stored.pupil.care_status = "Looked after";
      safety.merged = true;
      return { pupil: stored.pupil, counts: MERGE_COUNTS, taken: choices.take };
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
