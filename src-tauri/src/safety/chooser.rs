//! The native file and folder chooser, and the paths the person chose with it (see the notes
//! of `safety.rs`: files are read and written only where the person chose).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tauri::{AppHandle, Runtime, WebviewWindow};

use super::path_text;
use crate::dto::{ChoosePathRequest, PathKind};
use crate::error::{CmdResult, CommandError};

/// How many chosen paths are remembered (the oldest is forgotten first).
const REMEMBERED: usize = 64;

/// The paths the person chose with `choose_path` in this run of the app. Commands that touch a
/// file take a path only from here (see the module's notes).
/// Forgotten at every lock (issue 12): a path chosen in one session is not a licence for the
/// next person at the laptop.
#[derive(Default)]
pub struct ChosenPaths(Mutex<Vec<(PathKind, PathBuf)>>, AtomicU64);

impl ChosenPaths {
    /// Forget every remembered path if the vault has been locked (`locks`: how many times)
    /// since they were chosen. Every command calls it first.
    pub fn forget_after_lock(&self, locks: u64) {
        if self.1.swap(locks, Ordering::SeqCst) != locks {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    pub fn remember(&self, kind: PathKind, path: &Path) {
        let mut v = self.0.lock().unwrap_or_else(|p| p.into_inner());
        v.retain(|(k, p)| !(*k == kind && p == path));
        v.push((kind, path.to_path_buf()));
        if v.len() > REMEMBERED {
            v.remove(0);
        }
    }

    /// Every one of `paths` if each was chosen for `kind`.
    pub fn require_all(&self, kind: PathKind, paths: &[String]) -> CmdResult<Vec<PathBuf>> {
        paths.iter().map(|p| self.require(kind, p)).collect()
    }

    /// `path` if it was chosen for `kind`; otherwise a refusal that asks to choose again.
    pub fn require(&self, kind: PathKind, path: &str) -> CmdResult<PathBuf> {
        let p = PathBuf::from(path);
        let v = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if v.iter().any(|(k, c)| *k == kind && *c == p) {
            Ok(p)
        } else {
            let what = match kind {
                PathKind::Folder => "folder",
                PathKind::Save | PathKind::Open => "file",
            };
            Err(CommandError::invalid(format!(
                "Choose the {what} again: Attune reads and writes files only where you have chosen."
            )))
        }
    }
}

/// Does a file name match the filters (any, when there are none)? Only the debug stand-in
/// filters by hand; the native dialog applies the filters itself.
#[cfg(any(debug_assertions, test))]
fn matches_filters(name: &str, filters: &[crate::dto::FileFilter]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let lower = name.to_lowercase();
    filters.iter().flat_map(|f| &f.extensions).any(|e| {
        let e = e.trim_start_matches('.').to_lowercase();
        e == "*" || lower.ends_with(&format!(".{e}"))
    })
}

/// The debug-only stand-in for the native dialog (see the module's notes): `None` when
/// `ATTUNE_E2E_PICK_DIR` is not set; `Some(answer)` otherwise.
#[cfg(debug_assertions)]
fn e2e_pick(req: &ChoosePathRequest) -> Option<Option<PathBuf>> {
    let dir = PathBuf::from(std::env::var_os("ATTUNE_E2E_PICK_DIR")?);
    Some(pick_in(&dir, req))
}

/// What the stand-in answers for a folder.
#[cfg(any(debug_assertions, test))]
fn pick_in(dir: &Path, req: &ChoosePathRequest) -> Option<PathBuf> {
    match req.kind {
        PathKind::Folder => Some(dir.to_path_buf()),
        PathKind::Save => Some(
            dir.join(
                req.default_name
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or("attune-file"),
            ),
        ),
        PathKind::Open => {
            let filters = req.filters.as_deref().unwrap_or_default();
            std::fs::read_dir(dir)
                .ok()?
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| matches_filters(&e.file_name().to_string_lossy(), filters))
                .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
                .map(|(_, p)| p)
        }
    }
}

/// Shows the native chooser (parented to the window) on a blocking thread; `None` when the
/// person cancelled.
async fn native_pick<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    req: ChoosePathRequest,
) -> CmdResult<Option<PathBuf>> {
    use tauri::Manager;
    use tauri_plugin_dialog::DialogExt;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let mut b = app
            .dialog()
            .file()
            .set_parent(&window)
            .set_title(&req.title);
        // Start in the person's home folder, not wherever the app happened to be started.
        if let Ok(home) = app.path().home_dir() {
            b = b.set_directory(home);
        }
        if let Some(name) = req.default_name.as_deref().filter(|n| !n.trim().is_empty()) {
            b = b.set_file_name(name);
        }
        for f in req.filters.as_deref().unwrap_or_default() {
            let exts: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
            b = b.add_filter(&f.name, &exts);
        }
        match req.kind {
            PathKind::Folder => b.blocking_pick_folder(),
            PathKind::Save => b.blocking_save_file(),
            PathKind::Open => b.blocking_pick_file(),
        }
    })
    .await
    .map_err(|_| CommandError::invalid("The file chooser closed unexpectedly. Try again."))?;
    picked
        .map(|p| {
            p.into_path().map_err(|_| {
                CommandError::invalid("Attune cannot use that location. Choose a folder on this computer or a USB stick.")
            })
        })
        .transpose()
}

/// The chosen path, or null when the person cancelled. Works locked or unlocked (a restore may
/// start from the unlock screen); reads nothing itself.
pub async fn choose<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    chosen: &ChosenPaths,
    req: ChoosePathRequest,
) -> CmdResult<Option<String>> {
    let kind = req.kind;
    #[cfg(debug_assertions)]
    let picked = match e2e_pick(&req) {
        Some(p) => p,
        None => native_pick(app, window, req).await?,
    };
    #[cfg(not(debug_assertions))]
    let picked = native_pick(app, window, req).await?;
    let Some(path) = picked else { return Ok(None) };
    chosen.remember(kind, &path);
    path_text(path).map(Some)
}

#[cfg(test)]
mod chooser_tests {
    use super::*;
    use crate::dto::FileFilter;

    fn req(kind: PathKind, name: Option<&str>, exts: &[&str]) -> ChoosePathRequest {
        ChoosePathRequest {
            kind,
            title: "t".into(),
            default_name: name.map(str::to_string),
            filters: Some(vec![FileFilter {
                name: "f".into(),
                extensions: exts.iter().map(|e| e.to_string()).collect(),
            }]),
        }
    }

    #[test]
    fn the_stand_in_answers_inside_its_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        assert_eq!(
            pick_in(d, &req(PathKind::Folder, None, &[])),
            Some(d.into())
        );
        assert_eq!(
            pick_in(d, &req(PathKind::Save, Some("x.html"), &[])),
            Some(d.join("x.html"))
        );
        assert_eq!(
            pick_in(d, &req(PathKind::Open, None, &["attune-backup"])),
            None
        );
        std::fs::write(d.join("a.attune-backup"), b"1").unwrap();
        std::fs::write(d.join("note.txt"), b"1").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.join("b.ATTUNE-BACKUP"), b"2").unwrap();
        assert_eq!(
            pick_in(d, &req(PathKind::Open, None, &["attune-backup"])),
            Some(d.join("b.ATTUNE-BACKUP")),
            "the newest file matching the filter"
        );
    }

    #[test]
    fn only_a_chosen_path_is_accepted_and_only_for_its_use() {
        let c = ChosenPaths::default();
        assert!(c.require(PathKind::Folder, "/tmp").is_err());
        c.remember(PathKind::Folder, Path::new("/media/usb"));
        assert!(c.require(PathKind::Folder, "/media/usb").is_ok());
        assert!(c.require(PathKind::Save, "/media/usb").is_err());
        assert!(c.require(PathKind::Folder, "/media/usb/../etc").is_err());
        for i in 0..REMEMBERED {
            c.remember(PathKind::Open, &PathBuf::from(format!("/f{i}")));
        }
        assert!(
            c.require(PathKind::Folder, "/media/usb").is_err(),
            "the oldest is forgotten"
        );
    }

    #[test]
    fn a_lock_forgets_every_chosen_path() {
        let c = ChosenPaths::default();
        c.forget_after_lock(0);
        c.remember(PathKind::Folder, Path::new("/media/usb"));
        c.forget_after_lock(0);
        assert!(c.require(PathKind::Folder, "/media/usb").is_ok());
        c.forget_after_lock(1);
        assert!(c.require(PathKind::Folder, "/media/usb").is_err());
    }
}
