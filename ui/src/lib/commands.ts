// Generated from the command table in src-tauri/src/api.rs. Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a command.
// One function per command; the argument keys are the camelCase Tauri expects.

import { call } from "./invoke";
import type {
  AgencyAdviceInput,
  AppStatus,
  AuditEntry,
  AuditQuery,
  AuditVerification,
  AutoBackups,
  BackupDone,
  BackupOpened,
  BackupSummary,
  Cadence,
  CalendarsView,
  CaseloadQuery,
  CaseloadRow,
  ChoosePathRequest,
  ChronologyEvent,
  ChronologyInput,
  ColumnMapping,
  ConflictChoice,
  CsvHeader,
  Draft,
  EnrolmentSummary,
  EntryKind,
  ExportedFiles,
  Framework,
  Goal,
  GoalInput,
  GoalStatus,
  HandoverExported,
  HandoverSummary,
  ImportMode,
  ImportOutcome,
  ImportPreview,
  IndicatorImportOutcome,
  IndicatorsInput,
  InstrumentScore,
  LaptopEnrolled,
  ListKind,
  MergeChoices,
  MergeOutcome,
  MergePreview,
  MergeReport,
  NewUserRequest,
  Overview,
  OverviewQuery,
  PassphraseStrength,
  PickLists,
  PlanRequest,
  PlanSummary,
  PlanTimeline,
  PlanView,
  PrintTarget,
  Profile,
  ProgressPoint,
  Pupil,
  PupilInput,
  PupilRecord,
  RenewPlanRequest,
  RestoreDone,
  RetentionDueRow,
  Review,
  ReviewInput,
  ReviewSignOff,
  ReviewSlot,
  RolloverChoices,
  RolloverOutcome,
  RolloverPreview,
  SarDocument,
  SavedFile,
  SchoolCalendar,
  ScoreInput,
  SearchHit,
  SessionEntry,
  SessionInfo,
  SessionInput,
  SessionPage,
  SessionQuery,
  SetupPending,
  SetupRequest,
  StatusChange,
  SummaryFileInfo,
  SummaryPreview,
  Supervisee,
  SupervisionNote,
  SupervisionNoteInput,
  SyncConflict,
  SyncFileWritten,
  SyncStatus,
  SyncSummary,
  TeamMember,
  TeamMemberInput,
  TermlyIndicators,
  UpdateChoices,
  UpdateOutcome,
  UpdatePreview,
  UserInfo,
  VaultCheck,
} from "./bindings";

/** Every command's name, in the table's order. */
export const COMMAND_NAMES = [
  "app_status",
  "passphrase_strength",
  "begin_setup",
  "finish_setup",
  "cancel_setup",
  "unlock",
  "unlock_with_recovery",
  "reset_passphrase",
  "lock",
  "touch",
  "cancel_work",
  "change_passphrase",
  "list_users",
  "add_user",
  "remove_user",
  "reset_user_passphrase",
  "replace_recovery_key",
  "set_auto_lock_minutes",
  "caseload",
  "add_pupil",
  "update_pupil",
  "correct_status_change",
  "remove_status_change",
  "assign_key_adult",
  "mark_left",
  "archive_pupil",
  "get_pupil",
  "open_pupil",
  "save_profile",
  "add_agency_advice",
  "delete_agency_advice",
  "set_team",
  "start_plan",
  "get_plan",
  "list_plans",
  "change_cadence",
  "close_plan",
  "add_goal",
  "update_goal",
  "set_goal_status",
  "list_frameworks",
  "add_framework",
  "log_session",
  "safeguarding_words",
  "set_safeguarding_words",
  "list_sessions",
  "page_sessions",
  "add_chronology_event",
  "add_score",
  "set_indicators",
  "correct_session",
  "correct_chronology_event",
  "correct_score",
  "correct_indicators",
  "withdraw_entry",
  "import_indicators_csv",
  "read_header",
  "suggest_mapping",
  "parse",
  "import_pupils",
  "check_import",
  "preview_mis_update",
  "apply_mis_update",
  "school_year",
  "preview_rollover",
  "apply_rollover",
  "search",
  "save_draft",
  "load_draft",
  "list_drafts",
  "delete_draft",
  "school_calendars",
  "save_school_calendar",
  "delete_school_calendar",
  "pick_lists",
  "add_list_item",
  "rename_list_item",
  "reorder_list",
  "retire_list_item",
  "audit_entries",
  "verify_audit",
  "check_vault",
  "choose_path",
  "backup_now",
  "auto_backups",
  "set_auto_backup_keep",
  "inspect_backup",
  "open_backup",
  "restore_backup",
  "subject_access_document",
  "save_subject_access_document",
  "export_handover",
  "inspect_handover",
  "import_handover",
  "preview_handover_merge",
  "merge_handover",
  "retention_years",
  "set_retention_years",
  "retention_due",
  "erase_pupil",
  "erase_pupil_on_request",
  "sync_status",
  "enrol_laptop",
  "inspect_enrolment",
  "join_school",
  "sync_export",
  "sync_import",
  "sync_conflicts",
  "resolve_sync_conflict",
  "list_reviews",
  "prepare_review",
  "get_review",
  "save_review_draft",
  "sign_review",
  "amend_review",
  "progress_series",
  "plan_timeline",
  "review_sign_off",
  "set_review_sign_off",
  "renew_plan",
  "record_print",
  "save_pdf",
  "overview",
  "supervision_options",
  "record_supervision_note",
  "list_supervision_notes",
  "get_supervision_note",
  "correct_supervision_note",
  "withdraw_supervision_note",
  "summary_preview",
  "export_summary",
  "inspect_summary",
  "merge_summaries",
] as const;

/**
 * Where the app stands: first run, locked (with the users to choose from) or unlocked.
 * Access: open.
 */
export function appStatus(): Promise<AppStatus> {
  return call("app_status");
}

/**
 * Strength advice for the meter; `name` and `school` are hints (either may be "").
 * Access: open.
 */
export function passphraseStrength(passphrase: string, name: string, school: string): Promise<PassphraseStrength> {
  return call("passphrase_strength", { passphrase, name, school });
}

/**
 * Checks the first-run answers and returns the recovery key to write down (nothing written yet).
 * Access: open.
 */
export function beginSetup(req: SetupRequest): Promise<SetupPending> {
  return call("begin_setup", { req });
}

/**
 * `typed` is in the order of `SetupPending.confirm_positions`; creates the vault.
 * Access: open.
 */
export function finishSetup(typed: Array<string>): Promise<AppStatus> {
  return call("finish_setup", { typed });
}

/** Access: open. */
export function cancelSetup(): Promise<null> {
  return call("cancel_setup");
}

/** Access: open. */
export function unlock(userId: string, passphrase: string): Promise<AppStatus> {
  return call("unlock", { userId, passphrase });
}

/** Access: open. */
export function unlockWithRecovery(userId: string, recoveryKey: string): Promise<AppStatus> {
  return call("unlock_with_recovery", { userId, recoveryKey });
}

/**
 * After unlocking with the recovery key: the new passphrase for the person who did.
 * Access: signed_in.
 */
export function resetPassphrase(passphrase: string): Promise<AppStatus> {
  return call("reset_passphrase", { passphrase });
}

/** Access: open. */
export function lock(): Promise<AppStatus> {
  return call("lock");
}

/**
 * Tells the backend someone is using the app, so it does not lock for idleness.
 * Access: open.
 */
export function touch(): Promise<null> {
  return call("touch");
}

/**
 * Stops the long work the window started as `op` (a backup, an export…) at its next step;
 * it undoes what it began and answers `cancelled`. Open: a restore runs locked, and
 * stopping only ever stops work this window started.
 * Access: open.
 */
export function cancelWork(op: string): Promise<null> {
  return call("cancel_work", { op });
}

/** Access: signed_in. */
export function changePassphrase(current: string, newValue: string): Promise<null> {
  return call("change_passphrase", { current, new: newValue });
}

/** Access: signed_in. */
export function listUsers(): Promise<Array<UserInfo>> {
  return call("list_users");
}

/** Access: lead. */
export function addUser(req: NewUserRequest): Promise<UserInfo> {
  return call("add_user", { req });
}

/** Access: lead. */
export function removeUser(userId: string): Promise<Array<UserInfo>> {
  return call("remove_user", { userId });
}

/**
 * Resets another user's passphrase: returns the one-time code (4 groups of 5) to show the
 * lead once; the user unlocks with it and must then choose a new passphrase.
 * Access: lead.
 */
export function resetUserPassphrase(userId: string): Promise<string> {
  return call("reset_user_passphrase", { userId });
}

/**
 * Makes a new recovery key and drops the old one at once: returns the new key's 8 groups,
 * to show once.
 * Access: lead.
 */
export function replaceRecoveryKey(): Promise<Array<string>> {
  return call("replace_recovery_key");
}

/** Access: lead. */
export function setAutoLockMinutes(minutes: number): Promise<SessionInfo> {
  return call("set_auto_lock_minutes", { minutes });
}

/**
 * The pupils the session may see, filtered and sorted.
 * Access: signed_in.
 */
export function caseload(query: CaseloadQuery | null): Promise<Array<CaseloadRow>> {
  return call("caseload", { query });
}

/** Access: lead. */
export function addPupil(input: PupilInput): Promise<Pupil> {
  return call("add_pupil", { input });
}

/**
 * A change of care status or support level takes effect from `takes_effect_from`
 * ("YYYY-MM-DD"; today when not given).
 * Access: lead.
 */
export function updatePupil(pupilId: number, input: PupilInput, takesEffectFrom: string | null): Promise<Pupil> {
  return call("update_pupil", { pupilId, input, takesEffectFrom });
}

/**
 * Corrects the day a change of care status or support level took effect.
 * Access: lead.
 */
export function correctStatusChange(changeId: number, effectiveFrom: string): Promise<Array<StatusChange>> {
  return call("correct_status_change", { changeId, effectiveFrom });
}

/**
 * Removes a change of care status or support level recorded in error.
 * Access: lead.
 */
export function removeStatusChange(changeId: number): Promise<Array<StatusChange>> {
  return call("remove_status_change", { changeId });
}

/**
 * `key_adult_id` null ends the current assignment; `from` is "YYYY-MM-DD" (today when null).
 * Access: lead.
 */
export function assignKeyAdult(pupilId: number, keyAdultId: string | null, from: string | null): Promise<null> {
  return call("assign_key_adult", { pupilId, keyAdultId, from });
}

/** Access: lead. */
export function markLeft(pupilId: number, leftOn: string): Promise<null> {
  return call("mark_left", { pupilId, leftOn });
}

/** Access: lead. */
export function archivePupil(pupilId: number): Promise<null> {
  return call("archive_pupil", { pupilId });
}

/** Access: pupil. */
export function getPupil(pupilId: number): Promise<Pupil> {
  return call("get_pupil", { pupilId });
}

/**
 * A pupil's whole page, with the `session_limit` most recent sessions.
 * Access: pupil.
 */
export function openPupil(pupilId: number, sessionLimit: number | null): Promise<PupilRecord> {
  return call("open_pupil", { pupilId, sessionLimit });
}

/** Access: pupil. */
export function saveProfile(pupilId: number, profile: Profile): Promise<null> {
  return call("save_profile", { pupilId, profile });
}

/** Access: pupil. */
export function addAgencyAdvice(pupilId: number, input: AgencyAdviceInput): Promise<number> {
  return call("add_agency_advice", { pupilId, input });
}

/** Access: pupil. */
export function deleteAgencyAdvice(adviceId: number): Promise<null> {
  return call("delete_agency_advice", { adviceId });
}

/** Access: pupil. */
export function setTeam(pupilId: number, members: Array<TeamMemberInput>): Promise<Array<TeamMember>> {
  return call("set_team", { pupilId, members });
}

/**
 * The horizon comes as 2 or 3 years; its end date is worked out in the domain.
 * Access: pupil.
 */
export function startPlan(pupilId: number, input: PlanRequest): Promise<PlanView> {
  return call("start_plan", { pupilId, input });
}

/** Access: pupil. */
export function getPlan(planId: number): Promise<PlanView> {
  return call("get_plan", { planId });
}

/**
 * Every plan the pupil has had, the current one first (earlier plans stay reachable).
 * Access: pupil.
 */
export function listPlans(pupilId: number): Promise<Array<PlanSummary>> {
  return call("list_plans", { pupilId });
}

/** Access: pupil. */
export function changeCadence(planId: number, cadence: Cadence): Promise<PlanView> {
  return call("change_cadence", { planId, cadence });
}

/** Access: pupil. */
export function closePlan(planId: number): Promise<null> {
  return call("close_plan", { planId });
}

/** Access: pupil. */
export function addGoal(planId: number, input: GoalInput): Promise<Goal> {
  return call("add_goal", { planId, input });
}

/** Access: pupil. */
export function updateGoal(goalId: number, input: GoalInput): Promise<Goal> {
  return call("update_goal", { goalId, input });
}

/** Access: pupil. */
export function setGoalStatus(goalId: number, status: GoalStatus): Promise<null> {
  return call("set_goal_status", { goalId, status });
}

/**
 * The built-in frameworks and the school's own.
 * Access: signed_in.
 */
export function listFrameworks(): Promise<Array<Framework>> {
  return call("list_frameworks");
}

/**
 * `text` is the framework file's content (the window reads the file; no path crosses).
 * Access: lead.
 */
export function addFramework(text: string): Promise<Framework> {
  return call("add_framework", { text });
}

/** Access: pupil. */
export function logSession(pupilId: number, input: SessionInput): Promise<SessionEntry> {
  return call("log_session", { pupilId, input });
}

/**
 * The school's words that bring up the session form's safeguarding reminder.
 * Access: signed_in.
 */
export function safeguardingWords(): Promise<Array<string>> {
  return call("safeguarding_words");
}

/**
 * Sets them (one word or phrase each); returns the list as kept.
 * Access: lead.
 */
export function setSafeguardingWords(words: Array<string>): Promise<Array<string>> {
  return call("set_safeguarding_words", { words });
}

/** Access: pupil. */
export function listSessions(pupilId: number, limit: number | null): Promise<Array<SessionEntry>> {
  return call("list_sessions", { pupilId, limit });
}

/**
 * Every session of the pupil's time, a page at a time, by kind and dates.
 * Access: pupil.
 */
export function pageSessions(pupilId: number, query: SessionQuery): Promise<SessionPage> {
  return call("page_sessions", { pupilId, query });
}

/** Access: pupil. */
export function addChronologyEvent(pupilId: number, input: ChronologyInput): Promise<ChronologyEvent> {
  return call("add_chronology_event", { pupilId, input });
}

/** Access: pupil. */
export function addScore(pupilId: number, input: ScoreInput): Promise<InstrumentScore> {
  return call("add_score", { pupilId, input });
}

/** Access: pupil. */
export function setIndicators(pupilId: number, input: IndicatorsInput): Promise<null> {
  return call("set_indicators", { pupilId, input });
}

/**
 * New values for a session, with the reason; the values replaced are kept.
 * Access: pupil.
 */
export function correctSession(sessionId: number, input: SessionInput, reason: string): Promise<SessionEntry> {
  return call("correct_session", { sessionId, input, reason });
}

/** Access: pupil. */
export function correctChronologyEvent(eventId: number, input: ChronologyInput, reason: string): Promise<ChronologyEvent> {
  return call("correct_chronology_event", { eventId, input, reason });
}

/** Access: pupil. */
export function correctScore(scoreId: number, input: ScoreInput, reason: string): Promise<InstrumentScore> {
  return call("correct_score", { scoreId, input, reason });
}

/** Access: pupil. */
export function correctIndicators(indicatorsId: number, input: IndicatorsInput, reason: string): Promise<TermlyIndicators> {
  return call("correct_indicators", { indicatorsId, input, reason });
}

/**
 * Withdraws a session, chronology event, score or term's indicators, with the reason.
 * Access: pupil.
 */
export function withdrawEntry(kind: EntryKind, entryId: number, reason: string): Promise<null> {
  return call("withdraw_entry", { kind, entryId, reason });
}

/**
 * `text` is the CSV file's content.
 * Access: lead.
 */
export function importIndicatorsCsv(text: string, mode: ImportMode): Promise<IndicatorImportOutcome> {
  return call("import_indicators_csv", { text, mode });
}

/**
 * The header row of a CSV file's content.
 * Access: signed_in.
 */
export function readHeader(text: string): Promise<CsvHeader> {
  return call("read_header", { text });
}

/**
 * The column mapping guessed from a header row.
 * Access: signed_in.
 */
export function suggestMapping(headers: Array<string>): Promise<ColumnMapping> {
  return call("suggest_mapping", { headers });
}

/**
 * What an import would do with this mapping: the good rows and every bad line. Writes nothing.
 * Access: lead.
 */
export function parse(text: string, mapping: ColumnMapping): Promise<ImportPreview> {
  return call("parse", { text, mapping });
}

/**
 * Progress for `op`; `cancel_work(op)` before it commits imports nobody (rolled back).
 * Access: lead.
 */
export function importPupils(preview: ImportPreview, mode: ImportMode, op: string): Promise<ImportOutcome> {
  return call("import_pupils", { preview, mode, op });
}

/**
 * What `import_pupils` would do, writing nothing.
 * Access: lead.
 */
export function checkImport(preview: ImportPreview, mode: ImportMode): Promise<ImportOutcome> {
  return call("check_import", { preview, mode });
}

/**
 * What updating the pupils held from this CSV content would do. Writes nothing.
 * Access: lead.
 */
export function previewMisUpdate(text: string, mapping: ColumnMapping): Promise<UpdatePreview> {
  return call("preview_mis_update", { text, mapping });
}

/**
 * Applies the update with the lead's choices (the file is read again), in one transaction.
 * Access: lead.
 */
export function applyMisUpdate(text: string, mapping: ColumnMapping, choices: UpdateChoices): Promise<UpdateOutcome> {
  return call("apply_mis_update", { text, mapping, choices });
}

/**
 * The school year the year groups are for ("2026-27"), once a rollover set it.
 * Access: signed_in.
 */
export function schoolYear(): Promise<string | null> {
  return call("school_year");
}

/**
 * What starting the school year `to` would do. Writes nothing.
 * Access: lead.
 */
export function previewRollover(to: string, lastYear: string | null): Promise<RolloverPreview> {
  return call("preview_rollover", { to, lastYear });
}

/**
 * Starts the new school year: year groups move on, the chosen leavers are marked left.
 * Access: lead.
 */
export function applyRollover(choices: RolloverChoices): Promise<RolloverOutcome> {
  return call("apply_rollover", { choices });
}

/**
 * Search the records the session may see.
 * Access: signed_in.
 */
export function search(text: string, limit: number | null): Promise<Array<SearchHit>> {
  return call("search", { text, limit });
}

/** Access: signed_in. */
export function saveDraft(formKey: string, content: string): Promise<Draft> {
  return call("save_draft", { formKey, content });
}

/** Access: signed_in. */
export function loadDraft(formKey: string): Promise<Draft | null> {
  return call("load_draft", { formKey });
}

/** Access: signed_in. */
export function listDrafts(): Promise<Array<Draft>> {
  return call("list_drafts");
}

/** Access: signed_in. */
export function deleteDraft(formKey: string): Promise<null> {
  return call("delete_draft", { formKey });
}

/** Access: signed_in. */
export function schoolCalendars(): Promise<CalendarsView> {
  return call("school_calendars");
}

/** Access: lead. */
export function saveSchoolCalendar(calendar: SchoolCalendar): Promise<CalendarsView> {
  return call("save_school_calendar", { calendar });
}

/** Access: lead. */
export function deleteSchoolCalendar(yearLabel: string): Promise<CalendarsView> {
  return call("delete_school_calendar", { yearLabel });
}

/** Access: signed_in. */
export function pickLists(): Promise<PickLists> {
  return call("pick_lists");
}

/** Access: lead. */
export function addListItem(list: ListKind, label: string): Promise<null> {
  return call("add_list_item", { list, label });
}

/** Access: lead. */
export function renameListItem(list: ListKind, old: string, newValue: string): Promise<null> {
  return call("rename_list_item", { list, old, new: newValue });
}

/**
 * `labels`: every item of the list (retired ones too), in the new order.
 * Access: lead.
 */
export function reorderList(list: ListKind, labels: Array<string>): Promise<null> {
  return call("reorder_list", { list, labels });
}

/**
 * `retired`: true retires the item (no longer offered; kept on records), false brings it back.
 * Access: lead.
 */
export function retireListItem(list: ListKind, label: string, retired: boolean): Promise<null> {
  return call("retire_list_item", { list, label, retired });
}

/** Access: lead. */
export function auditEntries(query: AuditQuery | null): Promise<Array<AuditEntry>> {
  return call("audit_entries", { query });
}

/**
 * Progress for `op`; `cancel_work(op)` stops the check (it only reads).
 * Access: lead.
 */
export function verifyAudit(op: string): Promise<AuditVerification> {
  return call("verify_audit", { op });
}

/**
 * The full check of the vault (every page's seal, the database's structure, the audit
 * chain, the key slots), progress for `op`; `cancel_work(op)` stops it (it only reads).
 * Any signed-in adult: it reads no record, and a key adult's laptop is theirs to check.
 * Access: signed_in.
 */
export function checkVault(op: string): Promise<VaultCheck> {
  return call("check_vault", { op });
}

/**
 * The native chooser; the chosen path (remembered for its use) or null when cancelled.
 * Access: open.
 */
export function choosePath(req: ChoosePathRequest): Promise<string | null> {
  return call("choose_path", { req });
}

/**
 * Writes an encrypted backup of the whole vault into `folder` and checks it end to end
 * (strategic lead only: it is every pupil; a key adult's attempt is refused and audited).
 * Progress as `work-progress` events for `op`; `cancel_work(op)` stops it, leaving no file.
 * Access: lead.
 */
export function backupNow(folder: string, op: string): Promise<BackupDone> {
  return call("backup_now", { folder, op });
}

/** Access: signed_in. */
export function autoBackups(): Promise<AutoBackups> {
  return call("auto_backups");
}

/** Access: lead. */
export function setAutoBackupKeep(keep: number): Promise<AutoBackups> {
  return call("set_auto_backup_keep", { keep });
}

/**
 * What a backup file says about itself, before any passphrase.
 * Access: open.
 */
export function inspectBackup(path: string): Promise<BackupSummary> {
  return call("inspect_backup", { path });
}

/**
 * Unlocks a backup with one of its key slots and checks it, restoring nothing.
 * Access: open.
 */
export function openBackup(path: string, userId: string, secret: string, recoveryKey: boolean): Promise<BackupOpened> {
  return call("open_backup", { path, userId, secret, recoveryKey });
}

/**
 * Restores the vault from a backup (a strategic lead in it); the app is locked afterwards.
 * Progress for `op`; `cancel_work(op)` stops it until the vault is being replaced.
 * Access: open.
 */
export function restoreBackup(path: string, userId: string, secret: string, recoveryKey: boolean, op: string): Promise<RestoreDone> {
  return call("restore_backup", { path, userId, secret, recoveryKey, op });
}

/** Access: lead. */
export function subjectAccessDocument(pupilId: number): Promise<SarDocument> {
  return call("subject_access_document", { pupilId });
}

/** Access: lead. */
export function saveSubjectAccessDocument(pupilId: number, path: string): Promise<SavedFile> {
  return call("save_subject_access_document", { pupilId, path });
}

/** Access: lead. */
export function exportHandover(pupilId: number, folder: string): Promise<HandoverExported> {
  return call("export_handover", { pupilId, folder });
}

/** Access: lead. */
export function inspectHandover(path: string): Promise<HandoverSummary> {
  return call("inspect_handover", { path });
}

/** Access: lead. */
export function importHandover(path: string, passphrase: string, keyAdultId: string | null): Promise<Pupil> {
  return call("import_handover", { path, passphrase, keyAdultId });
}

/** Access: lead. */
export function previewHandoverMerge(path: string, passphrase: string, pupilId: number | null): Promise<MergePreview> {
  return call("preview_handover_merge", { path, passphrase, pupilId });
}

/** Access: lead. */
export function mergeHandover(path: string, passphrase: string, pupilId: number, choices: MergeChoices): Promise<MergeOutcome> {
  return call("merge_handover", { path, passphrase, pupilId, choices });
}

/** Access: signed_in. */
export function retentionYears(): Promise<number> {
  return call("retention_years");
}

/** Access: lead. */
export function setRetentionYears(years: number): Promise<number> {
  return call("set_retention_years", { years });
}

/** Access: lead. */
export function retentionDue(): Promise<Array<RetentionDueRow>> {
  return call("retention_due");
}

/** Access: lead. */
export function erasePupil(pupilId: number): Promise<null> {
  return call("erase_pupil", { pupilId });
}

/** Access: lead. */
export function erasePupilOnRequest(pupilId: number, reason: string): Promise<null> {
  return call("erase_pupil_on_request", { pupilId, reason });
}

/**
 * Where this vault stands in the school's sync: a school vault (with its laptops, for a
 * strategic lead) or a key adult's laptop (when it last synced).
 * Access: signed_in.
 */
export function syncStatus(): Promise<SyncStatus> {
  return call("sync_status");
}

/**
 * Writes the enrolment file for key adult `user_id`'s laptop into `folder` (chosen) and
 * returns its one-time passphrase, shown once (strategic lead, school vault; audited).
 * Access: lead.
 */
export function enrolLaptop(userId: string, folder: string): Promise<LaptopEnrolled> {
  return call("enrol_laptop", { userId, folder });
}

/**
 * What an enrolment file (chosen) says about itself, before any passphrase.
 * Access: open.
 */
export function inspectEnrolment(path: string): Promise<EnrolmentSummary> {
  return call("inspect_enrolment", { path });
}

/**
 * First run on a key adult's laptop: its vault from the enrolment file (chosen), opened with
 * the lead's one-time passphrase and protected by the key adult's own `passphrase`.
 * Access: open.
 */
export function joinSchool(path: string, oneTime: string, passphrase: string): Promise<AppStatus> {
  return call("join_school", { path, oneTime, passphrase });
}

/**
 * Writes the next sync file into `folder` (chosen): a laptop's for the school, or the
 * school's for laptop `for_laptop` (strategic lead). The crate decides who may.
 * Access: signed_in.
 */
export function syncExport(forLaptop: number | null, folder: string): Promise<SyncFileWritten> {
  return call("sync_export", { forLaptop, folder });
}

/**
 * Takes in a sync file (chosen): a laptop's at the school, the school's on a laptop.
 * Access: signed_in.
 */
export function syncImport(path: string): Promise<SyncSummary> {
  return call("sync_import", { path });
}

/**
 * Values changed in two places, each beside the one kept, for a person to choose.
 * Access: signed_in.
 */
export function syncConflicts(): Promise<Array<SyncConflict>> {
  return call("sync_conflicts");
}

/**
 * Keep the value now or take the other (sent on at the next sync); what is left to choose.
 * Access: signed_in.
 */
export function resolveSyncConflict(id: number, choice: ConflictChoice): Promise<Array<SyncConflict>> {
  return call("resolve_sync_conflict", { id, choice });
}

/** Access: pupil. */
export function listReviews(planId: number): Promise<Array<ReviewSlot>> {
  return call("list_reviews", { planId });
}

/**
 * `due_date` is "YYYY-MM-DD", one of the plan's due dates.
 * Access: pupil.
 */
export function prepareReview(planId: number, dueDate: string): Promise<Review> {
  return call("prepare_review", { planId, dueDate });
}

/** Access: pupil. */
export function getReview(reviewId: number): Promise<Review> {
  return call("get_review", { reviewId });
}

/** Access: pupil. */
export function saveReviewDraft(reviewId: number, input: ReviewInput): Promise<Review> {
  return call("save_review_draft", { reviewId, input });
}

/** Access: pupil. */
export function signReview(reviewId: number): Promise<Review> {
  return call("sign_review", { reviewId });
}

/** Access: pupil. */
export function amendReview(reviewId: number, reason: string, text: string): Promise<Review> {
  return call("amend_review", { reviewId, reason, text });
}

/** Access: pupil. */
export function progressSeries(goalId: number): Promise<Array<ProgressPoint>> {
  return call("progress_series", { goalId });
}

/** Access: pupil. */
export function planTimeline(planId: number): Promise<PlanTimeline> {
  return call("plan_timeline", { planId });
}

/** Access: signed_in. */
export function reviewSignOff(): Promise<ReviewSignOff> {
  return call("review_sign_off");
}

/** Access: lead. */
export function setReviewSignOff(value: ReviewSignOff): Promise<null> {
  return call("set_review_sign_off", { value });
}

/** Access: pupil. */
export function renewPlan(planId: number, input: RenewPlanRequest): Promise<PlanView> {
  return call("renew_plan", { planId, input });
}

/**
 * Audits a print of a plan or review (the window then calls `window.print()`).
 * Access: pupil.
 */
export function recordPrint(what: PrintTarget, id: number): Promise<null> {
  return call("record_print", { what, id });
}

/**
 * Saves the print view the window shows as a PDF at `path` (chosen), after the same check
 * and audit as a print.
 * Access: pupil.
 */
export function savePdf(what: PrintTarget, id: number, path: string): Promise<null> {
  return call("save_pdf", { what, id, path });
}

/** Access: lead. */
export function overview(query: OverviewQuery | null): Promise<Overview> {
  return call("overview", { query });
}

/** Access: lead. */
export function supervisionOptions(): Promise<Array<Supervisee>> {
  return call("supervision_options");
}

/** Access: lead. */
export function recordSupervisionNote(input: SupervisionNoteInput): Promise<SupervisionNote> {
  return call("record_supervision_note", { input });
}

/**
 * A lead's every note (or one key adult's); a key adult's own.
 * Access: signed_in.
 */
export function listSupervisionNotes(keyAdultId: string | null): Promise<Array<SupervisionNote>> {
  return call("list_supervision_notes", { keyAdultId });
}

/** Access: signed_in. */
export function getSupervisionNote(noteId: number): Promise<SupervisionNote> {
  return call("get_supervision_note", { noteId });
}

/** Access: lead. */
export function correctSupervisionNote(noteId: number, input: SupervisionNoteInput, reason: string): Promise<SupervisionNote> {
  return call("correct_supervision_note", { noteId, input, reason });
}

/** Access: lead. */
export function withdrawSupervisionNote(noteId: number, reason: string): Promise<SupervisionNote> {
  return call("withdraw_supervision_note", { noteId, reason });
}

/**
 * `period`: "2025-26" or "2025-26 autumn"; `k`: 3 to 100. Writes nothing.
 * Access: lead.
 */
export function summaryPreview(period: string, k: number): Promise<SummaryPreview> {
  return call("summary_preview", { period, k });
}

/**
 * Writes the summary's three files into `folder` (chosen). Progress for `op`;
 * `cancel_work(op)` before the files are renamed into place writes nothing.
 * Access: lead.
 */
export function exportSummary(period: string, k: number, folder: string, includeSchoolName: boolean, replaceExisting: boolean, op: string): Promise<ExportedFiles> {
  return call("export_summary", { period, k, folder, includeSchoolName, replaceExisting, op });
}

/**
 * The heading of one school's summary file (chosen).
 * Access: signed_in.
 */
export function inspectSummary(path: string): Promise<SummaryFileInfo> {
  return call("inspect_summary", { path });
}

/**
 * Merges several schools' summary files (each chosen) into `folder` (chosen). Progress
 * for `op`; `cancel_work(op)` before the files are renamed into place writes nothing.
 * Access: lead.
 */
export function mergeSummaries(paths: Array<string>, folder: string, replaceExisting: boolean, op: string): Promise<MergeReport> {
  return call("merge_summaries", { paths, folder, replaceExisting, op });
}
