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
