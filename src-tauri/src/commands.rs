//! The IPC commands: each is a line or two over `AppState`, which checks the session and
//! calls the Tauri-free crates. Slow ones (Argon2id) are `async` so the window stays live.

use tauri::State;

use crate::dto::*;
use crate::error::CmdResult;
use crate::state::{self, AppState};

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.status()
}

#[tauri::command]
pub fn passphrase_strength(passphrase: String, name: String, school: String) -> PassphraseStrength {
    state::passphrase_strength(passphrase, &name, &school)
}

#[tauri::command]
pub async fn begin_setup(state: State<'_, AppState>, req: SetupRequest) -> CmdResult<SetupPending> {
    state.begin_setup(req)
}

#[tauri::command]
pub async fn finish_setup(state: State<'_, AppState>, typed: Vec<String>) -> CmdResult<AppStatus> {
    state.finish_setup(typed)
}

#[tauri::command]
pub fn cancel_setup(state: State<'_, AppState>) {
    state.cancel_setup()
}

#[tauri::command]
pub async fn unlock(
    state: State<'_, AppState>,
    user_id: String,
    passphrase: String,
) -> CmdResult<AppStatus> {
    state.unlock(&user_id, passphrase)
}

#[tauri::command]
pub async fn unlock_with_recovery(
    state: State<'_, AppState>,
    user_id: String,
    recovery_key: String,
) -> CmdResult<AppStatus> {
    state.unlock_with_recovery(&user_id, recovery_key)
}

#[tauri::command]
pub async fn reset_passphrase(
    state: State<'_, AppState>,
    passphrase: String,
) -> CmdResult<AppStatus> {
    state.reset_passphrase(passphrase)
}

#[tauri::command]
pub fn lock(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.lock("manual");
    state.status()
}

#[tauri::command]
pub fn touch(state: State<'_, AppState>) {
    state.touch()
}

#[tauri::command]
pub async fn change_passphrase(
    state: State<'_, AppState>,
    current: String,
    new: String,
) -> CmdResult<()> {
    state.change_passphrase(current, new)
}

#[tauri::command]
pub fn list_users(state: State<'_, AppState>) -> CmdResult<Vec<UserInfo>> {
    state.list_users()
}

#[tauri::command]
pub async fn add_user(state: State<'_, AppState>, req: NewUserRequest) -> CmdResult<UserInfo> {
    state.add_user(req)
}

#[tauri::command]
pub async fn remove_user(state: State<'_, AppState>, user_id: String) -> CmdResult<Vec<UserInfo>> {
    state.remove_user(&user_id)
}

#[tauri::command]
pub fn set_auto_lock_minutes(state: State<'_, AppState>, minutes: u32) -> CmdResult<SessionInfo> {
    state.set_auto_lock_minutes(minutes)
}

// ----- the school's records (issue 3): one command per operation of attune-domain, named as
// the domain names it, taking its inputs (JS sends camelCase keys: pupilId → pupil_id).

#[tauri::command]
pub fn caseload(
    state: State<'_, AppState>,
    query: Option<CaseloadQuery>,
) -> CmdResult<Vec<CaseloadRow>> {
    state.caseload(query)
}

#[tauri::command]
pub fn add_pupil(state: State<'_, AppState>, input: PupilInput) -> CmdResult<Pupil> {
    state.add_pupil(input)
}

#[tauri::command]
pub fn update_pupil(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: PupilInput,
) -> CmdResult<Pupil> {
    state.update_pupil(pupil_id, input)
}

#[tauri::command]
pub fn assign_key_adult(
    state: State<'_, AppState>,
    pupil_id: i64,
    key_adult_id: Option<String>,
    from: Option<String>,
) -> CmdResult<()> {
    state.assign_key_adult(pupil_id, key_adult_id, from)
}

#[tauri::command]
pub fn mark_left(state: State<'_, AppState>, pupil_id: i64, left_on: String) -> CmdResult<()> {
    state.mark_left(pupil_id, left_on)
}

#[tauri::command]
pub fn archive_pupil(state: State<'_, AppState>, pupil_id: i64) -> CmdResult<()> {
    state.archive_pupil(pupil_id)
}

#[tauri::command]
pub fn get_pupil(state: State<'_, AppState>, pupil_id: i64) -> CmdResult<Pupil> {
    state.get_pupil(pupil_id)
}

#[tauri::command]
pub fn open_pupil(
    state: State<'_, AppState>,
    pupil_id: i64,
    session_limit: Option<u32>,
) -> CmdResult<PupilRecord> {
    state.open_pupil(pupil_id, session_limit)
}

#[tauri::command]
pub fn save_profile(state: State<'_, AppState>, pupil_id: i64, profile: Profile) -> CmdResult<()> {
    state.save_profile(pupil_id, profile)
}

#[tauri::command]
pub fn add_agency_advice(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: AgencyAdviceInput,
) -> CmdResult<i64> {
    state.add_agency_advice(pupil_id, input)
}

#[tauri::command]
pub fn delete_agency_advice(state: State<'_, AppState>, advice_id: i64) -> CmdResult<()> {
    state.delete_agency_advice(advice_id)
}

#[tauri::command]
pub fn set_team(
    state: State<'_, AppState>,
    pupil_id: i64,
    members: Vec<TeamMemberInput>,
) -> CmdResult<Vec<TeamMember>> {
    state.set_team(pupil_id, members)
}

#[tauri::command]
pub fn start_plan(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: PlanInput,
) -> CmdResult<PlanView> {
    state.start_plan(pupil_id, input)
}

#[tauri::command]
pub fn get_plan(state: State<'_, AppState>, plan_id: i64) -> CmdResult<PlanView> {
    state.get_plan(plan_id)
}

#[tauri::command]
pub fn change_cadence(
    state: State<'_, AppState>,
    plan_id: i64,
    cadence: Cadence,
) -> CmdResult<PlanView> {
    state.change_cadence(plan_id, cadence)
}

#[tauri::command]
pub fn close_plan(state: State<'_, AppState>, plan_id: i64) -> CmdResult<()> {
    state.close_plan(plan_id)
}

#[tauri::command]
pub fn add_goal(state: State<'_, AppState>, plan_id: i64, input: GoalInput) -> CmdResult<Goal> {
    state.add_goal(plan_id, input)
}

#[tauri::command]
pub fn update_goal(state: State<'_, AppState>, goal_id: i64, input: GoalInput) -> CmdResult<Goal> {
    state.update_goal(goal_id, input)
}

#[tauri::command]
pub fn set_goal_status(
    state: State<'_, AppState>,
    goal_id: i64,
    status: GoalStatus,
) -> CmdResult<()> {
    state.set_goal_status(goal_id, status)
}

#[tauri::command]
pub fn list_frameworks(state: State<'_, AppState>) -> CmdResult<Vec<Framework>> {
    state.list_frameworks()
}

#[tauri::command]
pub fn add_framework(state: State<'_, AppState>, text: String) -> CmdResult<Framework> {
    state.add_framework(text)
}

#[tauri::command]
pub fn log_session(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: SessionInput,
) -> CmdResult<SessionEntry> {
    state.log_session(pupil_id, input)
}

#[tauri::command]
pub fn list_sessions(
    state: State<'_, AppState>,
    pupil_id: i64,
    limit: Option<u32>,
) -> CmdResult<Vec<SessionEntry>> {
    state.list_sessions(pupil_id, limit)
}

#[tauri::command]
pub fn add_chronology_event(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: ChronologyInput,
) -> CmdResult<ChronologyEvent> {
    state.add_chronology_event(pupil_id, input)
}

#[tauri::command]
pub fn add_score(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: ScoreInput,
) -> CmdResult<InstrumentScore> {
    state.add_score(pupil_id, input)
}

#[tauri::command]
pub fn set_indicators(
    state: State<'_, AppState>,
    pupil_id: i64,
    input: IndicatorsInput,
) -> CmdResult<()> {
    state.set_indicators(pupil_id, input)
}

#[tauri::command]
pub async fn import_indicators_csv(
    state: State<'_, AppState>,
    text: String,
    mode: ImportMode,
) -> CmdResult<IndicatorImportOutcome> {
    state.import_indicators_csv(text, mode)
}

#[tauri::command]
pub async fn read_header(state: State<'_, AppState>, text: String) -> CmdResult<CsvHeader> {
    state.read_header(text)
}

#[tauri::command]
pub fn suggest_mapping(
    state: State<'_, AppState>,
    headers: Vec<String>,
) -> CmdResult<ColumnMapping> {
    state.suggest_mapping(headers)
}

#[tauri::command]
pub async fn parse(
    state: State<'_, AppState>,
    text: String,
    mapping: ColumnMapping,
) -> CmdResult<ImportPreview> {
    state.parse(text, mapping)
}

#[tauri::command]
pub async fn import_pupils(
    state: State<'_, AppState>,
    preview: ImportPreview,
    mode: ImportMode,
) -> CmdResult<ImportOutcome> {
    state.import_pupils(preview, mode)
}

#[tauri::command]
pub async fn check_import(
    state: State<'_, AppState>,
    preview: ImportPreview,
    mode: ImportMode,
) -> CmdResult<ImportOutcome> {
    state.check_import(preview, mode)
}

#[tauri::command]
pub fn search(
    state: State<'_, AppState>,
    text: String,
    limit: Option<u32>,
) -> CmdResult<Vec<SearchHit>> {
    state.search(text, limit)
}

#[tauri::command]
pub fn save_draft(
    state: State<'_, AppState>,
    form_key: String,
    content: String,
) -> CmdResult<Draft> {
    state.save_draft(form_key, content)
}

#[tauri::command]
pub fn load_draft(state: State<'_, AppState>, form_key: String) -> CmdResult<Option<Draft>> {
    state.load_draft(form_key)
}

#[tauri::command]
pub fn list_drafts(state: State<'_, AppState>) -> CmdResult<Vec<Draft>> {
    state.list_drafts()
}

#[tauri::command]
pub fn delete_draft(state: State<'_, AppState>, form_key: String) -> CmdResult<()> {
    state.delete_draft(form_key)
}

#[tauri::command]
pub fn school_calendars(state: State<'_, AppState>) -> CmdResult<CalendarsView> {
    state.school_calendars()
}

#[tauri::command]
pub fn save_school_calendar(
    state: State<'_, AppState>,
    calendar: SchoolCalendar,
) -> CmdResult<CalendarsView> {
    state.save_school_calendar(calendar)
}

#[tauri::command]
pub fn delete_school_calendar(
    state: State<'_, AppState>,
    year_label: String,
) -> CmdResult<CalendarsView> {
    state.delete_school_calendar(year_label)
}

#[tauri::command]
pub fn pick_lists(state: State<'_, AppState>) -> CmdResult<PickLists> {
    state.pick_lists()
}

#[tauri::command]
pub fn add_list_item(state: State<'_, AppState>, list: ListKind, label: String) -> CmdResult<()> {
    state.add_list_item(list, label)
}

#[tauri::command]
pub fn rename_list_item(
    state: State<'_, AppState>,
    list: ListKind,
    old: String,
    new: String,
) -> CmdResult<()> {
    state.rename_list_item(list, old, new)
}

#[tauri::command]
pub fn audit_entries(
    state: State<'_, AppState>,
    query: Option<AuditQuery>,
) -> CmdResult<Vec<AuditEntry>> {
    state.audit_entries(query)
}

#[tauri::command]
pub fn verify_audit(state: State<'_, AppState>) -> CmdResult<AuditVerification> {
    state.verify_audit()
}
