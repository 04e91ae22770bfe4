//! The Tauri shell of Attune: a window, the IPC commands, and auto-locking. It holds no
//! business rules and no SQL: commands check the session and call the Tauri-free crates in
//! `src-tauri/crates/` (see ARCHITECTURE.md).

pub mod api;
pub mod dto;
mod error;
mod lead;
mod records;
mod reviews;
mod safety;
pub mod state;
mod watch;
pub mod work;

use std::path::PathBuf;

use tauri::{Manager, RunEvent};

pub use safety::ChosenPaths;
pub use state::AppState;

/// Run the app on `vault_dir`, or on `<app data>/vault` when none is given.
pub fn run(vault_dir: Option<PathBuf>) {
    let app = tauri::Builder::default()
        // A second launch focuses the first window instead of opening the vault twice
        // (the vault folder's lock refuses a second opener anyway).
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        // The native file chooser, shown only by our own `choose_path` command: the capability
        // grants none of the plugin's own commands to the page (see safety.rs).
        .plugin(tauri_plugin_dialog::init())
        .manage(safety::ChosenPaths::default())
        .setup(move |app| {
            let dir = match vault_dir.clone() {
                Some(d) => d,
                None => app.path().app_data_dir()?.join("vault"),
            };
            app.manage(AppState::new(dir));
            watch::spawn(app.handle().clone());
            Ok(())
        })
        .invoke_handler(api::handler())
        .build(tauri::generate_context!())
        .expect("Attune could not start its window");
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Close the database cleanly and wipe the key before the process ends.
            if let Some(state) = handle.try_state::<AppState>() {
                state.lock("exit");
            }
        }
    });
}

#[cfg(test)]
mod api_tests;
#[cfg(test)]
mod role_matrix;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod work_tests;
