//! Measures an IPC round trip from the window's side — `open_pupil` through the command handler
//! on Tauri's mock runtime, the same async path and blocking pool the app uses — while the daily
//! automatic backup runs, against no backup, and against the old way (the backup holding the
//! session's lock for the whole copy). Not a test: a measurement, quoted in the notes.
//!
//! ```text
//! attune-admin --vault /tmp/demo --user "Ada Lovelace" demo --size large
//! ATTUNE_PASSPHRASE=… cargo run --example ipc_during_backup -- /tmp/demo "Ada Lovelace"
//! ```
//! The vault is copied to a temporary folder first; the original is not touched.

use std::path::Path;
use std::time::{Duration, Instant};

use attune_app::dto::{AppStatus, CaseloadQuery};
use attune_app::{api, AppState, ChosenPaths};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != "backups" {
                copy_dir(&e.path(), &t);
            }
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

fn open_pupil(w: &WebviewWindow<MockRuntime>, id: i64) -> Duration {
    let started = Instant::now();
    let r = get_ipc_response(
        w,
        tauri::webview::InvokeRequest {
            cmd: "open_pupil".into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(
                serde_json::json!({ "pupilId": id, "sessionLimit": 50 }),
            ),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    );
    assert!(r.is_ok(), "open_pupil failed: {r:?}");
    started.elapsed()
}

fn report(what: &str, mut t: Vec<Duration>) {
    t.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let q = |p: f64| ms(t[((t.len() - 1) as f64 * p).round() as usize]);
    println!(
        "{what:<40} n={:<5} p50 {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms",
        t.len(),
        q(0.5),
        q(0.95),
        ms(*t.last().unwrap())
    );
}

/// Round trips while `work` runs on another thread; and how long `work` took.
fn during(
    w: &WebviewWindow<MockRuntime>,
    ids: &[i64],
    work: impl FnOnce() + Send + 'static,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let h = std::thread::spawn(work);
    // Let the backup get going before the first call.
    std::thread::sleep(Duration::from_millis(50));
    let mut t = Vec::new();
    let mut i = 0;
    while !h.is_finished() {
        t.push(open_pupil(w, ids[i % ids.len()]));
        i += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    h.join().unwrap();
    (t, started.elapsed())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (src, user) = (
        args.next().expect("vault folder"),
        args.next().expect("user name"),
    );
    let pass = std::env::var("ATTUNE_PASSPHRASE").expect("ATTUNE_PASSPHRASE");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    copy_dir(Path::new(&src), &dir);

    let app = mock_builder()
        .manage(AppState::new(dir.clone()))
        .manage(ChosenPaths::default())
        .invoke_handler(api::handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let st = app.state::<AppState>();
    let AppStatus::Locked { users, .. } = st.status().unwrap() else {
        panic!("not locked")
    };
    let id = users
        .iter()
        .find(|u| u.name == user)
        .expect("that user")
        .id
        .clone();
    st.unlock(&id, pass).unwrap();
    let ids: Vec<i64> = st
        .caseload(Some(CaseloadQuery::default()))
        .unwrap()
        .iter()
        .map(|r| r.pupil_id)
        .collect();
    println!("{} pupils", ids.len());

    for &p in ids.iter().take(20) {
        open_pupil(&w, p); // warm the cache
    }
    report(
        "no backup",
        ids.iter().take(200).map(|&p| open_pupil(&w, p)).collect(),
    );

    let h = app.handle().clone();
    let (t, took) = during(&w, &ids, move || {
        h.state::<AppState>().auto_backup_if_due(&|_| {});
    });
    println!(
        "automatic backup (own connection) took {:.1} s",
        took.as_secs_f64()
    );
    report("during the automatic backup (now)", t);
    assert!(
        dir.join("backups").read_dir().unwrap().count() >= 1,
        "no backup written"
    );

    // The old way: the whole backup inside the session's lock.
    for e in dir.join("backups").read_dir().unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let h = app.handle().clone();
    let (t, took) = during(&w, &ids, move || {
        h.state::<AppState>()
            .with_vault(|v| v.auto_backup_if_due(chrono::Utc::now(), 7).map(|_| ()))
            .unwrap()
    });
    println!(
        "automatic backup holding the session lock took {:.1} s",
        took.as_secs_f64()
    );
    report("during a backup holding the lock (before)", t);
}
