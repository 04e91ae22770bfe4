//! Long work through the shell: progress reaches the window as `work-progress` events, the
//! window's `cancel_work` stops it leaving no file, and locking stops the automatic backup
//! mid-copy leaving no file.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use attune_vault::progress::Step;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::api;
use crate::dto::PathKind;
use crate::safety::ChosenPaths;
use crate::state::AppState;
use crate::tests::{set_up, PASS};
use crate::work::PROGRESS_EVENT;

/// Every name in `dir` (hidden files too), sorted; none when it does not exist.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn unlock_lead(state: &AppState) {
    let lead = state.list_users().ok().map(|u| u[0].id.clone());
    let lead = lead.unwrap_or_else(|| match state.status().unwrap() {
        crate::dto::AppStatus::Locked { users, .. } => users[0].id.clone(),
        s => panic!("{s:?}"),
    });
    state.unlock(&lead, PASS.into()).unwrap();
}

#[test]
fn locking_during_the_automatic_backup_stops_it_and_leaves_no_file() {
    // Locked at the first check, a step into the copy and into the read-back (past each
    // phase's first check), and at the very last step, when the file is complete and checked
    // but not yet audited (the shell then removes it: a backup nobody could audit).
    for (phase, wait) in [
        ("checking", Some(1)),
        ("copying", Some(2)),
        ("reading back", Some(2)),
        ("reading back", None),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let state = set_up(&dir);
        let locked = AtomicBool::new(false);
        let seen = std::sync::atomic::AtomicU32::new(0);
        let end = std::thread::scope(|scope| {
            let report = |s: Step| {
                let n = if s.phase == phase {
                    seen.fetch_add(1, Ordering::SeqCst) + 1
                } else {
                    0
                };
                let now = match wait {
                    Some(w) => n == w,
                    None => n > 0 && s.done == s.total,
                };
                if now && !locked.swap(true, Ordering::SeqCst) {
                    // The auto-lock (idle, sleep, screen lock) arrives mid-phase, on its thread.
                    let running = state.auto_backup_canceller().expect("a backup is running");
                    scope.spawn(|| state.lock("idle"));
                    while !running.is_cancelled() {
                        std::thread::yield_now();
                    }
                }
            };
            state.auto_backup_if_due(&report)
        });
        assert!(locked.load(Ordering::SeqCst), "{phase} was reached");
        assert_eq!(end, Some("stopped"), "{phase}");
        assert!(!state.is_unlocked(), "{phase}: the vault locked");
        assert_eq!(
            names(&dir.join("backups")),
            Vec::<String>::new(),
            "{phase}: no backup file and no temporary file"
        );
        // The snapshot's scratch file (`.attune-snapshot-*`) went too.
        let hidden: Vec<String> = names(&dir)
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect();
        assert_eq!(
            hidden,
            Vec::<String>::new(),
            "{phase}: nothing left beside the vault"
        );

        // Unlocked again, the day's backup is written at the next pause.
        unlock_lead(&state);
        assert_eq!(state.auto_backup_if_due(&|_| {}), Some("finished"));
        assert_eq!(names(&dir.join("backups")).len(), 1);
    }
}

struct App {
    _tmp: tempfile::TempDir,
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    usb: std::path::PathBuf,
}

fn app() -> App {
    let tmp = tempfile::tempdir().unwrap();
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let app = mock_builder()
        .manage(set_up(&tmp.path().join("vault")))
        .manage(ChosenPaths::default())
        .invoke_handler(api::handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    app.state::<ChosenPaths>().remember(PathKind::Folder, &usb);
    App {
        _tmp: tmp,
        app,
        window,
        usb,
    }
}

fn call(a: &App, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = tauri::webview::InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: tauri::test::INVOKE_KEY.to_string(),
    };
    get_ipc_response(&a.window, request).map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn a_backup_from_the_window_reports_progress_for_its_op() {
    let a = app();
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let seen = events.clone();
    a.app.listen_any(PROGRESS_EVENT, move |e| {
        seen.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let usb = a.usb.display().to_string();
    call(&a, "backup_now", json!({"folder": usb, "op": "backup-1"})).unwrap();
    let events = events.lock().unwrap().clone();
    assert!(events.len() >= 4, "{events:?}");
    assert!(events.iter().all(|e| e["op"] == "backup-1"));
    let done: Vec<u64> = events.iter().map(|e| e["done"].as_u64().unwrap()).collect();
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");
    let last = events.last().unwrap();
    assert_eq!(last["done"], last["total"]);
    assert_eq!(names(&a.usb).len(), 1);
}

#[test]
fn a_cancelled_backup_answers_cancelled_and_leaves_no_file() {
    let a = app();
    let usb = a.usb.display().to_string();
    // The window's Cancel may arrive before the command has begun: it still stops it.
    call(&a, "cancel_work", json!({"op": "backup-2"})).unwrap();
    let e = call(&a, "backup_now", json!({"folder": usb, "op": "backup-2"})).unwrap_err();
    assert_eq!(e["kind"], "cancelled", "{e}");
    assert_eq!(names(&a.usb), Vec::<String>::new());
    // Another op is not affected.
    call(&a, "backup_now", json!({"folder": usb, "op": "backup-3"})).unwrap();
    assert_eq!(names(&a.usb).len(), 1);
}
