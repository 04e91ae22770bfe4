//! Long work the window started (a backup, a check, an export, a merge, an import, a
//! restore): its progress goes to the window as `work-progress` events, and the window can
//! stop it with `cancel_work`, naming the id (`op`) it gave the command. The crates do the
//! stopping (see `attune_vault::progress`); the shell only keeps the flags.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use attune_vault::progress::{Step, Work};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::dto::WorkProgress;
use crate::error::CmdResult;
use crate::state::AppState;

/// The event the window's progress bars listen to.
pub const PROGRESS_EVENT: &str = "work-progress";
/// The `op` of the day's automatic backup (no window started it).
pub const AUTO_BACKUP_OP: &str = "auto-backup";

struct Running {
    flag: Arc<AtomicBool>,
    /// Work inside the session (it holds the vault): locking stops it.
    in_session: bool,
}

/// The stop flags of the work in flight, by the window's id for it.
#[derive(Default)]
pub struct Works(Mutex<HashMap<String, Running>>);

impl Works {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The flag for `op` (already set when the window cancelled before the work began).
    fn begin(&self, op: &str, in_session: bool) -> Arc<AtomicBool> {
        let mut map = self.map();
        let r = map.entry(op.to_string()).or_insert_with(|| Running {
            flag: Arc::new(AtomicBool::new(false)),
            in_session,
        });
        r.in_session = in_session;
        r.flag.clone()
    }

    fn end(&self, op: &str) {
        self.map().remove(op);
    }

    /// Asks the work `op` to stop: at once when it runs, as soon as it begins otherwise.
    pub fn cancel(&self, op: &str) {
        let mut map = self.map();
        // An id never seen is kept (cancelled) in case its command has not begun yet; the
        // window's ids are never reused, so a few stray ones cost nothing.
        map.entry(op.to_string())
            .or_insert_with(|| Running {
                flag: Arc::new(AtomicBool::new(false)),
                in_session: false,
            })
            .flag
            .store(true, Ordering::SeqCst);
    }

    /// Locking stops the work inside the session (it would otherwise keep the vault busy).
    pub fn cancel_in_session(&self) {
        for r in self.map().values().filter(|r| r.in_session) {
            r.flag.store(true, Ordering::SeqCst);
        }
    }
}

pub fn emit<R: Runtime>(app: &AppHandle<R>, op: &str, phase: &str, done: u64, total: u64) {
    let _ = app.emit(
        PROGRESS_EVENT,
        WorkProgress {
            op: op.to_string(),
            phase: phase.to_string(),
            done,
            total,
        },
    );
}

/// Runs `f` as the window's work `op`: its steps become `work-progress` events, and
/// `cancel_work(op)` stops it. `in_session`: it works inside the session, so locking stops it
/// too (a restore or a check of a backup runs without one, and is not stopped by a lock).
pub fn run<R: Runtime, T>(
    app: &AppHandle<R>,
    op: &str,
    in_session: bool,
    f: impl FnOnce(&Work<'_>) -> CmdResult<T>,
) -> CmdResult<T> {
    let state = app.state::<AppState>();
    let flag = state.works().begin(op, in_session);
    let report = |s: Step| emit(app, op, s.phase, s.done, s.total);
    let r = f(&Work::new(&report, &flag));
    state.works().end(op);
    r
}
