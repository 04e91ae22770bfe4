//! Every IPC command, declared once.
//!
//! Each line of the [`api!`] table below names a command, its access class, its arguments
//! (as the window sends them, snake_case here, camelCase in JavaScript), what it returns, and
//! the one call it makes. From that one table come:
//! - the `#[tauri::command]` functions, all `async`: the work runs on Tauri's blocking pool
//!   (`spawn_blocking`), never on the thread that draws the window;
//! - [`handler`], the `generate_handler!` list the app and the tests install;
//! - [`COMMANDS`], the list the tests turn into `src-tauri/commands.txt` (read by `build.rs`
//!   to make one permission per command), `capabilities/main.json`, the TypeScript functions in
//!   `ui/src/lib/commands.ts`, and the rows the role matrix (`src-tauri/role_matrix.toml`) must
//!   have. A test fails when any of those files is stale
//!   (`UPDATE_BINDINGS=1 cargo test -p attune bindings` writes them afresh).
//!
//! A new command is one line here and its operation in a crate; nothing else is hand-kept.
//!
//! The access class says who may call it, and the role matrix checks that it is so; the check
//! itself is made by the crate the command calls (the shell holds no rules):
//! - `open`: no session needed (start-up, setup, unlock, choosing a file, reading a backup's header);
//! - `signed_in`: any unlocked session;
//! - `pupil`: a session with access to the pupil the arguments name (through a plan, goal,
//!   review…): a strategic lead, or that pupil's key adult;
//! - `lead`: a strategic lead's session.

use tauri::{AppHandle, Manager, Runtime, WebviewWindow};

use crate::dto::*;
use crate::error::{CmdResult, CommandError};
use attune_export::{ExportOptions, MergeOptions};

use crate::safety::ChosenPaths;
use crate::state::{self, AppState};
use crate::work;

/// Who may call a command (see the module's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Open,
    SignedIn,
    Pupil,
    Lead,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Open => "open",
            Access::SignedIn => "signed_in",
            Access::Pupil => "pupil",
            Access::Lead => "lead",
        }
    }
}

/// A type's TypeScript spelling, computed from the Rust type (see [`ts_name`]).
pub type TsType = fn() -> String;

/// One command as the table declares it. Types are given as functions returning their
/// TypeScript spelling (from ts-rs), so the bindings follow the Rust types.
pub struct CommandSpec {
    pub name: &'static str,
    pub access: Access,
    pub doc: &'static str,
    pub args: &'static [(&'static str, TsType)],
    pub returns: TsType,
}

/// The TypeScript spelling of a Rust type: ts-rs's name, with its 64-bit integers as the
/// `number` they are on the wire (every id and count fits in 2^53).
pub fn ts_name<T: ts_rs::TS + ?Sized>() -> String {
    T::name().replace("bigint", "number")
}

fn joined<T>(r: Result<CmdResult<T>, tauri::Error>) -> CmdResult<T> {
    r.unwrap_or_else(|_| {
        Err(CommandError::internal(
            "That did not finish: something went wrong inside Attune. Nothing was changed by the part that failed; try again.",
        ))
    })
}

/// One async command over the blocking pool (given the app handle too when its body names a
/// third parameter: long work reporting progress, see work.rs), or (`window`) one that needs
/// the window and awaits its own work.
macro_rules! command_fn {
    (blocking; $(#[doc = $doc:literal])*; $name:ident; ($($arg:ident : $ty:ty),*); $ret:ty;
     |$s:ident, $c:ident $(, $app:ident)?| $body:expr) => {
        $(#[doc = $doc])*
        #[tauri::command]
        pub async fn $name<R: Runtime>(app: AppHandle<R>, $($arg: $ty),*) -> CmdResult<$ret> {
            joined(
                tauri::async_runtime::spawn_blocking(move || {
                    let $s = app.state::<AppState>();
                    let $s: &AppState = &$s;
                    let $c = app.state::<ChosenPaths>();
                    let $c: &ChosenPaths = &$c;
                    $c.forget_after_lock($s.locks());
                    $(let $app = &app;)?
                    $body
                })
                .await,
            )
        }
    };
    (window; $(#[doc = $doc:literal])*; $name:ident; ($($arg:ident : $ty:ty),*); $ret:ty;
     |$s:ident, $c:ident, $app:ident, $win:ident| $body:expr) => {
        $(#[doc = $doc])*
        #[tauri::command]
        pub async fn $name<R: Runtime>(
            $app: AppHandle<R>,
            $win: WebviewWindow<R>,
            $($arg: $ty),*
        ) -> CmdResult<$ret> {
            let $s = $app.state::<AppState>();
            let $s: &AppState = &$s;
            let $c = $app.state::<ChosenPaths>();
            let $c: &ChosenPaths = &$c;
            $c.forget_after_lock($s.locks());
            $body
        }
    };
}

macro_rules! api {
    ($(
        $(#[doc = $doc:literal])*
        $access:ident $kind:ident $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
            = |$($p:ident),*| $body:expr ;
    )*) => {
        pub mod commands {
            use super::*;
            $(command_fn!($kind; $(#[doc = $doc])*; $name; ($($arg : $ty),*); $ret; |$($p),*| $body);)*
        }

        /// The handler the app (and the tests, on the mock runtime) install: every command.
        pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            use commands::*;
            tauri::generate_handler![$($name),*]
        }

        /// Every command, in the table's order.
        pub const COMMANDS: &[CommandSpec] = &[$(
            CommandSpec {
                name: stringify!($name),
                access: api!(@access $access),
                doc: concat!($($doc, "\n"),*),
                args: &[$((stringify!($arg), ts_name::<$ty> as TsType)),*],
                returns: ts_name::<$ret>,
            },
        )*];
    };
    (@access open) => { Access::Open };
    (@access signed_in) => { Access::SignedIn };
    (@access pupil) => { Access::Pupil };
    (@access lead) => { Access::Lead };
}

api! {
    // ----- the session: setup, unlock, lock, users -----------------------------------------------

    /// Where the app stands: first run, locked (with the users to choose from) or unlocked.
    open blocking app_status() -> AppStatus = |s, _c| s.status();
    /// Strength advice for the meter; `name` and `school` are hints (either may be "").
    open blocking passphrase_strength(passphrase: String, name: String, school: String) -> PassphraseStrength
        = |_s, _c| Ok(state::passphrase_strength(passphrase, &name, &school));
    /// Checks the first-run answers and returns the recovery key to write down (nothing written yet).
    open blocking begin_setup(req: SetupRequest) -> SetupPending = |s, _c| s.begin_setup(req);
    /// `typed` is in the order of `SetupPending.confirm_positions`; creates the vault.
    open blocking finish_setup(typed: Vec<String>) -> AppStatus = |s, _c| s.finish_setup(typed);
    open blocking cancel_setup() -> () = |s, _c| { s.cancel_setup(); Ok(()) };
    open blocking unlock(user_id: String, passphrase: String) -> AppStatus = |s, _c| s.unlock(&user_id, passphrase);
    open blocking unlock_with_recovery(user_id: String, recovery_key: String) -> AppStatus
        = |s, _c| s.unlock_with_recovery(&user_id, recovery_key);
    /// After unlocking with the recovery key: the new passphrase for the person who did.
    signed_in blocking reset_passphrase(passphrase: String) -> AppStatus = |s, _c| s.reset_passphrase(passphrase);
    open blocking lock() -> AppStatus = |s, _c| { s.lock("manual"); s.status() };
    /// Tells the backend someone is using the app, so it does not lock for idleness.
    open blocking touch() -> () = |s, _c| { s.touch(); Ok(()) };
    /// Stops the long work the window started as `op` (a backup, an export…) at its next step;
    /// it undoes what it began and answers `cancelled`. Open: a restore runs locked, and
    /// stopping only ever stops work this window started.
    open blocking cancel_work(op: String) -> () = |s, _c| { s.works().cancel(&op); Ok(()) };
    signed_in blocking change_passphrase(current: String, new: String) -> () = |s, _c| s.change_passphrase(current, new);
    signed_in blocking list_users() -> Vec<UserInfo> = |s, _c| s.list_users();
    lead blocking add_user(req: NewUserRequest) -> UserInfo = |s, _c| s.add_user(req);
    lead blocking remove_user(user_id: String) -> Vec<UserInfo> = |s, _c| s.remove_user(&user_id);
    /// Resets another user's passphrase: returns the one-time code (4 groups of 5) to show the
    /// lead once; the user unlocks with it and must then choose a new passphrase.
    lead blocking reset_user_passphrase(user_id: String) -> String = |s, _c| s.reset_user_passphrase(&user_id);
    /// Makes a new recovery key and drops the old one at once: returns the new key's 8 groups,
    /// to show once.
    lead blocking replace_recovery_key() -> Vec<String> = |s, _c| s.replace_recovery_key();
    lead blocking set_auto_lock_minutes(minutes: u32) -> SessionInfo = |s, _c| s.set_auto_lock_minutes(minutes);

    // ----- pupils (attune_domain::record::pupils) ---------------------------------------------------------

    /// The pupils the session may see, filtered and sorted.
    signed_in blocking caseload(query: Option<CaseloadQuery>) -> Vec<CaseloadRow> = |s, _c| s.caseload(query);
    lead blocking add_pupil(input: PupilInput) -> Pupil = |s, _c| s.add_pupil(input);
    /// A change of care status or support level takes effect from `takes_effect_from`
    /// ("YYYY-MM-DD"; today when not given).
    lead blocking update_pupil(pupil_id: i64, input: PupilInput, takes_effect_from: Option<String>) -> Pupil
        = |s, _c| s.update_pupil(pupil_id, input, takes_effect_from);
    /// Corrects the day a change of care status or support level took effect.
    lead blocking correct_status_change(change_id: i64, effective_from: String) -> Vec<StatusChange>
        = |s, _c| s.correct_status_change(change_id, effective_from);
    /// Removes a change of care status or support level recorded in error.
    lead blocking remove_status_change(change_id: i64) -> Vec<StatusChange>
        = |s, _c| s.remove_status_change(change_id);
    /// `key_adult_id` null ends the current assignment; `from` is "YYYY-MM-DD" (today when null).
    lead blocking assign_key_adult(pupil_id: i64, key_adult_id: Option<String>, from: Option<String>) -> ()
        = |s, _c| s.assign_key_adult(pupil_id, key_adult_id, from);
    lead blocking mark_left(pupil_id: i64, left_on: String) -> () = |s, _c| s.mark_left(pupil_id, left_on);
    lead blocking archive_pupil(pupil_id: i64) -> () = |s, _c| s.archive_pupil(pupil_id);
    pupil blocking get_pupil(pupil_id: i64) -> Pupil = |s, _c| s.get_pupil(pupil_id);
    /// A pupil's whole page, with the `session_limit` most recent sessions.
    pupil blocking open_pupil(pupil_id: i64, session_limit: Option<u32>) -> PupilRecord
        = |s, _c| s.open_pupil(pupil_id, session_limit);

    // ----- profile and team (attune_domain::record::profile) ---------------------------------------------

    pupil blocking save_profile(pupil_id: i64, profile: Profile) -> () = |s, _c| s.save_profile(pupil_id, profile);
    pupil blocking add_agency_advice(pupil_id: i64, input: AgencyAdviceInput) -> i64
        = |s, _c| s.add_agency_advice(pupil_id, input);
    pupil blocking delete_agency_advice(advice_id: i64) -> () = |s, _c| s.delete_agency_advice(advice_id);
    pupil blocking set_team(pupil_id: i64, members: Vec<TeamMemberInput>) -> Vec<TeamMember>
        = |s, _c| s.set_team(pupil_id, members);

    // ----- plans and goals (attune_domain::planning::plans) -------------------------------------------------

    /// The horizon comes as 2 or 3 years; its end date is worked out in the domain.
    pupil blocking start_plan(pupil_id: i64, input: PlanRequest) -> PlanView = |s, _c| s.start_plan(pupil_id, input.resolve()?);
    pupil blocking get_plan(plan_id: i64) -> PlanView = |s, _c| s.get_plan(plan_id);
    /// Every plan the pupil has had, the current one first (earlier plans stay reachable).
    pupil blocking list_plans(pupil_id: i64) -> Vec<PlanSummary> = |s, _c| s.list_plans(pupil_id);
    pupil blocking change_cadence(plan_id: i64, cadence: Cadence) -> PlanView = |s, _c| s.change_cadence(plan_id, cadence);
    pupil blocking close_plan(plan_id: i64) -> () = |s, _c| s.close_plan(plan_id);
    pupil blocking add_goal(plan_id: i64, input: GoalInput) -> Goal = |s, _c| s.add_goal(plan_id, input);
    pupil blocking update_goal(goal_id: i64, input: GoalInput) -> Goal = |s, _c| s.update_goal(goal_id, input);
    pupil blocking set_goal_status(goal_id: i64, status: GoalStatus) -> () = |s, _c| s.set_goal_status(goal_id, status);
    /// The built-in frameworks and the school's own.
    signed_in blocking list_frameworks() -> Vec<Framework> = |s, _c| s.list_frameworks();
    /// `text` is the framework file's content (the window reads the file; no path crosses).
    lead blocking add_framework(text: String) -> Framework = |s, _c| s.add_framework(text);

    // ----- sessions, chronology, scores, indicators (attune_domain::record::records) ----------------------

    pupil blocking log_session(pupil_id: i64, input: SessionInput) -> SessionEntry = |s, _c| s.log_session(pupil_id, input);
    /// The school's words that bring up the session form's safeguarding reminder.
    signed_in blocking safeguarding_words() -> Vec<String> = |s, _c| s.safeguarding_words();
    /// Sets them (one word or phrase each); returns the list as kept.
    lead blocking set_safeguarding_words(words: Vec<String>) -> Vec<String> = |s, _c| s.set_safeguarding_words(words);
    pupil blocking list_sessions(pupil_id: i64, limit: Option<u32>) -> Vec<SessionEntry>
        = |s, _c| s.list_sessions(pupil_id, limit);
    /// Every session of the pupil's time, a page at a time, by kind and dates.
    pupil blocking page_sessions(pupil_id: i64, query: SessionQuery) -> SessionPage
        = |s, _c| s.page_sessions(pupil_id, query);
    pupil blocking add_chronology_event(pupil_id: i64, input: ChronologyInput) -> ChronologyEvent
        = |s, _c| s.add_chronology_event(pupil_id, input);
    pupil blocking add_score(pupil_id: i64, input: ScoreInput) -> InstrumentScore = |s, _c| s.add_score(pupil_id, input);
    pupil blocking set_indicators(pupil_id: i64, input: IndicatorsInput) -> () = |s, _c| s.set_indicators(pupil_id, input);

    // ----- correcting or withdrawing an entry (attune_domain::record::corrections) ---------------------------

    /// New values for a session, with the reason; the values replaced are kept.
    pupil blocking correct_session(session_id: i64, input: SessionInput, reason: String) -> SessionEntry
        = |s, _c| s.correct_session(session_id, input, reason);
    pupil blocking correct_chronology_event(event_id: i64, input: ChronologyInput, reason: String) -> ChronologyEvent
        = |s, _c| s.correct_chronology_event(event_id, input, reason);
    pupil blocking correct_score(score_id: i64, input: ScoreInput, reason: String) -> InstrumentScore
        = |s, _c| s.correct_score(score_id, input, reason);
    pupil blocking correct_indicators(indicators_id: i64, input: IndicatorsInput, reason: String) -> TermlyIndicators
        = |s, _c| s.correct_indicators(indicators_id, input, reason);
    /// Withdraws a session, chronology event, score or term's indicators, with the reason.
    pupil blocking withdraw_entry(kind: EntryKind, entry_id: i64, reason: String) -> ()
        = |s, _c| s.withdraw_entry(kind, entry_id, reason);
    /// `text` is the CSV file's content.
    lead blocking import_indicators_csv(text: String, mode: ImportMode) -> IndicatorImportOutcome
        = |s, _c| s.import_indicators_csv(text, mode);

    // ----- pupil import (attune_domain::transfer::import) ---------------------------------------------------

    /// The header row of a CSV file's content.
    signed_in blocking read_header(text: String) -> CsvHeader = |s, _c| s.read_header(text);
    /// The column mapping guessed from a header row.
    signed_in blocking suggest_mapping(headers: Vec<String>) -> ColumnMapping = |s, _c| s.suggest_mapping(headers);
    /// What an import would do with this mapping: the good rows and every bad line. Writes nothing.
    lead blocking parse(text: String, mapping: ColumnMapping) -> ImportPreview = |s, _c| s.parse(text, mapping);
    /// Progress for `op`; `cancel_work(op)` before it commits imports nobody (rolled back).
    lead blocking import_pupils(preview: ImportPreview, mode: ImportMode, op: String) -> ImportOutcome
        = |s, _c, app| work::run(app, &op, true, |w| s.import_pupils_with(preview, mode, w));
    /// What `import_pupils` would do, writing nothing.
    lead blocking check_import(preview: ImportPreview, mode: ImportMode) -> ImportOutcome
        = |s, _c| s.check_import(preview, mode);

    // ----- update from the MIS (attune_domain::transfer::mis_update), rollover (record::rollover)

    /// What updating the pupils held from this CSV content would do. Writes nothing.
    lead blocking preview_mis_update(text: String, mapping: ColumnMapping) -> UpdatePreview
        = |s, _c| s.preview_mis_update(text, mapping);
    /// Applies the update with the lead's choices (the file is read again), in one transaction.
    lead blocking apply_mis_update(text: String, mapping: ColumnMapping, choices: UpdateChoices) -> UpdateOutcome
        = |s, _c| s.apply_mis_update(text, mapping, choices);
    /// The school year the year groups are for ("2026-27"), once a rollover set it.
    signed_in blocking school_year() -> Option<String> = |s, _c| s.school_year();
    /// What starting the school year `to` would do. Writes nothing.
    lead blocking preview_rollover(to: String, last_year: Option<String>) -> RolloverPreview
        = |s, _c| s.preview_rollover(to, last_year);
    /// Starts the new school year: year groups move on, the chosen leavers are marked left.
    lead blocking apply_rollover(choices: RolloverChoices) -> RolloverOutcome = |s, _c| s.apply_rollover(choices);

    // ----- search, drafts, the school's calendars and lists --------------------------------------

    /// Search the records the session may see.
    signed_in blocking search(text: String, limit: Option<u32>) -> Vec<SearchHit> = |s, _c| s.search(text, limit);
    signed_in blocking save_draft(form_key: String, content: String) -> Draft = |s, _c| s.save_draft(form_key, content);
    signed_in blocking load_draft(form_key: String) -> Option<Draft> = |s, _c| s.load_draft(form_key);
    signed_in blocking list_drafts() -> Vec<Draft> = |s, _c| s.list_drafts();
    signed_in blocking delete_draft(form_key: String) -> () = |s, _c| s.delete_draft(form_key);
    signed_in blocking school_calendars() -> CalendarsView = |s, _c| s.school_calendars();
    lead blocking save_school_calendar(calendar: SchoolCalendar) -> CalendarsView = |s, _c| s.save_school_calendar(calendar);
    lead blocking delete_school_calendar(year_label: String) -> CalendarsView = |s, _c| s.delete_school_calendar(year_label);
    signed_in blocking pick_lists() -> PickLists = |s, _c| s.pick_lists();
    lead blocking add_list_item(list: ListKind, label: String) -> () = |s, _c| s.add_list_item(list, label);
    lead blocking rename_list_item(list: ListKind, old: String, new: String) -> () = |s, _c| s.rename_list_item(list, old, new);
    /// `labels`: every item of the list (retired ones too), in the new order.
    lead blocking reorder_list(list: ListKind, labels: Vec<String>) -> () = |s, _c| s.reorder_list(list, labels);
    /// `retired`: true retires the item (no longer offered; kept on records), false brings it back.
    lead blocking retire_list_item(list: ListKind, label: String, retired: bool) -> () = |s, _c| s.retire_list_item(list, label, retired);

    // ----- the audit log ---------------------------------------------------------------------------

    lead blocking audit_entries(query: Option<AuditQuery>) -> Vec<AuditEntry> = |s, _c| s.audit_entries(query);
    /// Progress for `op`; `cancel_work(op)` stops the check (it only reads).
    lead blocking verify_audit(op: String) -> AuditVerification
        = |s, _c, app| work::run(app, &op, true, |w| s.verify_audit_with(w));
    /// The full check of the vault (every page's seal, the database's structure, the audit
    /// chain, the key slots), progress for `op`; `cancel_work(op)` stops it (it only reads).
    /// Any signed-in adult: it reads no record, and a key adult's laptop is theirs to check.
    signed_in blocking check_vault(op: String) -> VaultCheck
        = |s, _c, app| work::run(app, &op, true, |w| s.check_vault_with(w));

    // ----- moving data safely (safety/*.rs): only paths the person chose --------------------------

    /// The native chooser; the chosen path (remembered for its use) or null when cancelled.
    open window choose_path(req: ChoosePathRequest) -> Option<String>
        = |_s, c, app, window| crate::safety::choose(app.clone(), window, c, req).await;
    /// Writes an encrypted backup of the whole vault into `folder` and checks it end to end
    /// (strategic lead only: it is every pupil; a key adult's attempt is refused and audited).
    /// Progress as `work-progress` events for `op`; `cancel_work(op)` stops it, leaving no file.
    lead blocking backup_now(folder: String, op: String) -> BackupDone
        = |s, c, app| {
            let folder = c.require(PathKind::Folder, &folder)?;
            work::run(app, &op, true, |w| s.backup_now(&folder, w))
        };
    signed_in blocking auto_backups() -> AutoBackups = |s, _c| s.auto_backups();
    lead blocking set_auto_backup_keep(keep: u32) -> AutoBackups = |s, _c| s.set_auto_backup_keep(keep);
    /// What a backup file says about itself, before any passphrase.
    open blocking inspect_backup(path: String) -> BackupSummary = |s, c| s.inspect_backup(&c.require(PathKind::Open, &path)?);
    /// Unlocks a backup with one of its key slots and checks it, restoring nothing.
    open blocking open_backup(path: String, user_id: String, secret: String, recovery_key: bool) -> BackupOpened
        = |s, c| s.open_backup(&c.require(PathKind::Open, &path)?, &user_id, secret, recovery_key);
    /// Restores the vault from a backup (a strategic lead in it); the app is locked afterwards.
    /// Progress for `op`; `cancel_work(op)` stops it until the vault is being replaced.
    open blocking restore_backup(path: String, user_id: String, secret: String, recovery_key: bool, op: String) -> RestoreDone
        = |s, c, app| {
            let path = c.require(PathKind::Open, &path)?;
            work::run(app, &op, false, |w| s.restore_backup_with(&path, &user_id, secret, recovery_key, w))
        };
    lead blocking subject_access_document(pupil_id: i64) -> SarDocument = |s, _c| s.subject_access_document(pupil_id);
    lead blocking save_subject_access_document(pupil_id: i64, path: String) -> SavedFile
        = |s, c| s.save_subject_access_document(pupil_id, &c.require(PathKind::Save, &path)?);
    lead blocking export_handover(pupil_id: i64, folder: String) -> HandoverExported
        = |s, c| s.export_handover(pupil_id, &c.require(PathKind::Folder, &folder)?);
    lead blocking inspect_handover(path: String) -> HandoverSummary = |s, c| s.inspect_handover(&c.require(PathKind::Open, &path)?);
    lead blocking import_handover(path: String, passphrase: String, key_adult_id: Option<String>) -> Pupil
        = |s, c| s.import_handover(&c.require(PathKind::Open, &path)?, passphrase, key_adult_id);
    lead blocking preview_handover_merge(path: String, passphrase: String, pupil_id: Option<i64>) -> MergePreview
        = |s, c| s.preview_handover_merge(&c.require(PathKind::Open, &path)?, passphrase, pupil_id);
    lead blocking merge_handover(path: String, passphrase: String, pupil_id: i64, choices: MergeChoices) -> MergeOutcome
        = |s, c| s.merge_handover(&c.require(PathKind::Open, &path)?, passphrase, pupil_id, choices);
    signed_in blocking retention_years() -> u32 = |s, _c| s.retention_years();
    lead blocking set_retention_years(years: u32) -> u32 = |s, _c| s.set_retention_years(years);
    lead blocking retention_due() -> Vec<RetentionDueRow> = |s, _c| s.retention_due();
    lead blocking erase_pupil(pupil_id: i64) -> () = |s, _c| s.erase_pupil(pupil_id);
    lead blocking erase_pupil_on_request(pupil_id: i64, reason: String) -> ()
        = |s, _c| s.erase_pupil_on_request(pupil_id, &reason);

    // ----- several laptops, one school (attune_domain::transfer::{enrol, sync}) -------------------

    /// Where this vault stands in the school's sync: a school vault (with its laptops, for a
    /// strategic lead) or a key adult's laptop (when it last synced).
    signed_in blocking sync_status() -> SyncStatus = |s, _c| s.sync_status();
    /// Writes the enrolment file for key adult `user_id`'s laptop into `folder` (chosen) and
    /// returns its one-time passphrase, shown once (strategic lead, school vault; audited).
    lead blocking enrol_laptop(user_id: String, folder: String) -> LaptopEnrolled
        = |s, c| s.enrol_laptop(&user_id, &c.require(PathKind::Folder, &folder)?);
    /// What an enrolment file (chosen) says about itself, before any passphrase.
    open blocking inspect_enrolment(path: String) -> EnrolmentSummary
        = |s, c| s.inspect_enrolment(&c.require(PathKind::Open, &path)?);
    /// First run on a key adult's laptop: its vault from the enrolment file (chosen), opened with
    /// the lead's one-time passphrase and protected by the key adult's own `passphrase`.
    open blocking join_school(path: String, one_time: String, passphrase: String) -> AppStatus
        = |s, c| s.join_school(&c.require(PathKind::Open, &path)?, one_time, passphrase);
    /// Writes the next sync file into `folder` (chosen): a laptop's for the school, or the
    /// school's for laptop `for_laptop` (strategic lead). The crate decides who may.
    signed_in blocking sync_export(for_laptop: Option<u16>, folder: String) -> SyncFileWritten
        = |s, c| s.sync_export(for_laptop, &c.require(PathKind::Folder, &folder)?);
    /// Takes in a sync file (chosen): a laptop's at the school, the school's on a laptop.
    signed_in blocking sync_import(path: String) -> SyncSummary
        = |s, c| s.sync_import(&c.require(PathKind::Open, &path)?);
    /// Values changed in two places, each beside the one kept, for a person to choose.
    signed_in blocking sync_conflicts() -> Vec<SyncConflict> = |s, _c| s.sync_conflicts();
    /// Keep the value now or take the other (sent on at the next sync); what is left to choose.
    signed_in blocking resolve_sync_conflict(id: i64, choice: ConflictChoice) -> Vec<SyncConflict>
        = |s, _c| s.resolve_sync_conflict(id, choice);

    // ----- plan reviews, progress, renewal, printing (attune_domain::planning::reviews) ---------------------

    pupil blocking list_reviews(plan_id: i64) -> Vec<ReviewSlot> = |s, _c| s.list_reviews(plan_id);
    /// `due_date` is "YYYY-MM-DD", one of the plan's due dates.
    pupil blocking prepare_review(plan_id: i64, due_date: String) -> Review = |s, _c| s.prepare_review(plan_id, &due_date);
    pupil blocking get_review(review_id: i64) -> Review = |s, _c| s.get_review(review_id);
    pupil blocking save_review_draft(review_id: i64, input: ReviewInput) -> Review = |s, _c| s.save_review_draft(review_id, input);
    pupil blocking sign_review(review_id: i64) -> Review = |s, _c| s.sign_review(review_id);
    pupil blocking amend_review(review_id: i64, reason: String, text: String) -> Review
        = |s, _c| s.amend_review(review_id, &reason, &text);
    pupil blocking progress_series(goal_id: i64) -> Vec<ProgressPoint> = |s, _c| s.progress_series(goal_id);
    pupil blocking plan_timeline(plan_id: i64) -> PlanTimeline = |s, _c| s.plan_timeline(plan_id);
    signed_in blocking review_sign_off() -> ReviewSignOff = |s, _c| s.review_sign_off();
    lead blocking set_review_sign_off(value: ReviewSignOff) -> () = |s, _c| s.set_review_sign_off(value);
    pupil blocking renew_plan(plan_id: i64, input: RenewPlanRequest) -> PlanView = |s, _c| s.renew_plan(plan_id, input.resolve()?);
    /// Audits a print of a plan or review (the window then calls `window.print()`).
    pupil blocking record_print(what: PrintTarget, id: i64) -> () = |s, _c| s.record_print(what, id, false);
    /// Saves the print view the window shows as a PDF at `path` (chosen), after the same check
    /// and audit as a print.
    pupil window save_pdf(what: PrintTarget, id: i64, path: String) -> ()
        = |s, c, _app, window| crate::reviews::save_pdf(s, c, &window, what, id, &path).await;

    // ----- the strategic lead's overview, supervision notes and summaries -------------------------

    lead blocking overview(query: Option<OverviewQuery>) -> Overview = |s, _c| s.overview(query);
    lead blocking supervision_options() -> Vec<Supervisee> = |s, _c| s.supervision_options();
    lead blocking record_supervision_note(input: SupervisionNoteInput) -> SupervisionNote
        = |s, _c| s.record_supervision_note(input);
    /// A lead's every note (or one key adult's); a key adult's own.
    signed_in blocking list_supervision_notes(key_adult_id: Option<String>) -> Vec<SupervisionNote>
        = |s, _c| s.list_supervision_notes(key_adult_id);
    signed_in blocking get_supervision_note(note_id: i64) -> SupervisionNote = |s, _c| s.get_supervision_note(note_id);
    lead blocking correct_supervision_note(note_id: i64, input: SupervisionNoteInput, reason: String) -> SupervisionNote
        = |s, _c| s.correct_supervision_note(note_id, input, reason);
    lead blocking withdraw_supervision_note(note_id: i64, reason: String) -> SupervisionNote
        = |s, _c| s.withdraw_supervision_note(note_id, reason);
    /// `period`: "2025-26" or "2025-26 autumn"; `k`: 3 to 100. Writes nothing.
    lead blocking summary_preview(period: String, k: u32) -> SummaryPreview = |s, _c| s.summary_preview(&period, k);
    /// Writes the summary's three files into `folder` (chosen). Progress for `op`;
    /// `cancel_work(op)` before the files are renamed into place writes nothing.
    lead blocking export_summary(period: String, k: u32, folder: String, include_school_name: bool, replace_existing: bool, op: String) -> ExportedFiles
        = |s, c, app| {
            let options = ExportOptions { include_school_name, replace_existing };
            let folder = c.require(PathKind::Folder, &folder)?;
            work::run(app, &op, true, |w| s.export_summary_with(&period, k, &folder, &options, w))
        };
    /// The heading of one school's summary file (chosen).
    signed_in blocking inspect_summary(path: String) -> SummaryFileInfo = |s, c| s.inspect_summary(&c.require(PathKind::Open, &path)?);
    /// Merges several schools' summary files (each chosen) into `folder` (chosen). Progress
    /// for `op`; `cancel_work(op)` before the files are renamed into place writes nothing.
    lead blocking merge_summaries(paths: Vec<String>, folder: String, replace_existing: bool, op: String) -> MergeReport
        = |s, c, app| {
            let paths = c.require_all(PathKind::Open, &paths)?;
            let folder = c.require(PathKind::Folder, &folder)?;
            work::run(app, &op, true, |w| {
                s.merge_summaries_with(&paths, &folder, &MergeOptions { replace_existing }, w)
            })
        };
}
