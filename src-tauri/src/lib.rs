//! The Tauri shell of Attune: a window, the IPC commands, and auto-locking. It holds no
//! business rules and no SQL: commands check the session and call the Tauri-free crates in
//! `src-tauri/crates/` (see ARCHITECTURE.md).

mod commands;
pub mod dto;
mod error;
mod lead;
mod records;
mod reviews;
mod safety;
pub mod state;
mod watch;

use std::path::PathBuf;

use tauri::{Manager, RunEvent};

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
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::passphrase_strength,
            commands::begin_setup,
            commands::finish_setup,
            commands::cancel_setup,
            commands::unlock,
            commands::unlock_with_recovery,
            commands::reset_passphrase,
            commands::lock,
            commands::touch,
            commands::change_passphrase,
            commands::list_users,
            commands::add_user,
            commands::remove_user,
            commands::set_auto_lock_minutes,
            commands::caseload,
            commands::add_pupil,
            commands::update_pupil,
            commands::assign_key_adult,
            commands::mark_left,
            commands::archive_pupil,
            commands::get_pupil,
            commands::open_pupil,
            commands::save_profile,
            commands::add_agency_advice,
            commands::delete_agency_advice,
            commands::set_team,
            commands::start_plan,
            commands::get_plan,
            commands::change_cadence,
            commands::close_plan,
            commands::add_goal,
            commands::update_goal,
            commands::set_goal_status,
            commands::list_frameworks,
            commands::add_framework,
            commands::log_session,
            commands::list_sessions,
            commands::add_chronology_event,
            commands::add_score,
            commands::set_indicators,
            commands::import_indicators_csv,
            commands::read_header,
            commands::suggest_mapping,
            commands::parse,
            commands::import_pupils,
            commands::check_import,
            commands::search,
            commands::save_draft,
            commands::load_draft,
            commands::list_drafts,
            commands::delete_draft,
            commands::school_calendars,
            commands::save_school_calendar,
            commands::delete_school_calendar,
            commands::pick_lists,
            commands::add_list_item,
            commands::rename_list_item,
            commands::audit_entries,
            commands::verify_audit,
            safety::choose_path,
            safety::backup_now,
            safety::auto_backups,
            safety::set_auto_backup_keep,
            safety::inspect_backup,
            safety::open_backup,
            safety::restore_backup,
            safety::subject_access_document,
            safety::save_subject_access_document,
            safety::export_handover,
            safety::inspect_handover,
            safety::import_handover,
            safety::retention_years,
            safety::set_retention_years,
            safety::retention_due,
            safety::erase_pupil,
            reviews::list_reviews,
            reviews::prepare_review,
            reviews::get_review,
            reviews::save_review_draft,
            reviews::sign_review,
            reviews::amend_review,
            reviews::progress_series,
            reviews::plan_timeline,
            reviews::review_sign_off,
            reviews::set_review_sign_off,
            reviews::renew_plan,
            reviews::record_print,
            reviews::save_pdf,
            lead::overview,
            lead::supervision_options,
            lead::record_supervision_note,
            lead::list_supervision_notes,
            lead::get_supervision_note,
            lead::summary_preview,
            lead::export_summary,
            lead::inspect_summary,
            lead::merge_summaries,
        ])
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
mod tests;
