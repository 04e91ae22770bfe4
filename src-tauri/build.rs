// The app's own commands are declared here so Tauri generates a permission for each; the
// capability file (src-tauri/capabilities/main.json) grants exactly these and nothing else.
const COMMANDS: &[&str] = &[
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
    "change_passphrase",
    "list_users",
    "add_user",
    "remove_user",
    "set_auto_lock_minutes",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
