// The one door into Rust. This is the only file that imports @tauri-apps/api: every
// screen calls the typed functions below, and the tests mock this module alone.
//
// Argument keys are camelCase here; Tauri maps them to the snake_case parameters of the
// Rust commands (userId -> user_id). Every rejection is normalised into a CommandError.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  AgencyAdviceInput,
  AppStatus,
  AuditEntry,
  AuditQuery,
  AuditVerification,
  Cadence,
  CalendarsView,
  CaseloadQuery,
  CaseloadRow,
  ChronologyEvent,
  AutoBackups,
  BackupDone,
  BackupOpened,
  BackupSummary,
  ChoosePathRequest,
  HandoverExported,
  HandoverSummary,
  RestoreDone,
  RetentionDueRow,
  SavedFile,
  ChronologyInput,
  ColumnMapping,
  CommandError,
  CsvHeader,
  Draft,
  Framework,
  Goal,
  GoalInput,
  GoalStatus,
  ImportMode,
  ImportOutcome,
  ImportPreview,
  IndicatorImportOutcome,
  IndicatorsInput,
  InstrumentScore,
  ListKind,
  LockedEvent,
  NewUserRequest,
  PassphraseStrength,
  PickLists,
  PlanInput,
  PlanView,
  Profile,
  Pupil,
  PupilInput,
  PupilRecord,
  PlanTimeline,
  PrintTarget,
  ProgressPoint,
  RenewPlanInput,
  Review,
  ReviewInput,
  ReviewSignOff,
  ReviewSlot,
  SchoolCalendar,
  ScoreInput,
  SearchHit,
  SessionEntry,
  SessionInfo,
  SessionInput,
  SetupPending,
  SetupRequest,
  TeamMember,
  TeamMemberInput,
  UserInfo,
} from "./bindings";
import type {
  ExportedFiles,
  MergeReport,
  Overview,
  OverviewQuery,
  SummaryFileInfo,
  SummaryPreview,
  Supervisee,
  SupervisionNote,
  SupervisionNoteInput,
} from "./bindings";

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

// ---------------------------------------------------------------------------------------------
// Records (attune-domain): each command is named after its domain function and takes the same
// parameters minus the vault and the clock.

// Pupils
export function addPupil(input: PupilInput): Promise<Pupil> {
  return call("add_pupil", { input });
}

export function updatePupil(pupilId: number, input: PupilInput): Promise<Pupil> {
  return call("update_pupil", { pupilId, input });
}

/** `keyAdultId` null ends the current assignment; `from` is "YYYY-MM-DD". */
export function assignKeyAdult(pupilId: number, keyAdultId: string | null, from: string): Promise<null> {
  return call("assign_key_adult", { pupilId, keyAdultId, from });
}

export function markLeft(pupilId: number, leftOn: string): Promise<null> {
  return call("mark_left", { pupilId, leftOn });
}

export function archivePupil(pupilId: number): Promise<null> {
  return call("archive_pupil", { pupilId });
}

export function getPupil(pupilId: number): Promise<Pupil> {
  return call("get_pupil", { pupilId });
}

/** A pupil's whole page, with the `sessionLimit` most recent sessions. */
export function openPupil(pupilId: number, sessionLimit = 50): Promise<PupilRecord> {
  return call("open_pupil", { pupilId, sessionLimit });
}

export function caseload(query: CaseloadQuery): Promise<CaseloadRow[]> {
  return call("caseload", { query });
}

export function pickLists(): Promise<PickLists> {
  return call("pick_lists");
}

export function addListItem(list: ListKind, label: string): Promise<null> {
  return call("add_list_item", { list, label });
}

export function renameListItem(list: ListKind, old: string, newLabel: string): Promise<null> {
  return call("rename_list_item", { list, old, new: newLabel });
}

// Pupil import (CSV text read in the browser; never a path)
export function readHeader(text: string): Promise<CsvHeader> {
  return call("read_header", { text });
}

export function suggestMapping(headers: string[]): Promise<ColumnMapping> {
  return call("suggest_mapping", { headers });
}

/** The import's preview (`import::parse` against the vault's identifiers): nothing is written. */
export function parse(text: string, mapping: ColumnMapping): Promise<ImportPreview> {
  return call("parse", { text, mapping });
}

export function importPupils(preview: ImportPreview, mode: ImportMode): Promise<ImportOutcome> {
  return call("import_pupils", { preview, mode });
}

// Profile and team
export function saveProfile(pupilId: number, profile: Profile): Promise<null> {
  return call("save_profile", { pupilId, profile });
}

/** Resolves to the new advice's id. */
export function addAgencyAdvice(pupilId: number, input: AgencyAdviceInput): Promise<number> {
  return call("add_agency_advice", { pupilId, input });
}

export function deleteAgencyAdvice(adviceId: number): Promise<null> {
  return call("delete_agency_advice", { adviceId });
}

export function setTeam(pupilId: number, members: TeamMemberInput[]): Promise<TeamMember[]> {
  return call("set_team", { pupilId, members });
}

// Plans
export function listFrameworks(): Promise<Framework[]> {
  return call("list_frameworks");
}

/** Adds a school's own framework from its JSON text; a malformed one is refused with line and reason. */
export function addFramework(text: string): Promise<Framework> {
  return call("add_framework", { text });
}

export function startPlan(pupilId: number, input: PlanInput): Promise<PlanView> {
  return call("start_plan", { pupilId, input });
}

export function getPlan(planId: number): Promise<PlanView> {
  return call("get_plan", { planId });
}

export function changeCadence(planId: number, cadence: Cadence): Promise<PlanView> {
  return call("change_cadence", { planId, cadence });
}

export function closePlan(planId: number): Promise<null> {
  return call("close_plan", { planId });
}

export function addGoal(planId: number, input: GoalInput): Promise<Goal> {
  return call("add_goal", { planId, input });
}

export function updateGoal(goalId: number, input: GoalInput): Promise<Goal> {
  return call("update_goal", { goalId, input });
}

export function setGoalStatus(goalId: number, status: GoalStatus): Promise<null> {
  return call("set_goal_status", { goalId, status });
}

// Sessions, chronology, scores, indicators
export function logSession(pupilId: number, input: SessionInput): Promise<SessionEntry> {
  return call("log_session", { pupilId, input });
}

export function listSessions(pupilId: number, limit: number): Promise<SessionEntry[]> {
  return call("list_sessions", { pupilId, limit });
}

export function addChronologyEvent(pupilId: number, input: ChronologyInput): Promise<ChronologyEvent> {
  return call("add_chronology_event", { pupilId, input });
}

export function addScore(pupilId: number, input: ScoreInput): Promise<InstrumentScore> {
  return call("add_score", { pupilId, input });
}

export function setIndicators(pupilId: number, input: IndicatorsInput): Promise<null> {
  return call("set_indicators", { pupilId, input });
}

export function importIndicatorsCsv(text: string, mode: ImportMode): Promise<IndicatorImportOutcome> {
  return call("import_indicators_csv", { text, mode });
}

// Search
export function search(text: string, limit = 20): Promise<SearchHit[]> {
  return call("search", { text, limit });
}

// Term dates
export function schoolCalendars(): Promise<CalendarsView> {
  return call("school_calendars");
}

export function saveSchoolCalendar(calendar: SchoolCalendar): Promise<CalendarsView> {
  return call("save_school_calendar", { calendar });
}

export function deleteSchoolCalendar(yearLabel: string): Promise<CalendarsView> {
  return call("delete_school_calendar", { yearLabel });
}

// Drafts (kept encrypted in the vault)
export function saveDraft(formKey: string, content: string): Promise<Draft> {
  return call("save_draft", { formKey, content });
}

export function loadDraft(formKey: string): Promise<Draft | null> {
  return call("load_draft", { formKey });
}

export function listDrafts(): Promise<Draft[]> {
  return call("list_drafts");
}

export function deleteDraft(formKey: string): Promise<null> {
  return call("delete_draft", { formKey });
}

// Audit log (strategic lead)
export function auditEntries(query: AuditQuery): Promise<AuditEntry[]> {
  return call("audit_entries", { query });
}

export function verifyAudit(): Promise<AuditVerification> {
  return call("verify_audit");
}

// Files (issue 6): the native chooser. Its answer is the only kind of path the backend's
// file commands accept (see src-tauri/src/safety.rs).
/**
 * Shows the native file or folder chooser; resolves to the chosen path, or null when the
 * person cancelled. `kind`: "folder" (to write into), "save" (a file name to save as, offering
 * `default_name`), "open" (an existing file). Works locked and unlocked.
 */
export function choosePath(req: ChoosePathRequest): Promise<string | null> {
  return call("choose_path", { req });
}

// ----- reviews (issue 4) -------------------------------------------------------------------

/** Each due date of a plan with its review (draft or signed), overdue, and which is next. */
export function listReviews(planId: number): Promise<ReviewSlot[]> {
  return call("list_reviews", { planId });
}

/** The review of a due date ("YYYY-MM-DD"): the existing one, or a new pre-filled draft. */
export function prepareReview(planId: number, dueDate: string): Promise<Review> {
  return call("prepare_review", { planId, dueDate });
}

export function getReview(reviewId: number): Promise<Review> {
  return call("get_review", { reviewId });
}

export function saveReviewDraft(reviewId: number, input: ReviewInput): Promise<Review> {
  return call("save_review_draft", { reviewId, input });
}

export function signReview(reviewId: number): Promise<Review> {
  return call("sign_review", { reviewId });
}

export function amendReview(reviewId: number, reason: string, text: string): Promise<Review> {
  return call("amend_review", { reviewId, reason, text });
}

/** A goal's baseline and each signed review's rating, oldest first. */
export function progressSeries(goalId: number): Promise<ProgressPoint[]> {
  return call("progress_series", { goalId });
}

export function planTimeline(planId: number): Promise<PlanTimeline> {
  return call("plan_timeline", { planId });
}

export function reviewSignOff(): Promise<ReviewSignOff> {
  return call("review_sign_off");
}

export function setReviewSignOff(value: ReviewSignOff): Promise<null> {
  return call("set_review_sign_off", { value });
}

export function renewPlan(planId: number, input: RenewPlanInput): Promise<PlanView> {
  return call("renew_plan", { planId, input });
}

/** Audits a print of a plan or review; the caller then prints the page. */
export function recordPrint(what: PrintTarget, id: number): Promise<null> {
  return call("record_print", { what, id });
}

/** Saves the page shown (the print view) as a PDF at `path`, chosen with `choosePath`. */
export function savePdf(what: PrintTarget, id: number, path: string): Promise<null> {
  return call("save_pdf", { what, id, path });
}

// Backups and restore (issue 6). A path is always one `choosePath` returned.
/** Writes an encrypted, verified backup file into `folder`. */
export function backupNow(folder: string): Promise<BackupDone> {
  return call("backup_now", { folder });
}

export function autoBackups(): Promise<AutoBackups> {
  return call("auto_backups");
}

/** Strategic lead only: how many daily automatic backups to keep (1 to 365). */
export function setAutoBackupKeep(keep: number): Promise<AutoBackups> {
  return call("set_auto_backup_keep", { keep });
}

/** What a backup file says about itself (no key needed; works locked). */
export function inspectBackup(path: string): Promise<BackupSummary> {
  return call("inspect_backup", { path });
}

/** Unlocks a backup and checks it end to end, restoring nothing. `secret` is a passphrase, or the recovery key when `recoveryKey`. */
export function openBackup(path: string, userId: string, secret: string, recoveryKey: boolean): Promise<BackupOpened> {
  return call("open_backup", { path, userId, secret, recoveryKey });
}

/** Restores the vault from the backup; the app is locked afterwards (reason "restored"). */
export function restoreBackup(path: string, userId: string, secret: string, recoveryKey: boolean): Promise<RestoreDone> {
  return call("restore_backup", { path, userId, secret, recoveryKey });
}

// Subject access (strategic lead)
/** The pupil's subject access document: a self-contained HTML page. */
export function subjectAccessDocument(pupilId: number): Promise<string> {
  return call("subject_access_document", { pupilId });
}

export function saveSubjectAccessDocument(pupilId: number, path: string): Promise<SavedFile> {
  return call("save_subject_access_document", { pupilId, path });
}

// Handover packs (strategic lead)
/** Writes the pupil's handover pack into `folder`; the passphrase in the answer is shown once. */
export function exportHandover(pupilId: number, folder: string): Promise<HandoverExported> {
  return call("export_handover", { pupilId, folder });
}

export function inspectHandover(path: string): Promise<HandoverSummary> {
  return call("inspect_handover", { path });
}

/** Imports a handover pack as a new pupil, assigning `keyAdultId` when given. */
export function importHandover(path: string, passphrase: string, keyAdultId: string | null): Promise<Pupil> {
  return call("import_handover", { path, passphrase, keyAdultId });
}

// Retention and erasure
export function retentionYears(): Promise<number> {
  return call("retention_years");
}

/** Strategic lead only. */
export function setRetentionYears(years: number): Promise<number> {
  return call("set_retention_years", { years });
}

/** Strategic lead only: pupils whose retention period has ended. */
export function retentionDue(): Promise<RetentionDueRow[]> {
  return call("retention_due");
}

/** Strategic lead only: erases every row about a pupil who has left, then compacts the vault. */
export function erasePupil(pupilId: number): Promise<null> {
  return call("erase_pupil", { pupilId });
}

// ----- the strategic lead's overview and supervision notes (issue 5) ----------------------

/**
 * Strategic lead only: every key adult with their caseload, reviews due in the next
 * `due_weeks` weeks, reviews overdue, and pupils with no session for `session_weeks` weeks
 * (each 1 to 52; null for the defaults, 4 and 3), each figure naming its pupils.
 */
export function overview(query: OverviewQuery | null = null): Promise<Overview> {
  return call("overview", { query });
}

/** Strategic lead only: the key adults a note can be recorded with, and their current pupils. */
export function supervisionOptions(): Promise<Supervisee[]> {
  return call("supervision_options");
}

/** Strategic lead only: records a supervision or consultation note. */
export function recordSupervisionNote(input: SupervisionNoteInput): Promise<SupervisionNote> {
  return call("record_supervision_note", { input });
}

/**
 * The notes the session may read, newest first: a lead's every note (or one key adult's);
 * a key adult's own (asking for another's is refused).
 */
export function listSupervisionNotes(keyAdultId: string | null = null): Promise<SupervisionNote[]> {
  return call("list_supervision_notes", { keyAdultId });
}

export function getSupervisionNote(noteId: number): Promise<SupervisionNote> {
  return call("get_supervision_note", { noteId });
}

// ----- anonymised summaries (issue 5) ---------------------------------------------------------

/**
 * Strategic lead only: every table of the anonymised summary for `period` ("2025-26", or
 * "2025-26 autumn") with k (3 to 100), each withheld cell marked with its reason. Writes nothing.
 */
export function summaryPreview(period: string, k: number): Promise<SummaryPreview> {
  return call("summary_preview", { period, k });
}

/**
 * Strategic lead only: writes the summary's CSV, JSON and printable report into `folder`
 * (chosen through `choosePath`), after the leak guard. Resolves to the three paths.
 */
export function exportSummary(
  period: string,
  k: number,
  folder: string,
  includeSchoolName: boolean,
  replaceExisting: boolean,
): Promise<ExportedFiles> {
  return call("export_summary", { period, k, folder, includeSchoolName, replaceExisting });
}

/** The heading of one school's summary file (chosen through `choosePath`); refuses a bad one. */
export function inspectSummary(path: string): Promise<SummaryFileInfo> {
  return call("inspect_summary", { path });
}

/**
 * Strategic lead only: merges several schools' summary files (each chosen through
 * `choosePath`) into `folder`; refuses, naming it, a file that cannot be merged.
 */
export function mergeSummaries(paths: string[], folder: string, replaceExisting: boolean): Promise<MergeReport> {
  return call("merge_summaries", { paths, folder, replaceExisting });
}

/**
 * Calls `cb` whenever the backend locks the vault by itself (idle, sleep) or on demand.
 * Resolves to a function that stops listening.
 */
export async function onLocked(cb: (event: LockedEvent) => void): Promise<() => void> {
  return listen<LockedEvent>("locked", (event) => cb(event.payload));
}
